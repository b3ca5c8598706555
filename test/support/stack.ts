import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { createLogger, loadConfig, LABEL_HOST, type Logger, type ZunConfig } from '@zun/common';
import { startApi, type RunningApi } from '@zun/api';
import { startWsProxy, type RunningProxy } from '@zun/wsproxy';
import type { TestDatabase } from './db';
import { issueToken } from './identity';
import { reapNetworksAndVolumes } from './reap';

export const REGISTRY = `127.0.0.1:${process.env.ZUN_REGISTRY_PORT ?? 5000}`;
export const BUSYBOX = `${REGISTRY}/busybox`;
/** Capsule sandboxes: built and pushed with busybox by scripts/test.sh (ensure_sandbox_image). */
export const SANDBOX_IMAGE = `${REGISTRY}/zun-sandbox`;
const repo = path.resolve(__dirname, '..', '..');

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface AgentHandle {
  host: string;
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * zun-api in this process and zun-compute as a real child process (the built daemon), both on
 * the test file's own database, against the real Docker engine. The host name is unique per
 * stack so stacks of parallel test files never see each other's containers.
 */
export class TestStack {
  readonly host = `test-${randomBytes(4).toString('hex')}`;
  readonly serviceToken = randomBytes(16).toString('hex');
  readonly adminPassword = 'admin-secret';
  readonly demoPassword = 'demo-secret';
  readonly authEncryptionKey = randomBytes(32).toString('base64url');
  api!: RunningApi;
  wsproxy: RunningProxy | null = null;
  config!: ZunConfig;
  agentUrl: string | null = null;
  private agent: ChildProcess | null = null;
  private readonly extraAgents: AgentHandle[] = [];
  private agentLog = '';
  private tokens = new Map<string, string>();
  readonly statePath = path.join(os.tmpdir(), `zun-${this.host}`);
  readonly docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

  constructor(private readonly db: TestDatabase) {}

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      ZUN_CONFIG: '/dev/null',
      ZUN_DATABASE_CONNECTION: this.db.url,
      ZUN_DEFAULT_HOST: this.host,
      ZUN_API_PORT: '0',
      ZUN_COMPUTE_LISTEN_PORT: '0',
      ZUN_COMPUTE_SERVICE_TOKEN: this.serviceToken,
      ZUN_DEFAULT_AUTH_ENCRYPTION_KEY: this.authEncryptionKey,
      ZUN_DEFAULT_SANDBOX_IMAGE: SANDBOX_IMAGE,
      ZUN_COMPUTE_TASK_POLL_INTERVAL: '1',
      ZUN_COMPUTE_SYNC_CONTAINER_STATE_INTERVAL: '2',
      // Networks go as soon as they are unused, as the tests that check removal expect.
      ZUN_COMPUTE_NETWORK_IDLE_TIMEOUT: '0',
      ZUN_COMPUTE_HEARTBEAT_INTERVAL: '2',
      ZUN_DOCKER_PUBLISH_ADDRESS: '127.0.0.1',
      ZUN_COMPUTE_STATE_PATH: this.statePath,
      ZUN_IDENTITY_ADMIN_PASSWORD: this.adminPassword,
      ZUN_IDENTITY_DEMO_PASSWORD: this.demoPassword,
      ZUN_LOG_LEVEL: process.env.ZUN_TEST_LOG_LEVEL ?? 'warn',
      ...extra,
    };
  }

  async startApi(extraEnv: Record<string, string> = {}): Promise<void> {
    this.config = loadConfig(this.env(extraEnv));
    this.api = await startApi(this.config, this.logger('zun-api-test'));
  }

  /** Starts the real zun-compute daemon (dist build) for this stack's host. */
  async startAgent(extraEnv: Record<string, string> = {}): Promise<void> {
    const a = await this.launchAgent(this.host, extraEnv);
    this.agent = a.child;
    this.agentUrl = a.url;
    this.agentLog = '';
    a.child.stdout?.on('data', (d: Buffer) => (this.agentLog += d.toString()));
    a.child.stderr?.on('data', (d: Buffer) => (this.agentLog += d.toString()));
  }

  /**
   * Another zun-compute for `host` (its engine chosen with ZUN_DOCKER_SOCKET_PATH in `extraEnv`),
   * on this stack's database and service credential; stop() stops it too.
   */
  async launchAgent(host: string, extraEnv: Record<string, string> = {}): Promise<AgentHandle> {
    const child = spawn(process.execPath, [path.join(repo, 'packages/compute/dist/main.js')], {
      env: this.env({ ZUN_LOG_LEVEL: 'info', ZUN_DEFAULT_HOST: host, ...extraEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const handle: AgentHandle = {
      host,
      url: '',
      child,
      output: () => log,
      stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        await exited;
      },
    };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const m =
        /"endpoint":"(http:\/\/[^"]+)"[^\n]*zun-compute started|zun-compute started[^\n]*"endpoint":"(http:\/\/[^"]+)"/.exec(
          log,
        );
      if (m) {
        handle.url = m[1] ?? m[2];
        if (host !== this.host) this.extraAgents.push(handle);
        return handle;
      }
      if (child.exitCode !== null) throw new Error(`zun-compute exited: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await handle.stop('SIGKILL');
    throw new Error(`zun-compute did not start: ${log}`);
  }

  /**
   * Another zun-api as a real process (dist build) on this stack's database: for what must hold
   * across API processes (locks, quotas). Stopped by the caller.
   */
  async launchApi(
    extraEnv: Record<string, string> = {},
  ): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
    const child = spawn(process.execPath, [path.join(repo, 'packages/api/dist/main.js')], {
      env: this.env({ ZUN_LOG_LEVEL: 'info', ...extraEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const stop = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const m =
        /zun-api listening[^\n]*"url":"(http:\/\/[^"]+)"|"url":"(http:\/\/[^"]+)"[^\n]*zun-api listening/.exec(
          log,
        );
      if (m) return { url: m[1] ?? m[2], pid: child.pid ?? 0, stop };
      if (child.exitCode !== null) throw new Error(`zun-api exited: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    throw new Error(`zun-api did not start: ${log}`);
  }

  async stopAgent(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.agent;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    this.agent = null;
  }

  /** The zun-compute process started by startAgent(). */
  get agentPid(): number | undefined {
    return this.agent?.pid;
  }

  get agentOutput(): string {
    return this.agentLog;
  }

  async token(user: 'admin' | 'demo'): Promise<string> {
    const cached = this.tokens.get(user);
    if (cached) return cached;
    const token = await issueToken(
      this.api.url,
      user,
      user === 'admin' ? this.adminPassword : this.demoPassword,
    );
    this.tokens.set(user, token);
    return token;
  }

  async call<T = unknown>(
    method: string,
    urlPath: string,
    opts: {
      user?: 'admin' | 'demo';
      body?: unknown;
      version?: string;
      token?: string | null;
      /** Another API on the same database (several API processes). */
      baseUrl?: string;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {
      'OpenStack-API-Version': `container ${opts.version ?? '1.40'}`,
    };
    const token = opts.token === undefined ? await this.token(opts.user ?? 'demo') : opts.token;
    if (token) headers['X-Auth-Token'] = token;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${opts.baseUrl ?? this.api.url}${urlPath}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Polls a container until `until` holds (or the timeout passes) and returns its last view. */
  async waitFor(
    uuid: string,
    until: (c: Record<string, unknown>) => boolean,
    timeoutMs = 30_000,
    user: 'admin' | 'demo' = 'admin',
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      const r = await this.call<Record<string, unknown>>('GET', `/v1/containers/${uuid}`, { user });
      last = r.body;
      if (r.status === 200 && until(last)) return last;
      if (r.status === 404 && until({ gone: true })) return { gone: true };
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`timed out waiting for container ${uuid}; last: ${JSON.stringify(last)}`);
  }

  /** `run` of a busybox that sleeps (as the demo user), waited for until Running; its uuid. */
  async runSleeper(user: 'admin' | 'demo' = 'demo'): Promise<string> {
    const r = await this.call<Record<string, unknown>>('POST', '/v1/containers?run=true', {
      user,
      body: { image: BUSYBOX, command: ['sleep', '600'] },
    });
    if (r.status !== 202) throw new Error(`run answered ${r.status}: ${JSON.stringify(r.body)}`);
    const uuid = String(r.body.uuid);
    await this.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    // Running is written before the engine's details (addresses, hostname); a test that counts
    // row writes, notifications or cache hits must start after that last write, at the task's end.
    await this.waitForTasksDone(uuid);
    return uuid;
  }

  /** Waits until every agent task of the container has ended (its last row write is behind it). */
  async waitForTasksDone(uuid: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [rows] = await this.db.sequelize.query(
        "SELECT count(*)::int AS open FROM compute_tasks WHERE container_uuid = :uuid AND state NOT IN ('done', 'failed')",
        { replacements: { uuid } },
      );
      if ((rows as { open: number }[])[0]?.open === 0) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for the tasks of ${uuid} to end`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** Docker containers this stack's host created (by our labels). */
  async engineContainers(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL_HOST}=${this.host}`] } });
  }

  /**
   * Starts zun-wsproxy in this process on a free port; call before startApi and hand
   * `{ ZUN_WEBSOCKET_PROXY_BASE_URL: proxy.url }` to it so attach/exec URLs point here.
   */
  async startWsProxy(extraEnv: Record<string, string> = {}): Promise<RunningProxy> {
    const config = loadConfig(this.env({ ZUN_WEBSOCKET_PROXY_WSPROXY_PORT: '0', ...extraEnv }));
    this.wsproxy = await startWsProxy(config, this.logger('zun-wsproxy-test'));
    return this.wsproxy;
  }

  /** In-process daemons log at the level the agents get, so access lines do not flood the output. */
  private logger(service: string): Logger {
    const logger = createLogger(service, { format: 'text' });
    logger.level = process.env.ZUN_TEST_LOG_LEVEL ?? 'warn';
    return logger;
  }

  async stop(): Promise<void> {
    await this.wsproxy?.stop();
    await this.stopAgent();
    for (const a of this.extraAgents) await a.stop();
    await this.api?.stop();
    // Reap anything a failed test left behind on the engine.
    for (const c of await this.engineContainers()) {
      await this.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await reapNetworksAndVolumes(this.docker, this.host);
    await rm(this.statePath, { recursive: true, force: true });
  }
}
