import { randomBytes } from 'node:crypto';
import { AioStack, BUSYBOX, freePort } from '../../../test/support/aio-stack';
import { runCli, type Program } from '../../../test/support/cli';
import { KEYSTONE_URL, requireOpenStack } from '../../../test/support/openstack';
import { passwordToken } from '../../../test/support/password-token';

/** A password token from the real Keystone, scoped to the user's own project. */
const keystoneToken = (user: string, password: string, project = user): Promise<string> =>
  passwordToken(KEYSTONE_URL, user, password, project);

/**
 * zun-api with [keystone_authtoken] pointing at the real Keystone that the test set-up starts
 * (scripts/lib/openstack.sh; users admin, demo and other): the real `zun` and `openstack
 * appcontainer` CLIs find zun-api through Keystone's catalog (a `container` endpoint in a region
 * of the test's own) and work with Keystone's tokens; projects stay apart; a revoked token is
 * refused while still cached; the built-in identity is off.
 */
describe('external Keystone: the real CLIs with Keystone tokens (all-in-one stack)', () => {
  const region = `zun-e2e-${randomBytes(3).toString('hex')}`;
  let stack: AioStack;
  let admin = '';
  let serviceId = '';
  const envFor = (user: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OS_AUTH_URL: KEYSTONE_URL,
    OS_USERNAME: user,
    OS_PASSWORD: `${user}-secret`,
    OS_PROJECT_NAME: user,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_IDENTITY_API_VERSION: '3',
    OS_REGION_NAME: region,
  });
  const cli = async (bin: Program, user: string, ...args: string[]) => {
    const r = await runCli(bin, args, envFor(user));
    return { code: r.code, out: r.code === 0 ? r.out : `${r.out}${r.err}` };
  };
  const keystone = (method: string, p: string, body?: unknown) =>
    fetch(`${KEYSTONE_URL}${p}`, {
      method,
      headers: { 'x-auth-token': admin, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    await requireOpenStack();
    admin = await keystoneToken('admin', 'admin-secret');
    const apiPort = String(await freePort());
    // zun-api's place in the catalog, in a region only this test uses.
    expect((await keystone('POST', '/regions', { region: { id: region } })).status).toBe(201);
    const svc = await keystone('POST', '/services', {
      service: { type: 'container', name: `zun-${region}` },
    });
    serviceId = ((await svc.json()) as { service: { id: string } }).service.id;
    const ep = await keystone('POST', '/endpoints', {
      endpoint: {
        service_id: serviceId,
        interface: 'public',
        region_id: region,
        url: `http://127.0.0.1:${apiPort}/v1`,
      },
    });
    expect(ep.status).toBe(201);
    stack = new AioStack({
      host: `e2e-ks-${randomBytes(2).toString('hex')}`,
      ports: { api: apiPort },
      env: {
        ZUN_KEYSTONE_AUTHTOKEN_AUTH_URL: KEYSTONE_URL,
        ZUN_KEYSTONE_AUTHTOKEN_USERNAME: 'zun',
        ZUN_KEYSTONE_AUTHTOKEN_PASSWORD: 'zun-secret',
        ZUN_KEYSTONE_AUTHTOKEN_REVOCATION_POLL_INTERVAL: '1',
      },
    });
    await stack.start();
    stack.env = envFor('admin');
    stack.demoEnv = envFor('demo');
  }, 240_000);

  afterAll(async () => {
    await stack?.destroy();
    if (serviceId) await keystone('DELETE', `/services/${serviceId}`); // its endpoints go with it
    await keystone('DELETE', `/regions/${region}`);
  });

  it('the built-in identity is off and a 401 points at Keystone', async () => {
    const api = `http://127.0.0.1:${stack.ports.api}`;
    expect((await fetch(`${api}/identity/v3`)).status).toBe(404);
    const res = await fetch(`${api}/v1/containers`, { headers: { 'x-auth-token': 'not-a-token' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Keystone uri="${KEYSTONE_URL}"`);
  });

  it('zun and openstack appcontainer work with Keystone tokens; two projects stay apart', async () => {
    const name = `ks-demo-${region}`;
    expect((await cli('zun', 'demo', 'run', '--name', name, BUSYBOX, 'sleep', '300')).code).toBe(0);
    await stack.waitStatus(name, 'Running', 60_000, true);
    const osc = `ks-other-${region}`;
    const made = await cli(
      'openstack',
      'other',
      'appcontainer',
      'run',
      '--name',
      osc,
      BUSYBOX,
      'sleep',
      '300',
    );
    expect(made.code).toBe(0);

    const demoList = await cli('zun', 'demo', 'list');
    expect(demoList.out).toContain(name);
    expect(demoList.out).not.toContain(osc);
    const otherList = await cli('openstack', 'other', 'appcontainer', 'list', '-f', 'value', '-c', 'name');
    expect(otherList.out).toContain(osc);
    expect(otherList.out).not.toContain(name);
    expect((await cli('zun', 'other', 'show', name)).code).not.toBe(0);
    // Keystone's admin role is admin here too: every project's containers.
    const all = await cli('zun', 'admin', 'list', '--all-projects');
    expect(all.out).toContain(name);
    expect(all.out).toContain(osc);

    expect((await cli('openstack', 'other', 'appcontainer', 'delete', '--stop', osc)).code).toBe(0);
    expect((await cli('zun', 'demo', 'delete', '--stop', name)).code).toBe(0);
    const deadline = Date.now() + 60_000;
    let left: unknown[] = [null];
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const { body } = await stack.api('/v1/containers?all_projects=1');
      const rows = (body as { containers: { name: string }[] }).containers;
      left = rows.filter((c) => c.name === name || c.name === osc);
    }
    expect(left).toEqual([]);
    // Each CLI call also waits for Keystone (a single Python worker here): slow under load.
  }, 400_000);

  it('a revoked token is refused although zun-api had it cached', async () => {
    const token = await keystoneToken('demo', 'demo-secret');
    const list = () =>
      fetch(`http://127.0.0.1:${stack.ports.api}/v1/containers`, { headers: { 'x-auth-token': token } });
    expect((await list()).status).toBe(200);
    expect((await list()).status).toBe(200); // now from the cache
    const revoked = await fetch(`${KEYSTONE_URL}/auth/tokens`, {
      method: 'DELETE',
      headers: { 'x-auth-token': admin, 'x-subject-token': token },
    });
    expect(revoked.status).toBe(204);
    const since = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - since < 10_000) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await list()).status;
    }
    expect(status).toBe(401);
  });
});
