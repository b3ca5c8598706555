import {
  HttpDrain,
  ComputeAgentClient,
  listen,
  migrate,
  OpenStreams,
  openDatabase,
  type Logger,
  type ZunConfig,
} from '@zun/common';
import { FilterScheduler } from '@zun/scheduler';
import { createApiApp } from './app';
import { HostStateCache } from './compute/host-states';
import { ContainerEventHub } from './events/container-events';
import { bootstrapIdentity, ExternalKeystoneProvider, LocalAuthProvider } from './identity';
import { configurePolicy } from './policy';

export interface RunningApi {
  url: string;
  hosts: HostStateCache;
  /**
   * Drains: no new connections, requests in flight finish (cut after `graceMs`, by default
   * [DEFAULT] graceful_shutdown_timeout), then the database pool closes.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
}

/**
 * zun-api's database pool. Its connections stay open for minutes once opened: the pool hands out
 * the most recently used one, so under uneven load the others sat unused past a short idle
 * time, closed, and the next burst opened them again inside its requests (a backend start, a
 * SCRAM exchange and a session set-up each: tens of milliseconds, hundreds on a loaded machine,
 * added to whichever list or create got the new connection). A few API processes keeping 20
 * connections each cost PostgreSQL little.
 */
export const API_POOL = { poolMax: 20, idleMs: 300_000, applicationName: 'zun-api' } as const;

/** Starts zun-api: migrations, identity bootstrap, then the HTTP server. */
export async function startApi(
  config: ZunConfig,
  logger: Logger,
  opts: { migrate?: boolean } = {},
): Promise<RunningApi> {
  if (!config.compute.serviceToken) {
    throw new Error('[compute] service_token must be set: the API presents it to compute agents');
  }
  // First: a policy file that does not parse stops the start, before anything listens.
  configurePolicy({ policyFile: config.policy.file, policyDirs: config.policy.dirs }, logger);
  const sequelize = openDatabase(config.database.connection, API_POOL);
  await sequelize.authenticate();
  if (opts.migrate !== false) await migrate(sequelize, logger);
  const { authUrl } = config.keystoneAuthtoken;
  // With an external Keystone the built-in identity is off: no users made, no /identity routes.
  const keystone = authUrl
    ? new ExternalKeystoneProvider({ ...config.keystoneAuthtoken, authUrl }, logger)
    : undefined;
  if (keystone) logger.info('tokens validated by an external Keystone', { url: keystone.client.base });
  keystone?.start();
  if (!keystone && config.identity.adminPassword) {
    await bootstrapIdentity(
      { adminPassword: config.identity.adminPassword, demoPassword: config.identity.demoPassword },
      logger,
    );
  }
  const hosts = new HostStateCache(sequelize, config, config.scheduler.hostStateTtl * 1000);
  const events = new ContainerEventHub(config.database.connection, logger);
  await events.start();
  const follows = new OpenStreams();
  const app = createApiApp({
    follows,
    hosts,
    events,
    config,
    sequelize,
    scheduler: new FilterScheduler({
      enabledFilters: config.scheduler.enabledFilters,
      weigher: config.scheduler.weigher,
      // Placement tries up to max_attempts candidates; the scheduler ranks exactly that many.
      maxCandidates: Math.max(1, config.scheduler.maxAttempts),
    }),
    agents: new ComputeAgentClient(config.compute.serviceToken),
    identity: new LocalAuthProvider({ config }),
    keystone,
    logger,
  });
  const { server, port } = await listen(app, config.api.port, config.api.host);
  const drain = new HttpDrain(server);
  server.keepAliveTimeout = 65_000;
  const url = `http://${config.api.host}:${port}`;
  logger.info('zun-api listening', { url });
  return {
    url,
    hosts,
    async stop(opts = {}) {
      // Event streams and followed logs never end by themselves; they would hold the drain for
      // its whole grace.
      await events.stop();
      follows.endAll();
      await keystone?.stop();
      const inTime = await drain.closeWithin(opts.graceMs ?? config.gracefulShutdownTimeout * 1000);
      if (!inTime) logger.warn('grace period over: requests still in flight were cut');
      await sequelize.close();
    },
  };
}
