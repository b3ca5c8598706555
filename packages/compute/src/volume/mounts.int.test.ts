import { existsSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;

/** Mounts on the real engine: project volumes that outlive containers, injected files, no host paths. */
describe('mounts (real engine)', () => {
  let db: TestDatabase;
  let stack: TestStack;

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

  /** Runs a one-shot container and returns its final view and logs. */
  const runToEnd = async (
    user: 'admin' | 'demo',
    name: string,
    script: string,
    mounts: View[],
  ): Promise<{ view: View; logs: string }> => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      user,
      body: { image: BUSYBOX, name, command: ['sh', '-c', script], mounts },
    });
    expect(r.status).toBe(202);
    const view = await stack.waitFor(
      String(r.body.uuid),
      (c) => c.status === 'Stopped' || c.status === 'Error',
      30_000,
      user,
    );
    expect(view.status_reason).toBeNull();
    const logs = await stack.call<string>('GET', `/v1/containers/${String(r.body.uuid)}/logs`, { user });
    return { view, logs: logs.body };
  };
  const remove = async (user: 'admin' | 'demo', view: View) => {
    expect((await stack.call('DELETE', `/v1/containers/${String(view.uuid)}`, { user })).status).toBe(204);
    await stack.waitFor(String(view.uuid), (c) => c.gone === true, 30_000, user);
  };
  const volumes = async (label: string) =>
    (await stack.docker.listVolumes({ filters: { label: [label] } })).Volumes ?? [];

  it('a named volume outlives its container and is reused by the project, not by others', async () => {
    const first = await runToEnd('demo', 'writer', 'echo persisted-data > /data/file', [
      { source: 'data', destination: '/data' },
    ]);
    const volName = `zun-${String(first.view.project_id)}-data`;
    const vol = await stack.docker.getVolume(volName).inspect();
    expect(vol.Labels).toMatchObject({
      'org.openstack.zun.project': first.view.project_id,
      'org.openstack.zun.volume': 'data',
    });
    const mounts = (await stack.docker.getContainer(`zun-${String(first.view.uuid)}`).inspect()).Mounts;
    expect(mounts).toEqual([
      expect.objectContaining({ Type: 'volume', Name: volName, Destination: '/data' }),
    ]);
    await remove('demo', first.view);
    expect((await stack.docker.getVolume(volName).inspect()).Name).toBe(volName);

    const second = await runToEnd('demo', 'reader', 'cat /data/file', [
      { source: 'data', destination: '/data' },
    ]);
    expect(second.logs).toContain('persisted-data');

    // Another project naming the same volume gets its own, empty one.
    const other = await runToEnd('admin', 'intruder', 'ls /data; cat /data/file || echo no-file', [
      { source: 'data', destination: '/data' },
    ]);
    expect(other.logs).not.toContain('persisted-data');
    expect(other.logs).toContain('no-file');
    await remove('demo', second.view);
    await remove('admin', other.view);
  });

  it('bind content is injected read-only and its file goes with the container', async () => {
    const content = Buffer.from('injected-secret\n').toString('base64');
    const r = await runToEnd(
      'demo',
      'bound',
      'cat /etc/app/conf.txt; echo x > /etc/app/conf.txt || echo read-only',
      [{ type: 'bind', source: content, destination: '/etc/app/conf.txt' }],
    );
    expect(r.logs).toContain('injected-secret');
    expect(r.logs).toContain('read-only');
    const dir = path.join(stack.statePath, 'injected', String(r.view.uuid));
    expect(existsSync(dir)).toBe(true);
    await remove('demo', r.view);
    expect(existsSync(dir)).toBe(false);
  });

  it('a sized volume lives as long as its container', async () => {
    const r = await runToEnd('demo', 'sized', 'echo x > /scratch/f && echo wrote', [
      { size: 1, destination: '/scratch' },
    ]);
    expect(r.logs).toContain('wrote');
    const label = `org.openstack.zun.uuid=${String(r.view.uuid)}`;
    expect(await volumes(label)).toHaveLength(1);
    await remove('demo', r.view);
    expect(await volumes(label)).toHaveLength(0);
  });

  it('an auto-removed container takes its sized volume and injected files with it', async () => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: {
        image: BUSYBOX,
        command: ['cat', '/etc/x'],
        auto_remove: true,
        mounts: [
          { size: 1, destination: '/scratch' },
          { type: 'bind', source: Buffer.from('x').toString('base64'), destination: '/etc/x' },
        ],
      },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (c) => c.gone === true, 30_000, 'demo');
    const label = `org.openstack.zun.uuid=${uuid}`;
    const dir = path.join(stack.statePath, 'injected', uuid);
    // Released by the agent right after it purges the row: allow it a moment.
    for (let i = 0; i < 50 && ((await volumes(label)).length || existsSync(dir)); i++) {
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(await volumes(label)).toHaveLength(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('host paths are refused with 400 and nothing is left behind', async () => {
    const hostLabel = `org.openstack.zun.host=${stack.host}`;
    const before = {
      rows: (
        await stack.call<{ containers: View[] }>('GET', '/v1/containers?all_projects=1', { user: 'admin' })
      ).body.containers.length,
      engine: (await stack.engineContainers()).length,
      volumes: (await volumes(hostLabel)).length,
    };
    for (const [user, mounts] of [
      ['demo', [{ source: '/etc', destination: '/host-etc' }]],
      ['admin', [{ source: '/', destination: '/host' }]],
      ['demo', [{ source: '../../etc', destination: '/x' }]],
      ['demo', [{ type: 'bind', source: '/etc/passwd', destination: '/x' }]],
      [
        'demo',
        [
          { source: 'ok', destination: '/a' },
          { source: '/var/run/docker.sock', destination: '/b' },
        ],
      ],
    ] as const) {
      const r = await stack.call<{ errors: { detail: string }[] }>('POST', '/v1/containers?run=true', {
        user,
        body: { image: BUSYBOX, mounts },
      });
      expect([r.status, mounts]).toEqual([400, mounts]);
      expect(r.body.errors[0].detail).toMatch(/host path/);
    }
    const old = await stack.call('POST', '/v1/containers', {
      body: { image: BUSYBOX, mounts: [{ source: 'data', destination: '/data' }] },
      version: '1.10',
    });
    expect(old.status).toBe(400);
    expect(
      (await stack.call<{ containers: View[] }>('GET', '/v1/containers?all_projects=1', { user: 'admin' }))
        .body.containers.length,
    ).toBe(before.rows);
    expect((await stack.engineContainers()).length).toBe(before.engine);
    expect((await volumes(hostLabel)).length).toBe(before.volumes);
  });
});
