import { QueryTypes } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { dockerExec } from '../../../../test/support/exec';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;
type Addresses = Record<string, { addr: string; version: number; port: string | null }[]>;

/** A server answering "hi" on TCP 8080 to each connection, and running until stopped. */
const SERVER = ['nc', '-ll', '-p', '8080', '-e', 'echo', 'hi'];

/** Project networks on the real engine: isolation between projects, reachability within one. */
describe('project networks (real engine)', () => {
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

  const run = async (user: 'admin' | 'demo', name: string, extra: View = {}): Promise<View> => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      user,
      body: { image: BUSYBOX, name, command: SERVER, nets: [], mounts: [], ...extra },
    });
    expect(r.status).toBe(202);
    return stack.waitFor(
      String(r.body.uuid),
      (c) => c.status === 'Running' && Object.keys(c.addresses as object).length > 0,
    );
  };
  const ipOf = (c: View, net = 'default'): string => (c.addresses as Addresses)[net][0].addr;
  const engineName = (c: View) => `zun-${String(c.uuid)}`;
  const ping = (from: View, ip: string) =>
    dockerExec(stack.docker, engineName(from), ['ping', '-c1', '-W1', ip]);
  const tcp = (from: View, ip: string) =>
    dockerExec(stack.docker, engineName(from), ['nc', '-w', '2', ip, '8080']);
  const reaches = async (from: View, ip: string): Promise<boolean> => {
    const [p, t] = await Promise.all([ping(from, ip), tcp(from, ip)]);
    // Both or neither: a half-open path would be a bug of its own.
    expect(p.exitCode === 0).toBe(t.output.includes('hi'));
    return p.exitCode === 0;
  };

  it('isolates projects: same-project containers reach each other, other projects cannot', async () => {
    const [a1, a2, b1] = await Promise.all([run('admin', 'a1'), run('admin', 'a2'), run('demo', 'b1')]);
    expect(Object.keys(a1.addresses as object)).toEqual(['default']);
    const addr = (a1.addresses as Addresses).default[0];
    expect(addr).toEqual({
      addr: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
      version: 4,
      port: expect.any(String),
      subnet_id: expect.any(String),
      preserve_on_delete: false,
    });

    // Each project has its own Docker network, labelled as ours.
    const info = await stack.docker.getContainer(engineName(a1)).inspect();
    const [netName] = Object.keys(info.NetworkSettings.Networks);
    expect(netName).toBe(`zun-${String(a1.project_id)}-default`);
    const net = await stack.docker.getNetwork(netName).inspect();
    expect(net.Labels).toMatchObject({
      'org.openstack.zun.project': a1.project_id,
      'org.openstack.zun.network': 'default',
    });
    expect(
      Object.keys((await stack.docker.getContainer(engineName(b1)).inspect()).NetworkSettings.Networks),
    ).toEqual([`zun-${String(b1.project_id)}-default`]);

    expect(await reaches(a1, ipOf(a2))).toBe(true);
    expect(await reaches(a2, ipOf(a1))).toBe(true);
    expect(await reaches(a1, ipOf(b1))).toBe(false);
    expect(await reaches(b1, ipOf(a1))).toBe(false);
  });

  it('named networks are per project: the same name in two projects is two networks', async () => {
    const [a3, a4, b2] = await Promise.all([
      run('admin', 'a3', { nets: [{ network: 'backend' }] }),
      run('admin', 'a4', { nets: [{ network: 'backend' }, { network: 'default' }] }),
      run('demo', 'b2', { nets: [{ network: 'backend' }] }),
    ]);
    expect(Object.keys(a3.addresses as object)).toEqual(['backend']);
    expect(Object.keys(a4.addresses as object).sort()).toEqual(['backend', 'default']);
    expect(await reaches(a3, ipOf(a4, 'backend'))).toBe(true);
    expect(await reaches(b2, ipOf(a3, 'backend'))).toBe(false);
    expect(await reaches(a3, ipOf(b2, 'backend'))).toBe(false);
  });

  it('refuses ports, fixed IPs, reserved and malformed names with 400 and leaves nothing behind', async () => {
    const before = (await stack.engineContainers()).length;
    const rowsBefore = (await stack.call<{ containers: View[] }>('GET', '/v1/containers')).body.containers
      .length;
    const other = (await stack.call<View>('GET', '/v1/containers/a1', { user: 'admin' })).body;
    for (const nets of [
      [{ port: 'some-port' }],
      [{ network: 'default', 'v4-fixed-ip': '10.0.0.5' }],
      [{ network: `zun-${String(other.project_id)}-default` }],
      [{ network: 'bad/name' }],
      [{ network: 'x', port: 'y' }],
      [{ network: 'dup' }, { network: 'dup' }],
    ]) {
      const r = await stack.call<View>('POST', '/v1/containers', { body: { image: BUSYBOX, nets } });
      expect([r.status, nets]).toEqual([400, nets]);
    }
    const after = await stack.call<{ containers: View[] }>('GET', '/v1/containers');
    expect(after.body.containers.length).toBe(rowsBefore);
    expect((await stack.engineContainers()).length).toBe(before);
  });

  it('network_attach / network_list / network_detach, visible in Docker inspect', async () => {
    const a5 = await run('admin', 'a5');
    const a6 = await run('admin', 'a6', { nets: [{ network: 'extra' }] });
    const uuid = String(a5.uuid);
    // Not on it yet: unreachable.
    expect(await reaches(a5, ipOf(a6, 'extra'))).toBe(false);

    const att = await stack.call('POST', `/v1/containers/${uuid}/network_attach?network=extra`, {
      user: 'admin',
    });
    expect(att.status).toBe(200);
    expect(att.body).toBeNull();
    const attached = await stack.waitFor(uuid, (c) => Object.keys(c.addresses as object).includes('extra'));
    const nets = (await stack.docker.getContainer(engineName(a5)).inspect()).NetworkSettings.Networks;
    expect(Object.keys(nets).sort()).toEqual([
      `zun-${String(a5.project_id)}-default`,
      `zun-${String(a5.project_id)}-extra`,
    ]);
    expect(nets[`zun-${String(a5.project_id)}-extra`].IPAddress).toBe(ipOf(attached, 'extra'));
    expect(await reaches(a5, ipOf(a6, 'extra'))).toBe(true);

    const again = await stack.call<{ errors: { detail: string }[] }>(
      'POST',
      `/v1/containers/${uuid}/network_attach?network=extra`,
      { user: 'admin' },
    );
    expect(again.status).toBe(400);

    const list = await stack.call<{ networks: View[] }>('GET', `/v1/containers/${uuid}/network_list`, {
      user: 'admin',
    });
    expect(list.status).toBe(200);
    expect(list.body.networks).toEqual(
      expect.arrayContaining([
        {
          net_id: 'extra',
          port_id: expect.any(String),
          fixed_ips: [{ ip_address: ipOf(attached, 'extra'), version: 4, subnet_id: expect.any(String) }],
        },
        expect.objectContaining({ net_id: 'default' }),
      ]),
    );
    const old = await stack.call<{ networks: View[] }>('GET', `/v1/containers/${uuid}/network_list`, {
      user: 'admin',
      version: '1.17',
    });
    expect(old.body.networks).toContainEqual(
      expect.objectContaining({ net_id: 'extra', ip_address: ipOf(attached, 'extra'), version: 4 }),
    );

    // The demo project cannot see the container, let alone attach it.
    expect((await stack.call('POST', `/v1/containers/${uuid}/network_attach?network=extra`)).status).toBe(
      404,
    );

    const det = await stack.call('POST', `/v1/containers/${uuid}/network_detach?network=extra`, {
      user: 'admin',
    });
    expect(det.status).toBe(202);
    await stack.waitFor(uuid, (c) => !Object.keys(c.addresses as object).includes('extra'));
    expect(
      Object.keys((await stack.docker.getContainer(engineName(a5)).inspect()).NetworkSettings.Networks),
    ).toEqual([`zun-${String(a5.project_id)}-default`]);
    expect(await reaches(a5, ipOf(a6, 'extra'))).toBe(false);
    const notOn = await stack.call('POST', `/v1/containers/${uuid}/network_detach?network=extra`, {
      user: 'admin',
    });
    expect(notOn.status).toBe(400);
    expect(
      (await stack.call('POST', `/v1/containers/${uuid}/network_detach`, { user: 'admin' })).status,
    ).toBe(400);
    expect(
      (await stack.call('POST', `/v1/containers/${uuid}/network_attach?port=p1`, { user: 'admin' })).status,
    ).toBe(400);

    const actions = await db.sequelize.query<{ action: string }>(
      `SELECT action FROM container_actions WHERE container_uuid = :uuid ORDER BY id`,
      { replacements: { uuid }, type: QueryTypes.SELECT },
    );
    expect(actions.map((x) => x.action)).toEqual(['create', 'network_attach', 'network_detach']);
  });

  it('refuses to attach a container that has no Docker container', async () => {
    const r = await stack.call<View>('POST', '/v1/containers', { body: { image: `${BUSYBOX}-missing:1` } });
    await stack.waitFor(String(r.body.uuid), (c) => c.status === 'Error', 30_000, 'demo');
    const att = await stack.call('POST', `/v1/containers/${String(r.body.uuid)}/network_attach?network=x`);
    expect(att.status).toBe(400);
  });

  it('removes a project network once no container uses it', async () => {
    const c = await run('demo', 'lonely', { nets: [{ network: 'solo' }] });
    const netName = `zun-${String(c.project_id)}-solo`;
    expect((await stack.docker.getNetwork(netName).inspect()).Name).toBe(netName);
    expect((await stack.call('DELETE', `/v1/containers/lonely?force=False&stop=True`)).status).toBe(204);
    await stack.waitFor(String(c.uuid), (v) => v.gone === true, 30_000, 'demo');
    await expect(stack.docker.getNetwork(netName).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keeps the network of a container that is created but not started', async () => {
    const r = await stack.call<View>('POST', '/v1/containers', {
      user: 'demo',
      body: { image: BUSYBOX, name: 'later', command: SERVER, nets: [{ network: 'later' }] },
    });
    expect(r.status).toBe(202);
    const c = await stack.waitFor(String(r.body.uuid), (v) => v.status === 'Created', 30_000, 'demo');
    // Several reconciles (every 2 s here) look for unused networks; this one is in use.
    await new Promise((done) => setTimeout(done, 5_000));
    const netName = `zun-${String(c.project_id)}-later`;
    expect((await stack.docker.getNetwork(netName).inspect()).Name).toBe(netName);
    expect((await stack.call('POST', `/v1/containers/later/start`, { user: 'demo' })).status).toBe(202);
    const after = await stack.waitFor(
      String(c.uuid),
      (v) => v.status === 'Running' || v.status === 'Error',
      30_000,
      'demo',
    );
    expect([after.status, after.status_reason]).toEqual(['Running', null]);
  });

  it('security groups: only "default" exists; every container is in it', async () => {
    const ok = await stack.call<View>('POST', '/v1/containers', {
      body: { image: BUSYBOX, name: 'sg', security_groups: ['default', 'default'] },
    });
    expect(ok.status).toBe(202);
    expect(ok.body.security_groups).toEqual(['default']);
    const bad = await stack.call<{ errors: { detail: string }[] }>('POST', '/v1/containers', {
      body: { image: BUSYBOX, security_groups: ['web'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].detail).toContain('Security group web not found');
    await stack.waitFor(String(ok.body.uuid), (c) => c.status === 'Created', 30_000, 'demo');
    const add = await stack.call('POST', `/v1/containers/sg/add_security_group?name=default`, {
      version: '1.14',
    });
    expect(add.status).toBe(400);
    const rm = await stack.call('POST', `/v1/containers/sg/remove_security_group?name=default`, {
      version: '1.14',
    });
    expect(rm.status).toBe(400);
    const unknown = await stack.call('POST', `/v1/containers/sg/add_security_group?name=web`, {
      version: '1.14',
    });
    expect(unknown.status).toBe(400);
    expect((await stack.call('POST', `/v1/containers/sg/add_security_group?name=default`)).status).toBe(406);
  });
});
