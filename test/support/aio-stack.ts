import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { passwordToken } from './password-token';
import { reapNetworksAndVolumes } from './reap';
import { runCli, type CliResult } from './cli';

const repo = path.resolve(__dirname, '..', '..');
export const REGISTRY = `127.0.0.1:${process.env.ZUN_REGISTRY_PORT ?? 5000}`;
export const BUSYBOX = `${REGISTRY}/busybox`;

export type { CliResult } from './cli';

/** A port nobody listens on right now (the OS picks it), for a stack of our own. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface AioStackOptions {
  /** Host name of the stack's compute agent; unique by default so files never see each other. */
  host?: string;
  /** Extra environment for scripts/start.sh (ZUN_<SECTION>_<OPTION> settings). */
  env?: Record<string, string>;
  /** Fixed ports (e.g. from ZUN_E2E_* variables); free ports are picked otherwise. */
  ports?: Partial<Record<'api' | 'agent' | 'pg' | 'wsproxy' | 'console', string>>;
}

/**
 * The product as a user gets it: `npm start`'s script on its own state directory and ports,
 * driven by the real, unmodified `zun` CLI (Debian python3-zunclient) with the generated zunrc.
 * Every e2e file starts its own, so they can run in parallel.
 */
export class AioStack {
  readonly host: string;
  readonly state = mkdtempSync(path.join(tmpdir(), 'zun-e2e-'));
  readonly docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  ports: Record<'api' | 'agent' | 'pg' | 'wsproxy' | 'console', string> = {
    api: '',
    agent: '',
    pg: '',
    wsproxy: '',
    console: '',
  };
  /** Environment for the CLI: what the generated zunrc exports (admin). */
  env: NodeJS.ProcessEnv = {};
  /** Same, for the demo user (a member of another project). */
  demoEnv: NodeJS.ProcessEnv = {};
  private child: ChildProcess | null = null;
  output = '';

  constructor(private readonly opts: AioStackOptions = {}) {
    this.host = opts.host ?? `e2e-${randomBytes(3).toString('hex')}`;
  }

  async start(): Promise<void> {
    for (const k of ['api', 'agent', 'pg', 'wsproxy', 'console'] as const) {
      if (!this.ports[k]) this.ports[k] = this.opts.ports?.[k] ?? String(await freePort());
    }
    const child = spawn('bash', [path.join(repo, 'scripts/start.sh')], {
      cwd: repo,
      detached: true, // its own process group, so stop() can press "Ctrl-C" (SIGINT to the group)
      env: {
        ...process.env,
        ZUN_STATE: this.state,
        ZUN_API_PORT: this.ports.api,
        ZUN_COMPUTE_LISTEN_PORT: this.ports.agent,
        ZUN_PG_PORT: this.ports.pg,
        ZUN_WSPROXY_PORT: this.ports.wsproxy,
        ZUN_CONSOLE_PORT: this.ports.console,
        ZUN_DEFAULT_HOST: this.host,
        ZUN_COMPUTE_SYNC_CONTAINER_STATE_INTERVAL: '2',
        // Networks go as soon as they are unused, as the tests that check removal expect.
        ZUN_COMPUTE_NETWORK_IDLE_TIMEOUT: '0',
        ...this.opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`npm start not ready in time:\n${this.output}`)),
        180_000,
      );
      child.stdout?.on('data', (d: Buffer) => {
        this.output += d.toString();
        if (this.output.includes('ZUN_READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited early (${code}):\n${this.output}`));
      });
    });
    this.env = this.rcEnv('zunrc');
    this.demoEnv = this.rcEnv('zunrc-demo');
  }

  /** PID of the `npm start` script (bash) while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private rcEnv(file: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    // With an external Keystone there is no zunrc: the test sets env and demoEnv itself.
    if (!existsSync(path.join(this.state, file))) return env;
    const rc = readFileSync(path.join(this.state, file), 'utf8');
    for (const m of rc.matchAll(/^export (\w+)='?([^'\n]*)'?$/gm)) env[m[1]] = m[2];
    return env;
  }

  /** Ctrl-C to the whole stack; resolves when it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGINT');
    await exited;
    this.child = null;
  }

  /** stop(), remove what the stack left in Docker, and its state directory. */
  async destroy(): Promise<void> {
    await this.stop();
    await this.removeContainers();
    await this.removeNetworksAndVolumes();
    // As root with a state folder the 'postgres' user cannot reach, the data lives elsewhere
    // (packages/aio/src/local-postgres.ts) behind a link.
    const pgLink = path.join(this.state, 'pg');
    if (existsSync(pgLink) && lstatSync(pgLink).isSymbolicLink()) {
      rmSync(readlinkSync(pgLink), { recursive: true, force: true });
    }
    rmSync(this.state, { recursive: true, force: true });
  }

  /** Runs the real CLI as admin (or as the demo user with {demo: true}); see cli.ts. */
  async zun(...args: (string | { demo: boolean })[]): Promise<CliResult> {
    const demo = args.some((a) => typeof a === 'object' && a.demo);
    const argv = args.filter((a): a is string => typeof a === 'string');
    return runCli('zun', argv, demo ? this.demoEnv : this.env);
  }

  async show(name: string, demo = false): Promise<Record<string, unknown>> {
    const r = await this.zun('show', name, '-f', 'json', { demo });
    if (r.code !== 0) throw new Error(`zun show ${name} failed: ${r.err}${r.out}`);
    return JSON.parse(r.out) as Record<string, unknown>;
  }

  /**
   * Waits for a status by polling the REST API (as the CLI's `zun show` would ask it), then
   * returns what the real CLI shows. Polling through the CLI itself cost about a second of CPU
   * per look (Python start-up), which added minutes to the suite.
   */
  async waitStatus(
    name: string,
    status: string,
    timeoutMs = 30_000,
    demo = false,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = null;
    while (Date.now() < deadline) {
      const r = await this.api(`/v1/containers/${encodeURIComponent(name)}`, demo);
      last = r.body;
      if (r.status === 200 && (r.body as { status?: unknown }).status === status) {
        const shown = await this.show(name, demo);
        if (shown.status === status) return shown;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`${name} never reached ${status}: ${JSON.stringify(last)}`);
  }

  /** Waits until `zun show NAME` would fail: the API answers 404 for it. */
  async waitGone(name: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.api(`/v1/containers/${encodeURIComponent(name)}`)).status === 404) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} still shown after ${timeoutMs} ms`);
  }

  private tokens = new Map<boolean, string>();

  /** A GET on zun-api as admin (or demo) with a token from the stack's identity, as the CLI gets one. */
  async api(urlPath: string, demo = false): Promise<{ status: number; body: unknown }> {
    let token = this.tokens.get(demo);
    if (!token) {
      const env = demo ? this.demoEnv : this.env;
      token = await passwordToken(env.OS_AUTH_URL, env.OS_USERNAME, env.OS_PASSWORD, env.OS_PROJECT_NAME);
      this.tokens.set(demo, token);
    }
    const res = await fetch(`http://127.0.0.1:${this.ports.api}${urlPath}`, {
      headers: { 'x-auth-token': token, 'openstack-api-version': 'container 1.40' },
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (an error page): kept as text for the failure message
    }
    return { status: res.status, body };
  }

  /** The Docker container behind a zun container, inspected. */
  async engine(name: string): Promise<Docker.ContainerInspectInfo> {
    const uuid = String((await this.show(name)).uuid);
    return this.docker.getContainer(`zun-${uuid}`).inspect();
  }

  /** Docker containers this stack's host created. */
  ours(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({
      all: true,
      filters: { label: [`org.openstack.zun.host=${this.host}`] },
    });
  }

  async removeContainers(): Promise<void> {
    for (const c of await this.ours()) await this.docker.getContainer(c.Id).remove({ force: true });
  }

  /** Project networks and volumes the stack's host created (named volumes outlive containers). */
  removeNetworksAndVolumes(): Promise<void> {
    return reapNetworksAndVolumes(this.docker, this.host);
  }
}
