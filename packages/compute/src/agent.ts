import {
  databaseCheck,
  GlanceClient,
  HttpDrain,
  listen,
  openDatabase,
  type Logger,
  type ZunConfig,
} from '@zun/common';
import { DockerodeEngine, type EngineClient } from './docker/engine';
import { DockerodeInteractive, type InteractiveEngine } from './docker/interactive';
import type { HostResources } from './host/host-info';
import { HostRegistration } from './host/registration';
import { LivenessConnection } from './host/liveness';
import { DockerImageDriver } from './image/docker-image-driver';
import { GlanceImageDriver } from './image/glance-image-driver';
import { RegistrySources } from './image/registry-source';
import { ResourceTracker } from './manager/claims';
import type { ManagerContext } from './manager/context';
import { TaskListener } from './manager/task-listener';
import { TaskRunner } from './manager/task-runner';
import { createAgentApp } from './server';
import { ImageRecords } from './image/image-records';
import { imagesRouter } from './routes/images';
import { collectUnusedNetworks } from './network/project-networks';
import { releaseHostResources } from './manager/host-resources';
import { interactiveRoutes } from './interactive/routes';
import { InteractiveSessions } from './interactive/sessions';
import { StateSync } from './sync/state-sync';
import { healContainer, releaseInterruptedHeals } from './manager/heal';
import { settleStaleTaskStates } from './manager/recovery';
import { AgentAvailability } from './routes/availability';

import { PeriodicJob } from './periodic';
import { ComputeMetrics } from './metrics';

export interface RunningAgent {
  endpoint: string;
  runner: TaskRunner;
  sync: StateSync;
  /**
   * Drains: takes no new task or request, lets those in flight finish for at most `graceMs`
   * (0: as long as they take), then lets go of its resources. Tasks still running after the
   * grace period stay 'running' in the database and run again at the next start; the database
   * pool is then left open for them, since the process is about to exit. Resolves true when
   * everything finished in time.
   */
  stop(graceMs?: number): Promise<boolean>;
}

/**
 * Tasks of different containers run concurrently, each with its own writes. Connections stay
 * open 5 minutes: with the usual 10 s idle time, a burst after a quiet spell opened them again
 * inside its tasks and claims (a backend start and a SCRAM exchange each, CPU on both sides).
 */
export const AGENT_POOL = { poolMax: 40, idleMs: 300_000, applicationName: 'zun-compute' } as const;

/**
 * Starts zun-compute for one host: registers the service and node, serves the API on the
 * agent endpoint (refusing claims until its tally is loaded and start-up recovery is done),
 * drains pending tasks (including those accepted while it was down), follows Docker events and
 * heartbeats/reconciles periodically.
 */
export async function startAgent(
  config: ZunConfig,
  logger: Logger,
  engine?: EngineClient,
): Promise<RunningAgent> {
  if (!config.compute.serviceToken) {
    throw new Error('[compute] service_token must be set: the agent refuses to serve without a credential');
  }
  const sequelize = openDatabase(config.database.connection, AGENT_POOL);
  await sequelize.authenticate();
  // Checked here, not by the engine at the first create: a typo would otherwise fail every create.
  if (!/^[1-9][0-9]*[kmg]?$/.test(config.docker.logMaxSize))
    throw new Error(
      `[docker] log_max_size must be a size like 20m (k, m or g), got "${config.docker.logMaxSize}"`,
    );
  const eng =
    engine ??
    new DockerodeEngine(config.docker.socketPath, {
      pidsLimit: config.docker.pidsLimit,
      logMaxSize: config.docker.logMaxSize,
      logMaxFiles: config.docker.logMaxFiles,
      publishAddress: config.docker.publishAddress,
    });
  const tracker = new ResourceTracker(sequelize, config.host);
  const metrics = new ComputeMetrics(() => tracker.usage());
  tracker.onCheck = (granted) => metrics.claimChecked(granted);
  eng.onFollow = (delta) => metrics.followedLogs(delta);
  const images = new DockerImageDriver(eng, new RegistrySources(config.authEncryptionKey), {
    domain: config.docker.defaultRegistry,
    username: config.docker.defaultRegistryUsername,
    password: config.docker.defaultRegistryPassword,
  });
  const imageRecords = new ImageRecords(config.host, eng, images, logger);
  const glanceClient = GlanceClient.fromConfig(config);
  const glance = glanceClient ? new GlanceImageDriver(eng, glanceClient, logger) : null;
  if (glance) glance.onFetch = (outcome) => metrics.glanceImage(outcome);
  const ctx: ManagerContext = {
    host: config.host,
    config,
    sequelize,
    engine: eng,
    images,
    glance,
    tracker,
    logger,
    metrics,
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
  sync.onDrift = (kind) => metrics.driftCorrected(kind);
  sync.taskHolds = (uuid) => runner.holds(uuid);
  runner.onChainEnd = (uuid) => sync.taskEnded(uuid);

  const availability = new AgentAvailability();
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
      imagesRouter(imageRecords),
      interactiveRoutes({
        host: config.host,
        engine: interactive,
        sessions,
        executeTimeoutMs: config.docker.executeTimeout * 1000,
      }),
    ],
    tasks: runner,
    availability,
    publicRoutes: metrics.publicRoutes(
      {
        database: databaseCheck(sequelize),
        engine: () => eng.info(),
        // Not before its claims are loaded, nor once it drains for shutdown.
        serving: async () => {
          if (!availability.serving) throw new Error('the agent is starting or draining');
        },
      },
      logger,
    ),
  });
  const { server, port } = await listen(app, config.compute.listenPort, config.compute.listenHost);
  const http = new HttpDrain(server);
  server.on('upgrade', (req, socket, head) => sessions.handleUpgrade(req, socket, head));
  const endpoint = config.compute.advertiseUrl ?? `http://${config.compute.listenHost}:${port}`;

  const liveness = new LivenessConnection(config.database.connection);
  const registration = new HostRegistration(config, eng, endpoint, logger, liveness);
  const limitsOf = (r: HostResources) => ({ cpu: r.cpuLimit, memory: r.memLimit, disk: r.diskLimit });
  const applyHost = (r: HostResources): void => {
    tracker.setLimits(limitsOf(r));
    tracker.setTopology(r.numaTopology, config.compute.enableCpuPinning);
  };
  applyHost(await registration.register());
  await tracker.load();
  if (tracker.restored.length) logger.warn('restored missing claims', { containers: tracker.restored });
  // Recovery, before anything can start a task or a heal: what the last run left half done.
  await releaseInterruptedHeals(config.host);
  await runner.recover();
  await settleStaleTaskStates(ctx);
  sync.startEvents();
  await sync.reconcile();
  await imageRecords.reconcile();
  availability.ready();
  const listener = new TaskListener(config.database.connection, config.host, () => runner.wake(), logger);
  await listener.start();

  const every = (
    what: string,
    option: string,
    seconds: number,
    run: () => Promise<unknown> | unknown,
  ): PeriodicJob =>
    new PeriodicJob({
      name: `[compute] ${option}`,
      intervalSeconds: seconds,
      run,
      onError: (err) => logger.warn(`${what} failed`, { error: String(err) }),
    }).start();
  const jobs: PeriodicJob[] = [
    // Apart, so a resource refresh waiting for a pooled connection never delays a beat.
    every('heartbeat', 'heartbeat_interval', config.compute.heartbeatInterval, () =>
      registration.heartbeat(),
    ),
    every('host refresh', 'heartbeat_interval', config.compute.heartbeatInterval, async () =>
      applyHost(await registration.refreshNode()),
    ),
    every(
      'periodic sync',
      'sync_container_state_interval',
      config.compute.syncContainerStateInterval,
      async () => {
        await sync
          .reconcile()
          .catch((err: unknown) => logger.warn('reconcile failed', { error: String(err) }));
        await imageRecords
          .reconcile()
          .catch((err: unknown) => logger.warn('image reconcile failed', { error: String(err) }));
        await tracker
          .reapOrphans(config.compute.orphanClaimGrace)
          .then((gone) => gone.length && logger.warn('released orphaned claims', { containers: gone }))
          .catch((err: unknown) => logger.warn('claim reaping failed', { error: String(err) }));
        await collectUnusedNetworks(ctx).catch((err: unknown) =>
          logger.warn('network collection failed', { error: String(err) }),
        );
      },
    ),
    // A safety net for a lost notification; notifications make this rarely find anything.
    every('task poll', 'task_poll_interval', config.compute.taskPollInterval, () => runner.wake()),
  ];
  logger.info('zun-compute started', { host: config.host, endpoint });

  return {
    endpoint,
    runner,
    sync,
    async stop(graceMs = config.gracefulShutdownTimeout * 1000) {
      logger.info('zun-compute draining', { host: config.host, grace_ms: graceMs });
      availability.drain();
      runner.stop();
      const requests = http.close();
      await listener.stop();
      sync.stop();
      // Interactive sessions have no end of their own to wait for.
      sessions.close();
      const finished = Promise.all([
        requests,
        runner.idle(),
        imageRecords.idle(),
        ...jobs.map((j) => j.stop()),
      ]).then(() => true);
      const inTime = graceMs > 0 ? await Promise.race([finished, timeout(graceMs)]) : await finished;
      if (!inTime) {
        logger.warn(
          'grace period over: stopping with work in flight; unfinished tasks run again at the next start',
          {
            host: config.host,
            grace_ms: graceMs,
          },
        );
        http.cut();
      }
      await registration.markDown().catch(() => undefined);
      await liveness.close();
      if (inTime) await sequelize.close();
      logger.info('zun-compute stopped', { host: config.host });
      return inTime;
    },
  };
}

function timeout(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => resolve(false), ms).unref());
}
