import { AioStack, BUSYBOX, REGISTRY as registry } from '../../../test/support/aio-stack';

/**
 * The product as a user gets it: `npm start`'s script on its own state directory and ports,
 * driven by the real, unmodified `zun` CLI (Debian python3-zunclient) with the generated zunrc.
 */
describe('all-in-one stack driven by the real zun CLI', () => {
  const stack = new AioStack({
    host: 'e2e-host',
    ports: {
      api: process.env.ZUN_E2E_API_PORT,
      agent: process.env.ZUN_E2E_AGENT_PORT,
      pg: process.env.ZUN_E2E_PG_PORT,
    },
  });
  const HOST = stack.host;
  const docker = stack.docker;
  const zun = (...args: string[]) => stack.zun(...args);
  const show = (name: string) => stack.show(name);
  const waitStatus = (name: string, status: string, timeoutMs?: number) =>
    stack.waitStatus(name, status, timeoutMs);
  const engine = (name: string) => stack.engine(name);
  const ours = () => stack.ours();

  beforeAll(async () => {
    await stack.removeContainers();
    await stack.start();
  }, 200_000);

  afterAll(() => stack.destroy());

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

  it('zun run busybox works out of the box: npm start sets [docker] default_registry', async () => {
    const r = await zun('run', '--name', 'e2e-short', 'busybox', 'echo', 'hi');
    expect(r.code).toBe(0);
    await waitStatus('e2e-short', 'Stopped');
    expect((await zun('logs', 'e2e-short')).out).toMatch(/^hi$/m);
    // Shown as typed; Docker got the local registry's reference.
    expect((await show('e2e-short')).image).toBe('busybox');
    expect((await engine('e2e-short')).Config.Image).toBe(`${registry}/busybox:latest`);
    expect((await zun('delete', 'e2e-short')).code).toBe(0);
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
    await stack.stop();
    await stack.start();
    const keep = await waitStatus('e2e-keep', 'Running');
    expect(keep.name).toBe('e2e-keep');
    expect((await show('e2e-run')).status).toBe('Stopped');
    expect((await zun('delete', '--stop', 'e2e-keep')).code).toBe(0);
    expect((await zun('delete', 'e2e-run')).code).toBe(0);
    for (let i = 0; i < 100 && (await ours()).length; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await ours()).toEqual([]);
  }, 240_000);
});
