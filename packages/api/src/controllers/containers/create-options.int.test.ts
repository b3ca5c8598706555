import { networkInterfaces } from 'node:os';
import { QueryTypes } from 'sequelize';
import { LABEL_UUID } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type ErrorBody = { errors: { status: number; title: string; detail: string }[] };

/** Create options (ports, policies, healthcheck, privileged, runtime...) as seen in Docker. */
describe('container create options (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const count = async (sql: string): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT }))[0].n);
  const inspectOf = async (uuid: string) => {
    const [c] = (await stack.engineContainers()).filter((d) => d.Labels[LABEL_UUID] === uuid);
    if (!c) throw new Error(`no engine container for ${uuid}`);
    return stack.docker.getContainer(c.Id).inspect();
  };
  /** A refused create leaves no row, no task, no claim and no engine container. */
  const snapshot = async () => ({
    rows: await count('SELECT COUNT(*) AS n FROM containers'),
    tasks: await count('SELECT COUNT(*) AS n FROM compute_tasks'),
    claims: await count('SELECT COUNT(*) AS n FROM resource_claims'),
    engine: (await stack.engineContainers()).length,
  });
  const expectNothingLeft = async (before: Awaited<ReturnType<typeof snapshot>>) => {
    expect(await snapshot()).toEqual(before);
  };
  const run = async (body: View, user: 'admin' | 'demo' = 'demo'): Promise<string> => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, ...body },
      user,
    });
    expect(r.status).toBe(202);
    return String(r.body.uuid);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('publishes exposed ports on a host port the engine picks, reachable over TCP', async () => {
    const uuid = await run({
      command: ['mkdir -p /www && echo hello-port > /www/index.html && exec httpd -f -p 80 -h /www'],
      entrypoint: ['sh', '-c'],
      hostname: 'web-host',
      labels: { tier: 'front' },
      exposed_ports: { '80': {} },
    });
    // Running is written as soon as the engine starts it; addresses follow from its inspect.
    const view = await stack.waitFor(
      uuid,
      (c) => c.status === 'Running' && Object.keys(c.addresses as object).length > 0,
    );
    expect(view.ports).toEqual([80]);
    expect(view.hostname).toBe('web-host');
    expect(view.entrypoint).toEqual(['sh', '-c']);
    expect(view.labels).toEqual({ tier: 'front' });

    const info = await inspectOf(uuid);
    expect(info.Config.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(info.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(info.Config.Hostname).toBe('web-host');
    expect(info.Config.Entrypoint).toEqual(['sh', '-c']);
    expect(info.Config.Labels).toMatchObject({ tier: 'front' });
    const hostPort = info.NetworkSettings.Ports['80/tcp']?.[0]?.HostPort;
    expect(Number(hostPort)).toBeGreaterThan(0);

    let body = '';
    const deadline = Date.now() + 10_000;
    while (!body && Date.now() < deadline) {
      body = await fetch(`http://127.0.0.1:${hostPort}/`)
        .then((r) => r.text())
        .catch(() => '');
      if (!body) await new Promise((r) => setTimeout(r, 200));
    }
    expect(body).toBe('hello-port\n');
    // Published on the configured address only: not on the host's other addresses.
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (outside) {
      const reached = await fetch(`http://${outside.address}:${hostPort}/`, {
        signal: AbortSignal.timeout(2_000),
      })
        .then(() => true)
        .catch(() => false);
      expect(`${outside.address}:${hostPort} reached: ${reached}`).toBe(
        `${outside.address}:${hostPort} reached: false`,
      );
    }
    // Every container we create has a process limit and a rotated log.
    expect(info.HostConfig.PidsLimit).toBe(1024);
    expect(info.HostConfig.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '20m', 'max-file': '5' },
    });
  });

  it('a fork bomb stops at the pids limit', async () => {
    const r = await stack.call<{ uuid: string }>('POST', '/v1/containers?run=true', {
      body: {
        image: BUSYBOX,
        memory: 256,
        // The inner shell forks 2,000 sleeps and dies at the first refused fork; the outer one
        // then becomes a sleep without forking, so the container keeps running to be counted.
        command: [
          'sh',
          '-c',
          'sh -c "for i in \\$(seq 2000); do sleep 300 & done" 2>/dev/null; exec sleep 300',
        ],
      },
    });
    expect(r.status).toBe(202);
    await stack.waitFor(r.body.uuid, (c) => c.status === 'Running');
    const container = stack.docker.getContainer(`zun-${r.body.uuid}`);
    const count = async () => ((await container.top()) as { Processes: string[][] }).Processes.length;
    let pids = 0;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && pids < 1000;)
      pids = await new Promise((res) => setTimeout(res, 500)).then(count);
    await new Promise((res) => setTimeout(res, 1_000));
    pids = await count();
    // All the limit allows (1024 pids, ps itself excluded), far from the 2,001 asked for.
    expect(pids).toBeGreaterThanOrEqual(1000);
    expect(pids).toBeLessThanOrEqual(1024);
    await stack.call('DELETE', `/v1/containers/${r.body.uuid}?force=True`);
  });

  it('refuses malformed exposed ports with a 400 and leaves nothing behind', async () => {
    const before = await snapshot();
    const r = await stack.call<ErrorBody>('POST', '/v1/containers', {
      body: { image: BUSYBOX, exposed_ports: { '80/sctp': {} } },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].detail).toContain('80/sctp');
    await expectNothingLeft(before);
  });

  it('has the engine restart an on-failure container N times, and shows it Stopped afterwards', async () => {
    const uuid = await run({
      command: ['sh', '-c', 'exit 3'],
      restart_policy: { Name: 'on-failure', MaximumRetryCount: '2' },
    });
    const view = await stack.waitFor(
      uuid,
      (c) => c.status === 'Stopped' && String(c.status_detail).startsWith('Exited(3)'),
      30_000,
    );
    expect(view.restart_policy).toEqual({ Name: 'on-failure', MaximumRetryCount: '2' });
    const info = await inspectOf(uuid);
    expect(info.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(info.RestartCount).toBe(2);
  });

  it('keeps an always-restarting container truthful: it is restarted by the engine, never shown Stopped', async () => {
    const uuid = await run({ command: ['sh', '-c', 'sleep 1; exit 1'], restart_policy: { Name: 'always' } });
    await stack.waitFor(uuid, (c) => c.status === 'Running');
    const deadline = Date.now() + 20_000;
    let restarts = 0;
    const seen = new Set<string>();
    // The engine backs off longer between each restart, so the row is seen Restarting too.
    while ((restarts < 3 || !seen.has('Restarting')) && Date.now() < deadline) {
      restarts = (await inspectOf(uuid)).RestartCount;
      const v = (await stack.call<View>('GET', `/v1/containers/${uuid}`)).body;
      seen.add(String(v.status));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect([...seen].sort()).toEqual(['Restarting', 'Running']);
    expect((await inspectOf(uuid)).HostConfig.RestartPolicy).toEqual({
      Name: 'always',
      MaximumRetryCount: 0,
    });
  });

  it('runs the healthcheck and shows healthy or unhealthy in the status detail', async () => {
    const healthcheck = { cmd: 'test -f /tmp/ok', interval: 1, retries: 1, timeout: 1 };
    const good = await run({ command: ['sh', '-c', 'touch /tmp/ok; exec sleep 300'], healthcheck });
    const bad = await run({ command: ['sleep', '300'], healthcheck });
    const g = await stack.waitFor(good, (c) => String(c.status_detail).endsWith('(healthy)'), 20_000);
    const b = await stack.waitFor(bad, (c) => String(c.status_detail).endsWith('(unhealthy)'), 20_000);
    expect(g.status).toBe('Running');
    expect(b.status).toBe('Running');
    expect(g.healthcheck).toEqual({ test: 'test -f /tmp/ok', interval: 1, retries: 1, timeout: 1 });
    const info = await inspectOf(good);
    expect(info.Config.Healthcheck).toEqual({
      Test: ['CMD-SHELL', 'test -f /tmp/ok'],
      Interval: 1e9,
      Timeout: 1e9,
      Retries: 1,
    });
    expect(info.State.Health?.Status).toBe('healthy');
    expect((await inspectOf(bad)).State.Health?.Status).toBe('unhealthy');
  });

  it('refuses privileged to a member (403, nothing behind) and gives it to an admin', async () => {
    const before = await snapshot();
    const r = await stack.call<ErrorBody>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '300'], privileged: true },
    });
    expect(r.status).toBe(403);
    expect(r.body.errors[0].detail).toContain('container:create:privileged');
    await expectNothingLeft(before);

    // Created only: this machine's engine runs in a user namespace that cannot grant all
    // capabilities, so starting any privileged container fails in runc (not our doing).
    const c = await stack.call<View>('POST', '/v1/containers', {
      body: { image: BUSYBOX, command: ['sleep', '300'], privileged: true },
      user: 'admin',
    });
    expect(c.status).toBe(202);
    const view = await stack.waitFor(String(c.body.uuid), (v) => v.status === 'Created');
    expect(view.privileged).toBe(true);
    expect((await inspectOf(String(c.body.uuid))).HostConfig.Privileged).toBe(true);
    const demoView = await stack.call<View>('GET', `/v1/containers/${String(c.body.uuid)}`);
    expect(demoView.status).toBe(404); // another project's container
  });

  it('uses a runtime the engine reports, and refuses an unknown one (400) or a member (403)', async () => {
    const uuid = await run({ command: ['sleep', '300'], runtime: 'runc' }, 'admin');
    const view = await stack.waitFor(uuid, (c) => c.status === 'Running');
    expect(view.runtime).toBe('runc');
    expect((await inspectOf(uuid)).HostConfig.Runtime).toBe('runc');

    const before = await snapshot();
    const unknown = await stack.call<ErrorBody>('POST', '/v1/containers', {
      body: { image: BUSYBOX, runtime: 'no-such-runtime' },
      user: 'admin',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].detail).toContain('no-such-runtime');
    expect(unknown.body.errors[0].detail).toContain('runc');
    const member = await stack.call('POST', '/v1/containers', { body: { image: BUSYBOX, runtime: 'runc' } });
    expect(member.status).toBe(403);
    await expectNothingLeft(before);
  });

  it('refuses a disk size where no host can enforce it, and a registry that does not exist', async () => {
    // overlay2 without xfs project quotas: the host reports no quota support.
    expect(await count(`SELECT COUNT(*) AS n FROM compute_nodes WHERE disk_quota_supported`)).toBe(0);
    const before = await snapshot();
    const disk = await stack.call<ErrorBody>('POST', '/v1/containers', { body: { image: BUSYBOX, disk: 1 } });
    expect(disk.status).toBe(400);
    expect(disk.body.errors[0].detail).toContain('disk quota');
    const registry = await stack.call<ErrorBody>('POST', '/v1/containers', {
      body: { image: BUSYBOX, registry: 'myregistry' },
    });
    expect(registry.status).toBe(404);
    expect(registry.body.errors[0].code).toBe('container.registry-not-found');
    await expectNothingLeft(before);
  });

  it('auto_remove: the engine removes the exited container and the row goes', async () => {
    const uuid = await run({ command: ['sh', '-c', 'sleep 1'], auto_remove: true });
    await stack.waitFor(uuid, (c) => c.status === 'Running' || c.gone === true);
    await stack.waitFor(uuid, (c) => c.gone === true, 20_000);
    expect((await stack.engineContainers()).filter((d) => d.Labels[LABEL_UUID] === uuid)).toHaveLength(0);
    expect(await count(`SELECT COUNT(*) AS n FROM resource_claims WHERE container_uuid = '${uuid}'`)).toBe(0);
  });

  it('auto_heal: a container removed behind the service is recreated and running again', async () => {
    const uuid = await run({ command: ['sleep', '300'], auto_heal: true, exposed_ports: { '8080/tcp': {} } });
    await stack.waitFor(uuid, (c) => c.status === 'Running');
    const first = await inspectOf(uuid);
    await stack.docker.getContainer(first.Id).remove({ force: true });

    const deadline = Date.now() + 20_000;
    let healed: Awaited<ReturnType<typeof inspectOf>> | null = null;
    while (!healed && Date.now() < deadline) {
      healed = await inspectOf(uuid).catch(() => null);
      if (!healed || !healed.State.Running) healed = null;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(healed).not.toBeNull();
    expect(healed!.Id).not.toBe(first.Id);
    expect(healed!.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    const view = await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    expect(view.status_reason).toBeNull();
    expect(await count(`SELECT COUNT(*) AS n FROM resource_claims WHERE container_uuid = '${uuid}'`)).toBe(1);
  });
});
