import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..', '..');
const registry = `127.0.0.1:${process.env.ZUN_REGISTRY_PORT ?? 5000}`;
const BUSYBOX = `${registry}/busybox`;
const HOST = 'e2e-host';
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

/**
 * The product as a user gets it: `npm start`'s script on its own state directory and ports,
 * driven by the real, unmodified `zun` CLI (Debian python3-zunclient) with the generated zunrc.
 */
describe('all-in-one stack driven by the real zun CLI', () => {
  const state = mkdtempSync(path.join(tmpdir(), 'zun-e2e-'));
  // Settable so that several checkouts can run their e2e tests side by side on one machine.
  const ports = {
    api: process.env.ZUN_E2E_API_PORT ?? '19517',
    agent: process.env.ZUN_E2E_AGENT_PORT ?? '19518',
    pg: process.env.ZUN_E2E_PG_PORT ?? '55434',
  };
  let stack: ChildProcess | null = null;
  let env: NodeJS.ProcessEnv = {};

  async function startStack(): Promise<void> {
    const child = spawn('bash', [path.join(repo, 'scripts/start.sh')], {
      cwd: repo,
      detached: true, // its own process group, so the test can press "Ctrl-C" (SIGINT to the group)
      env: {
        ...process.env,
        ZUN_STATE: state,
        ZUN_API_PORT: ports.api,
        ZUN_COMPUTE_LISTEN_PORT: ports.agent,
        ZUN_PG_PORT: ports.pg,
        ZUN_DEFAULT_HOST: HOST,
        ZUN_COMPUTE_SYNC_CONTAINER_STATE_INTERVAL: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack = child;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('ZUN_READY')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => reject(new Error(`npm start exited early (${code}):\n${out}`)));
      setTimeout(() => reject(new Error(`npm start not ready in time:\n${out}`)), 180_000);
    });
    const rc = readFileSync(path.join(state, 'zunrc'), 'utf8');
    env = { PATH: process.env.PATH, HOME: process.env.HOME };
    for (const m of rc.matchAll(/^export (\w+)='?([^'\n]*)'?$/gm)) env[m[1]] = m[2];
  }

  async function stopStack(): Promise<void> {
    const child = stack;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGINT');
    await exited;
    stack = null;
  }

  async function zun(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    try {
      const { stdout, stderr } = await run('/usr/bin/zun', args, { env, timeout: 60_000 });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout, err: x.stderr };
    }
  }

  async function show(name: string): Promise<Record<string, unknown>> {
    const r = await zun('show', name, '-f', 'json');
    if (r.code !== 0) throw new Error(`zun show ${name} failed: ${r.err}${r.out}`);
    return JSON.parse(r.out) as Record<string, unknown>;
  }

  async function waitStatus(
    name: string,
    status: string,
    timeoutMs = 30_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      last = await show(name);
      if (last.status === status) return last;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`${name} never reached ${status}: ${JSON.stringify(last)}`);
  }

  const engine = async (name: string) => {
    const uuid = String((await show(name)).uuid);
    return docker.getContainer(`zun-${uuid}`).inspect();
  };
  const ours = () =>
    docker.listContainers({ all: true, filters: { label: [`org.openstack.zun.host=${HOST}`] } });

  beforeAll(async () => {
    for (const c of await ours()) await docker.getContainer(c.Id).remove({ force: true });
    await startStack();
  }, 200_000);

  afterAll(async () => {
    await stopStack();
    for (const c of await ours()) await docker.getContainer(c.Id).remove({ force: true });
    rmSync(state, { recursive: true, force: true });
  });

  it('lists the compute service as up and the host with its resources', async () => {
    const services = await zun('service-list');
    expect(services.code).toBe(0);
    expect(services.out).toMatch(
      new RegExp(`\\|\\s*\\d+\\s*\\|\\s*${HOST}\\s*\\|\\s*zun-compute\\s*\\|\\s*up\\s*\\|`),
    );
    const hosts = await zun('host-list');
    expect(hosts.out).toContain(HOST);
    const h = await zun('host-show', HOST);
    expect(h.out).toMatch(/cpus\s*\|\s*\d+/);
  });

  it('zun run prints the container and its logs show the output', async () => {
    const r = await zun('run', '--name', 'e2e-run', BUSYBOX, 'echo', 'hello from zun run');
    expect(r.code).toBe(0);
    expect(r.out).toContain('e2e-run');
    await waitStatus('e2e-run', 'Stopped');
    const logs = await zun('logs', 'e2e-run');
    expect(logs.out).toContain('hello from zun run');
  });

  it('create -> start -> stop -> delete, checked in Docker at each step', async () => {
    expect(
      (await zun('create', '--name', 'e2e-life', '--memory', '128', '--cpu', '0.5', BUSYBOX, 'sleep', '300'))
        .code,
    ).toBe(0);
    await waitStatus('e2e-life', 'Created');
    const created = await engine('e2e-life');
    expect(created.State.Status).toBe('created');
    expect(created.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect((await zun('start', 'e2e-life')).code).toBe(0);
    await waitStatus('e2e-life', 'Running');
    expect((await engine('e2e-life')).State.Running).toBe(true);
    const list = await zun('list');
    expect(list.out).toMatch(/e2e-life\s*\|[^\n]*Running/);
    expect((await zun('stop', 'e2e-life')).code).toBe(0);
    await waitStatus('e2e-life', 'Stopped');
    expect((await engine('e2e-life')).State.Running).toBe(false);
    const uuid = String((await show('e2e-life')).uuid);
    expect((await zun('delete', 'e2e-life')).code).toBe(0);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = (await zun('show', 'e2e-life')).code !== 0;
      if (!gone) await new Promise((r) => setTimeout(r, 200));
    }
    expect(gone).toBe(true);
    await expect(docker.getContainer(`zun-${uuid}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('answers bad input with clear errors', async () => {
    const cpu = await zun('create', '--cpu', '-1', BUSYBOX);
    expect(cpu.code).not.toBe(0);
    expect(cpu.err).toMatch(/cpu.*\(HTTP 400\)/);
    const mem = await zun('create', '--memory', 'abc', BUSYBOX);
    expect(mem.code).not.toBe(0);
    expect(mem.err).toMatch(/memory.*\(HTTP 400\)/);
    const unknown = await zun('show', 'no-such-container');
    expect(unknown.err).toMatch(/Container no-such-container could not be found\. \(HTTP 404\)/);
    const stopped = await zun('stop', 'e2e-run');
    expect(stopped.out + stopped.err).toMatch(/Stopped state.*\(HTTP 409\)/);

    expect((await zun('run', '--name', 'e2e-missing', `${registry}/does-not-exist:1`)).code).toBe(0);
    const failed = await waitStatus('e2e-missing', 'Error');
    expect(String(failed.status_reason)).toMatch(/not found|manifest unknown/);
    expect((await zun('delete', 'e2e-missing')).code).toBe(0);
  });

  it('keeps data across a restart: containers are listed again in the right state', async () => {
    expect((await zun('run', '--name', 'e2e-keep', BUSYBOX, 'sleep', '300')).code).toBe(0);
    await waitStatus('e2e-keep', 'Running');
    await stopStack();
    await startStack();
    const keep = await waitStatus('e2e-keep', 'Running');
    expect(keep.name).toBe('e2e-keep');
    expect((await show('e2e-run')).status).toBe('Stopped');
    expect((await zun('delete', '--stop', 'e2e-keep')).code).toBe(0);
    expect((await zun('delete', 'e2e-run')).code).toBe(0);
    for (let i = 0; i < 100 && (await ours()).length; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await ours()).toEqual([]);
  }, 240_000);
});
