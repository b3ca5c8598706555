import { AioStack, BUSYBOX } from '../../../test/support/aio-stack';

/**
 * `zun run` / `zun create` options (ports, restart, healthcheck, privileged, runtime, hostname,
 * entrypoint, labels, auto-remove, auto-heal, disk) as the unmodified CLI sends them, against the
 * all-in-one stack, with the effect checked in Docker.
 */
describe('zun run with create options through the real CLI', () => {
  const stack = new AioStack({
    ports: {
      api: process.env.ZUN_E2E_API_PORT,
      agent: process.env.ZUN_E2E_AGENT_PORT,
      pg: process.env.ZUN_E2E_PG_PORT,
    },
  });
  const zun = (...args: (string | { demo: boolean })[]) => stack.zun(...args);
  const ok = async (...args: (string | { demo: boolean })[]) => {
    const r = await zun(...args);
    if (r.code !== 0) throw new Error(`zun ${args.join(' ')} failed: ${r.err}${r.out}`);
    return r;
  };
  /** A refused request leaves neither a row (admin sees all projects) nor a Docker container. */
  const snapshot = async () => ({
    rows: [...(await ok('list', '--all-projects')).out.matchAll(/^\|\s*([0-9a-f-]{36})\s*\|/gm)].map(
      (m) => m[1],
    ),
    engine: (await stack.ours()).length,
  });
  const nothingNew = async (before: Awaited<ReturnType<typeof snapshot>>) => {
    expect(await snapshot()).toEqual(before);
  };

  beforeAll(async () => {
    await stack.start();
  }, 200_000);
  afterAll(async () => {
    await stack.destroy();
  });

  it('publishes --expose-port on a host port, with hostname, entrypoint, labels and --restart', async () => {
    await ok(
      'run',
      '--name',
      'web',
      '--expose-port',
      '80/tcp',
      '--hostname',
      'web-host',
      '--entrypoint',
      'sh -c',
      '--label',
      'tier=front',
      '--restart',
      'always',
      BUSYBOX,
      'mkdir -p /www && echo hello-cli > /www/index.html && exec httpd -f -p 80 -h /www',
    );
    const view = await stack.waitStatus('web', 'Running');
    expect(view.ports).toEqual([80]);
    expect(view.hostname).toBe('web-host');
    expect(view.entrypoint).toEqual(['sh', '-c']);
    expect(view.labels).toEqual({ tier: 'front' });
    expect(view.restart_policy).toEqual({ Name: 'always', MaximumRetryCount: '0' });

    const info = await stack.engine('web');
    expect(info.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(info.HostConfig.RestartPolicy).toEqual({ Name: 'always', MaximumRetryCount: 0 });
    expect(info.Config.Hostname).toBe('web-host');
    expect(info.Config.Entrypoint).toEqual(['sh', '-c']);
    expect(info.Config.Labels).toMatchObject({ tier: 'front' });
    const hostPort = info.NetworkSettings.Ports['80/tcp']?.[0]?.HostPort;
    let body = '';
    const deadline = Date.now() + 10_000;
    while (!body && Date.now() < deadline) {
      body = await fetch(`http://127.0.0.1:${hostPort}/`)
        .then((r) => r.text())
        .catch(() => '');
      if (!body) await new Promise((r) => setTimeout(r, 200));
    }
    expect(body).toBe('hello-cli\n');
  });

  it('--restart on-failure:2: the engine retries twice, then the container shows Stopped', async () => {
    await ok('run', '--name', 'flaky', '--restart', 'on-failure:2', BUSYBOX, 'sh', '-c', 'exit 3');
    const deadline = Date.now() + 30_000;
    let info = await stack.engine('flaky');
    while ((info.RestartCount < 2 || info.State.Running || info.State.Restarting) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      info = await stack.engine('flaky');
    }
    expect(info.RestartCount).toBe(2);
    expect(info.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    const view = await stack.waitStatus('flaky', 'Stopped');
    expect(String(view.status_detail)).toMatch(/^Exited\(3\)/);
  });

  it('--healthcheck: health shows in the status detail', async () => {
    await ok(
      'run',
      '--name',
      'checked',
      '--healthcheck',
      'cmd=test -f /tmp/ok,interval=1s,retries=1,timeout=1s',
      BUSYBOX,
      'sh',
      '-c',
      'touch /tmp/ok; exec sleep 300',
    );
    const deadline = Date.now() + 20_000;
    let view = await stack.show('checked');
    while (!String(view.status_detail).endsWith('(healthy)') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      view = await stack.show('checked');
    }
    expect(view.status_detail).toMatch(/^Up .*\(healthy\)$/);
    expect(view.healthcheck).toEqual({ test: 'test -f /tmp/ok', interval: 1, retries: 1, timeout: 1 });
    const info = await stack.engine('checked');
    expect(info.Config.Healthcheck).toEqual({
      Test: ['CMD-SHELL', 'test -f /tmp/ok'],
      Interval: 1e9,
      Timeout: 1e9,
      Retries: 1,
    });
    expect(info.State.Health?.Status).toBe('healthy');
  });

  it('--privileged: refused to a member, nothing left; an admin gets it', async () => {
    const before = await snapshot();
    expect(before.rows.length).toBeGreaterThan(0); // the list really is parsed
    const r = await zun('run', '--privileged', BUSYBOX, 'sleep', '300', { demo: true });
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('container:create:privileged');
    await nothingNew(before);

    // create only: this machine's engine cannot start privileged containers at all (runc lacks
    // the capabilities in its user namespace), which is not ours to test.
    await ok('create', '--name', 'priv', '--privileged', BUSYBOX, 'sleep', '300');
    const view = await stack.waitStatus('priv', 'Created');
    expect(view.privileged).toBe(true);
    expect((await stack.engine('priv')).HostConfig.Privileged).toBe(true);
  });

  it('--runtime: one the engine reports works; an unknown one is a 400 with nothing left', async () => {
    await ok('run', '--name', 'rt', '--runtime', 'runc', BUSYBOX, 'sleep', '300');
    const view = await stack.waitStatus('rt', 'Running');
    expect(view.runtime).toBe('runc');
    expect((await stack.engine('rt')).HostConfig.Runtime).toBe('runc');

    const before = await snapshot();
    const r = await zun('run', '--runtime', 'no-such-runtime', BUSYBOX, 'sleep', '300');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('no-such-runtime');
    expect(r.err).toContain('(HTTP 400)');
    const d = await zun('run', '--disk', '1', BUSYBOX, 'sleep', '300');
    expect(d.code).not.toBe(0);
    expect(d.err).toContain('disk quota');
    await nothingNew(before);
  });

  it('--auto-remove: the container and its row go when it exits', async () => {
    await ok('run', '--name', 'gone', '--auto-remove', BUSYBOX, 'sh', '-c', 'sleep 1');
    await stack.waitGone('gone', 20_000);
    expect((await stack.ours()).filter((c) => c.Names.some((n) => n.includes('gone')))).toHaveLength(0);
  });

  it('--auto-heal: a container removed behind the service comes back running', async () => {
    await ok('run', '--name', 'phoenix', '--auto-heal', BUSYBOX, 'sleep', '300');
    await stack.waitStatus('phoenix', 'Running');
    const first = await stack.engine('phoenix');
    await stack.docker.getContainer(first.Id).remove({ force: true });
    const deadline = Date.now() + 20_000;
    let healed: Awaited<ReturnType<typeof stack.engine>> | null = null;
    while (Date.now() < deadline) {
      healed = await stack.engine('phoenix').catch(() => null);
      if (healed && healed.Id !== first.Id && healed.State.Running) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(healed?.Id).not.toBe(first.Id);
    expect(healed?.State.Running).toBe(true);
    const view = await stack.waitStatus('phoenix', 'Running');
    expect(view.status_reason).toBeNull();
  });
});
