import cron, { type ScheduledTask } from 'node-cron';
import { listen, openDatabase, type Logger, type ZunConfig } from '@zun/common';
import { DockerodeEngine, type EngineClient } from './docker/engine';
import { DockerodeInteractive, type InteractiveEngine } from './docker/interactive';
import type { HostResources } from './host/host-info';
import { HostRegistration } from './host/registration';
import { DockerImageDriver } from './image/docker-image-driver';
import { RegistrySources } from './image/registry-source';
import { ResourceTracker } from './manager/claims';
import type { ManagerContext } from './manager/context';
import { TaskListener } from './manager/task-listener';
import { TaskRunner } from './manager/task-runner';
import { createAgentApp } from './server';
import { collectUnusedNetworks } from './network/project-networks';
import { releaseHostResources } from './manager/host-resources';
import { interactiveRoutes } from './interactive/routes';
import { InteractiveSessions } from './interactive/sessions';
import { StateSync } from './sync/state-sync';
import { healContainer, releaseInterruptedHeals } from './manager/heal';

export interface RunningAgent {
  endpoint: string;
  runner: TaskRunner;
  sync: StateSync;
  stop(): Promise<void>;
}

/**
 * Starts zun-compute for one host: registers the service and node, serves the API on the
 * agent endpoint, drains pending tasks (including those accepted while it was down), follows
 * Docker events and heartbeats/reconciles on a schedule.
 */
export async function startAgent(
  config: ZunConfig,
  logger: Logger,
  engine?: EngineClient,
): Promise<RunningAgent> {
  if (!config.compute.serviceToken) {
    throw new Error('[compute] service_token must be set: the agent refuses to serve without a credential');
  }
  // Every concurrent task needs a connection for its own writes and one for its audit queue.
  const sequelize = openDatabase(config.database.connection, { poolMax: 40 });
  await sequelize.authenticate();
  const eng = engine ?? new DockerodeEngine(config.docker.socketPath);
  const tracker = new ResourceTracker(sequelize, config.host);
  const ctx: ManagerContext = {
    host: config.host,
    config,
    sequelize,
    engine: eng,
    images: new DockerImageDriver(eng, new RegistrySources(config.authEncryptionKey), {
      domain: config.docker.defaultRegistry,
      username: config.docker.defaultRegistryUsername,
      password: config.docker.defaultRegistryPassword,
    }),
    tracker,
    logger,
  };
  const runner = new TaskRunner(ctx);
  const sync = new StateSync(
    eng,
    config.host,
    tracker,
    logger,
    (c) => releaseHostResources(ctx, c),
    (c, start) => healContainer(ctx, c, start),
  );

  const interactive: InteractiveEngine = new DockerodeInteractive(config.docker.socketPath);
  const sessions = new InteractiveSessions({
    serviceToken: config.compute.serviceToken,
    host: config.host,
    engine: interactive,
    logger,
    maxPayload: config.websocketProxy.maxPayload,
  });
  const app = createAgentApp({
    serviceToken: config.compute.serviceToken,
    host: config.host,
    engine: eng,
    tracker,
    logger,
    manager: ctx,
    routes: [
      interactiveRoutes({
        host: config.host,
        engine: interactive,
        sessions,
        executeTimeoutMs: config.docker.executeTimeout * 1000,
      }),
    ],
    serialize: (uuid, fn) => runner.serialize(uuid, fn),
  });
  const { server, port } = await listen(app, config.compute.listenPort, config.compute.listenHost);
  server.on('upgrade', (req, socket, head) => sessions.handleUpgrade(req, socket, head));
  const endpoint = config.compute.advertiseUrl ?? `http://${config.compute.listenHost}:${port}`;

  const registration = new HostRegistration(config, eng, endpoint, logger);
  const limitsOf = (r: HostResources) => ({ cpu: r.cpuLimit, memory: r.memLimit, disk: r.diskLimit });
  const applyHost = (r: HostResources): void => {
    tracker.setLimits(limitsOf(r));
    tracker.setTopology(r.numaTopology, config.compute.enableCpuPinning);
  };
  applyHost(await registration.register());
  await tracker.load();
  if (tracker.restored.length) logger.warn('restored missing claims', { containers: tracker.restored });
  await releaseInterruptedHeals(config.host);
  sync.startEvents();
  await sync.reconcile();
  await runner.recover();
  const listener = new TaskListener(config.database.connection, config.host, () => runner.wake(), logger);
  await listener.start();

  const jobs: ScheduledTask[] = [
    cron.schedule(`*/${Math.max(1, config.compute.heartbeatInterval)} * * * * *`, async () => {
      try {
        await registration.heartbeat();
        applyHost(await registration.refreshNode());
      } catch (err) {
        logger.warn('heartbeat failed', { error: String(err) });
      }
    }),
    cron.schedule(`*/${Math.max(1, config.compute.syncContainerStateInterval)} * * * * *`, async () => {
      await sync.reconcile().catch((err: unknown) => logger.warn('reconcile failed', { error: String(err) }));
      await tracker
        .reapOrphans(config.compute.orphanClaimGrace)
        .then((gone) => gone.length && logger.warn('released orphaned claims', { containers: gone }))
        .catch((err: unknown) => logger.warn('claim reaping failed', { error: String(err) }));
      await collectUnusedNetworks(ctx).catch((err: unknown) =>
        logger.warn('network collection failed', { error: String(err) }),
      );
    }),
    // A safety net for a lost notification; notifications make this rarely find anything.
    cron.schedule(`*/${Math.max(1, config.compute.taskPollInterval)} * * * * *`, () => runner.wake()),
  ];
  logger.info('zun-compute started', { host: config.host, endpoint });

  return {
    endpoint,
    runner,
    sync,
    async stop() {
      for (const j of jobs) await j.stop();
      await listener.stop();
      runner.stop();
      sync.stop();
      sessions.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections from the API would otherwise hold close() open.
        server.closeAllConnections();
      });
      await runner.idle();
      await registration.markDown().catch(() => undefined);
      await sequelize.close();
      logger.info('zun-compute stopped', { host: config.host });
    },
  };
}
