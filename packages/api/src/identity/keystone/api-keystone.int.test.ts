import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { KEYSTONE_URL } from '../../../../../test/support/openstack';
import { passwordToken } from '../../../../../test/support/password-token';
import { TestStack } from '../../../../../test/support/stack';

const issue = (user: string, password: string, project: string): Promise<string> =>
  passwordToken(KEYSTONE_URL, user, password, project);

const keystoneEnv = (authUrl: string): Record<string, string> => ({
  ZUN_KEYSTONE_AUTHTOKEN_AUTH_URL: authUrl,
  ZUN_KEYSTONE_AUTHTOKEN_USERNAME: 'zun',
  ZUN_KEYSTONE_AUTHTOKEN_PASSWORD: 'zun-secret',
  ZUN_KEYSTONE_AUTHTOKEN_PROJECT_NAME: 'service',
  ZUN_KEYSTONE_AUTHTOKEN_HTTP_REQUEST_MAX_RETRIES: '0',
});

/** zun-api with [keystone_authtoken] pointing at the real Keystone that npm test starts. */
describe('zun-api with an external Keystone', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let down: TestStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi(keystoneEnv(KEYSTONE_URL));
    // Nothing listens on port 1: Keystone is down for this one.
    down = new TestStack(db);
    await down.startApi(keystoneEnv('http://127.0.0.1:1/v3'));
  });
  afterAll(async () => {
    await down?.stop();
    await stack?.stop();
    await db?.drop();
  });

  const get = (s: TestStack, path: string, token?: string): Promise<Response> =>
    fetch(`${s.api.url}${path}`, {
      headers: { ...(token ? { 'X-Auth-Token': token } : {}), 'OpenStack-API-Version': 'container 1.40' },
    });

  it('turns the built-in identity off and sends clients to Keystone', async () => {
    expect((await get(stack, '/identity/v3')).status).toBe(404);
    const res = await get(stack, '/v1/containers');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Keystone uri="${KEYSTONE_URL}"`);
  });

  it("takes Keystone's tokens, with admin decided by the policy from Keystone's roles", async () => {
    const demo = await issue('demo', 'demo-secret', 'demo');
    const admin = await issue('admin', 'admin-secret', 'admin');
    expect((await get(stack, '/v1/containers', demo)).status).toBe(200);
    expect((await get(stack, '/v1/containers?all_projects=1', demo)).status).toBe(403);
    expect((await get(stack, '/v1/containers?all_projects=1', admin)).status).toBe(200);
    expect((await get(stack, '/v1/containers', 'not-a-token')).status).toBe(401);
  });

  it("answers 503 in Zun's error envelope when Keystone cannot be reached", async () => {
    const demo = await issue('demo', 'demo-secret', 'demo');
    const res = await get(down, '/v1/containers', demo);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { errors: { status: number; code: string; detail: string }[] };
    expect(body.errors[0]).toMatchObject({ status: 503 });
    expect(body.errors[0].detail).toContain('identity service');
  });
});
