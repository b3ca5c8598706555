import { AioStack, type CliResult } from '../../../test/support/aio-stack';
import { runCli } from '../../../test/support/cli';

/**
 * Identity management with the real `openstack` CLI (Debian python3-openstackclient) against
 * `npm start`'s stack: an admin adds a tenant, the tenant works in it with the real `zun` CLI and
 * is kept to it, then the admin removes the tenant again.
 */
describe('openstack CLI: projects, users, roles and tokens (all-in-one stack)', () => {
  const stack = new AioStack({ host: 'e2e-identity' });
  const project = 'tenant-e2e';
  const user = 'alice-e2e';
  const password = 'alice-secret';

  /** The tenant's environment: the admin's rc with the tenant's name, password and project. */
  const aliceEnv = (over: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...stack.env,
    OS_USERNAME: user,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: project,
    ...over,
  });

  const openstack = (env: NodeJS.ProcessEnv, ...args: string[]) => runCli('openstack', args, env);
  const zun = (env: NodeJS.ProcessEnv, ...args: string[]) => runCli('zun', args, env);
  const ok = (r: CliResult): string => {
    if (r.code !== 0) throw new Error(`command failed (${r.code}): ${r.err}${r.out}`);
    return r.out;
  };
  const tokenOf = async (
    env: NodeJS.ProcessEnv,
  ): Promise<{ id: string; project_id: string; user_id: string }> =>
    JSON.parse(ok(await openstack(env, 'token', 'issue', '-f', 'json')));
  /** The status of a token validating itself: 200 while live, 401 once revoked. */
  const validates = async (token: string): Promise<number> =>
    (
      await fetch(`${stack.env.OS_AUTH_URL}/auth/tokens`, {
        headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
      })
    ).status;

  beforeAll(async () => {
    await stack.removeContainers();
    await stack.start();
  }, 200_000);

  afterAll(async () => {
    await stack.destroy();
  });

  it('an admin adds a tenant who works in their own project only, then removes them', async () => {
    const admin = stack.env;
    const projectId = JSON.parse(ok(await openstack(admin, 'project', 'create', project, '-f', 'json'))).id;
    ok(await openstack(admin, 'user', 'create', '--project', project, '--password', password, user));
    ok(await openstack(admin, 'role', 'add', '--project', project, '--user', user, 'member'));
    expect(ok(await openstack(admin, 'project', 'list'))).toContain(project);
    expect(ok(await openstack(admin, 'user', 'list'))).toContain(user);
    expect(ok(await openstack(admin, 'role', 'list'))).toMatch(/admin[\s\S]*member[\s\S]*reader/);
    const assignments = ok(
      await openstack(admin, 'role', 'assignment', 'list', '--user', user, '--project', project, '--names'),
    );
    expect(assignments).toMatch(new RegExp(`member\\s*\\|\\s*${user}@Default\\s*\\|.*${project}@Default`));

    // Demo's container exists, and the tenant does not see it.
    ok(await zun(stack.demoEnv, 'create', '--name', 'demo-only', 'busybox', 'sleep', '300'));
    const alice = aliceEnv();
    const token = await tokenOf(alice);
    expect(token.project_id).toBe(projectId);
    const list = ok(await zun(alice, 'list'));
    expect(list).not.toContain('demo-only');
    ok(await zun(alice, 'create', '--name', 'alice-box', 'busybox', 'sleep', '300'));
    expect(ok(await zun(alice, 'list'))).toContain('alice-box');
    expect(ok(await zun(stack.demoEnv, 'list'))).not.toContain('alice-box');

    // A member manages nothing.
    const refused = await openstack(alice, 'user', 'create', '--password', 'x', 'mallory');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain(
      'You are not authorized to perform the requested action: identity:create_user',
    );
    expect(refused.err).toContain('HTTP 403');
    expect((await openstack(alice, 'project', 'list', '--long')).out).not.toContain('demo');

    // Tokens: another user's is out of reach, one's own can be revoked.
    const demoToken = (await tokenOf(stack.demoEnv)).id;
    const revokeOther = await openstack(alice, 'token', 'revoke', demoToken);
    expect(revokeOther.code).not.toBe(0);
    expect(revokeOther.err).toContain('HTTP 403');
    expect(await validates(demoToken)).toBe(200);
    ok(await openstack(alice, 'token', 'revoke', token.id));
    expect(await validates(token.id)).toBe(401);

    // The project still owns a container: deleting it is refused, naming the count.
    const busy = await openstack(admin, 'project', 'delete', project);
    expect(busy.code).not.toBe(0);
    expect(busy.err).toContain('it still owns 1 container');
    ok(await zun(alice, 'delete', 'alice-box'));
    const deadline = Date.now() + 120_000;
    let shown = await zun(alice, 'show', 'alice-box');
    while (shown.code === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      shown = await zun(alice, 'show', 'alice-box');
    }
    if (shown.code === 0) throw new Error(`alice-box never went away: ${shown.out}`);

    // Password guessing: 5 failures are answered 401, then the name is locked (429).
    const wrong = aliceEnv({ OS_PASSWORD: 'guess' });
    for (let i = 0; i < 5; i++) expect((await openstack(wrong, 'token', 'issue')).err).toContain('HTTP 401');
    const locked = await openstack(wrong, 'token', 'issue');
    expect(locked.err).toContain('HTTP 429');
    expect(locked.err).toContain('Too many failed login attempts');

    ok(await openstack(admin, 'user', 'delete', user));
    ok(await openstack(admin, 'project', 'delete', project));
    expect((await openstack(admin, 'project', 'show', project)).code).not.toBe(0);
    expect(ok(await openstack(admin, 'user', 'list'))).not.toContain(user);
  }, 300_000);
});
