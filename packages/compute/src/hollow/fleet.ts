import type { Server } from 'node:http';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Client } from 'pg';
import type { Sequelize } from 'sequelize';
import { TASK_CHANNEL, listen, type Logger, type ZunConfig } from '@zun/common';
import { readHostResources } from '../host/host-info';
import { HostRegistration } from '../host/registration';
import { LivenessConnection } from '../host/liveness';
import { DockerImageDriver } from '../image/docker-image-driver';
import { RegistrySources } from '../image/registry-source';
import { ResourceTracker } from '../manager/claims';
import type { ManagerContext } from '../manager/context';
import { healContainer } from '../manager/heal';
import { releaseHostResources } from '../manager/host-resources';
import { settleStaleTaskStates } from '../manager/recovery';
import { TaskRunner } from '../manager/task-runner';
import { PeriodicJob } from '../periodic';
import { AgentAvailability } from '../routes/availability';
import { createAgentApp } from '../server';
import { StateSync } from '../sync/state-sync';
import { HollowEngine, type HollowShape } from './engine';

/**
 * Many simulated compute hosts in one process, for scale benchmarks of the control plane: each
 * registers its own service and compute node, heartbeats, reconciles, takes claims on its own
 * HTTP port and runs the tasks the API queues for it, with the agent's own code over a
 * HollowEngine. What they share is what one process must share: one database pool and one
 * LISTEN connection whose notifications are routed by host (500 of each would exhaust
 * PostgreSQL's connections, not test the API).
 */
/** The switch a scale benchmark sets on purpose; anything else keeps hollow hosts away. */
export const HOLLOW_SWITCH = 'ZUN_HOLLOW_FLEET';

/** Why hollow hosts may not start here, or null when the benchmark's switch is set. */
export function hollowFleetRefusal(env: NodeJS.ProcessEnv): string | null {
  return env[HOLLOW_SWITCH] === 'bench'
    ? null
    : `hollow compute hosts simulate their engine and exist for scale benchmarks only: set ${HOLLOW_SWITCH}=bench to run them`;
}

// A connection runs one statement at a time. At 200 ms a round trip (a loaded machine) one
// carries 5 beats a second, just what 50 hosts need at a 10 s interval: with 50 hosts on one,
// any slower round trip queued beats until they were a minute late. Real agents have a
// connection each; here a few hosts share one.
const HOSTS_PER_LIVENESS = 5;

export interface FleetOptions {
  count: number;
  /** Host names are `<prefix>-0001`, `<prefix>-0002`, ... */
  prefix: string;
  /** The number of this fleet's first host (1 unless several fleets share the names). */
  first?: number;
  shape: HollowShape;
  /** Hosts registered at once at start-up. */
  registerConcurrency: number;
}

export interface HeartbeatStats {
  beats: number;
  failures: number;
  /** Gaps between two heartbeats of one host longer than twice the interval. */
  missed: number;
  maxGapMs: number;
  durationsMs: number[];
}

interface HollowHost {
  name: string;
  runner: TaskRunner;
  server: Server;
  jobs: PeriodicJob[];
  lastBeat: number;
}

export class HollowFleet {
  private readonly hosts = new Map<string, HollowHost>();
  private listener: Client | null = null;
  private liveness: LivenessConnection[] = [];
  readonly heartbeats: HeartbeatStats = { beats: 0, failures: 0, missed: 0, maxGapMs: 0, durationsMs: [] };
  registrationMs = 0;
  /** The fleet process's own event-loop delay: a late heartbeat is either this or the database. */
  readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly config: ZunConfig,
    private readonly sequelize: Sequelize,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.hosts.size;
  }

  async start(opts: FleetOptions): Promise<void> {
    const connections = Math.max(1, Math.ceil(opts.count / HOSTS_PER_LIVENESS));
    this.liveness = Array.from(
      { length: connections },
      () => new LivenessConnection(this.config.database.connection),
    );
    const refusal = hollowFleetRefusal(process.env);
    if (refusal) throw new Error(refusal);
    await this.listen();
    this.loopDelay.enable();
    const names = Array.from(
      { length: opts.count },
      (_, i) => `${opts.prefix}-${String(i + (opts.first ?? 1)).padStart(4, '0')}`,
    );
    const started = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) await this.startHost(names[next++], opts.shape);
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.registerConcurrency) }, worker));
    this.registrationMs = Date.now() - started;
    this.logger.info('hollow fleet started', { hosts: this.hosts.size, ms: this.registrationMs });
  }

  async stop(): Promise<void> {
    for (const h of this.hosts.values()) {
      h.runner.stop();
      await Promise.all(h.jobs.map((j) => j.stop()));
      h.server.close();
    }
    await Promise.all([...this.hosts.values()].map((h) => h.runner.idle()));
    await this.listener?.end().catch(() => undefined);
    await Promise.all(this.liveness.map((l) => l.close()));
  }

  resetStats(): void {
    this.loopDelay.reset();
    Object.assign(this.heartbeats, { beats: 0, failures: 0, missed: 0, maxGapMs: 0, durationsMs: [] });
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.config.database.connection });
    client.on('notification', (n) => {
      if (n.channel === TASK_CHANNEL && n.payload) this.hosts.get(n.payload)?.runner.wake();
    });
    client.on('error', (err) =>
      this.logger.error('hollow fleet lost its LISTEN connection', { error: err.message }),
    );
    await client.connect();
    await client.query(`LISTEN ${TASK_CHANNEL}`);
    this.listener = client;
  }

  private async startHost(name: string, shape: HollowShape): Promise<void> {
    const config: ZunConfig = { ...this.config, host: name };
    const engine = new HollowEngine(shape);
    const tracker = new ResourceTracker(this.sequelize, name);
    const images = new DockerImageDriver(engine, new RegistrySources(config.authEncryptionKey), {
      domain: config.docker.defaultRegistry,
      username: config.docker.defaultRegistryUsername,
      password: config.docker.defaultRegistryPassword,
    });
    const ctx: ManagerContext = {
      host: name,
      config,
      sequelize: this.sequelize,
      engine,
      images,
      glance: null,
      tracker,
      logger: this.logger,
    };
    const runner = new TaskRunner(ctx);
    const sync = new StateSync(
      engine,
      name,
      tracker,
      this.logger,
      (c) => releaseHostResources(ctx, c),
      (c, start) => healContainer(ctx, c, start),
    );
    const availability = new AgentAvailability();
    const app = createAgentApp({
      serviceToken: config.compute.serviceToken,
      host: name,
      engine,
      tracker,
      logger: this.logger,
      manager: ctx,
      tasks: runner,
      availability,
    });
    const { server, port } = await listen(app, 0, config.compute.listenHost);
    // Real agents beat on a connection each; here one serves HOSTS_PER_LIVENESS hosts.
    const liveness = this.liveness[this.hosts.size % this.liveness.length];
    const registration = new HostRegistration(
      config,
      engine,
      `http://${config.compute.listenHost}:${port}`,
      this.logger,
      liveness,
    );
    const applyLimits = (r: Awaited<ReturnType<typeof readHostResources>>): void =>
      tracker.setLimits({ cpu: r.cpuLimit, memory: r.memLimit, disk: r.diskLimit });
    applyLimits(await registration.register());
    await tracker.load();
    await runner.recover();
    await settleStaleTaskStates(ctx);
    availability.ready();
    const host: HollowHost = { name, runner, server, jobs: [], lastBeat: Date.now() };
    const every = (option: string, seconds: number, run: () => Promise<unknown> | unknown): PeriodicJob =>
      new PeriodicJob({
        name: `[compute] ${option}`,
        intervalSeconds: seconds,
        run,
        onError: (err) => this.logger.warn(`${option} failed`, { host: name, error: String(err) }),
      }).start();
    const c = config.compute;
    host.jobs.push(
      every('heartbeat_interval', c.heartbeatInterval, async () => {
        const began = Date.now();
        try {
          await registration.heartbeat();
        } catch (err) {
          this.heartbeats.failures++;
          throw err;
        }
        this.beat(host, began, c.heartbeatInterval * 1000);
      }),
      every('heartbeat_interval (host refresh)', c.heartbeatInterval, async () =>
        applyLimits(await registration.refreshNode()),
      ),
      every('sync_container_state_interval', c.syncContainerStateInterval, () => sync.reconcile()),
      every('task_poll_interval', c.taskPollInterval, () => runner.wake()),
    );
    this.hosts.set(name, host);
  }

  private beat(host: HollowHost, began: number, intervalMs: number): void {
    const now = Date.now();
    const gap = now - host.lastBeat;
    host.lastBeat = now;
    const s = this.heartbeats;
    s.beats++;
    s.durationsMs.push(now - began);
    s.maxGapMs = Math.max(s.maxGapMs, gap);
    if (gap > 2 * intervalMs) s.missed++;
  }
}
