import { IdentityApp } from '../../../../../test/support/identity-app';

describe('/v3/users (real PostgreSQL, real HTTP)', () => {
  let app: IdentityApp;
  let admin: string;
  let demo: string;

  beforeAll(async () => {
    app = await IdentityApp.start();
    admin = await app.token('admin', 'adminpw');
    demo = await app.token('demo', 'demopw');
  });
  afterAll(() => app.close());

  const create = async (user: object) => app.call('POST', '/users', { token: admin, body: { user } });
  const idOf = (res: { body: Record<string, unknown> }) => (res.body.user as { id: string }).id;
  const grantMember = (userId: string, projectId = app.ids.projects.demo) =>
    app.call('PUT', `/projects/${projectId}/users/${userId}/roles/${app.ids.roles.member}`, { token: admin });

  it('creates a user with a password, default project and extra attributes, in Keystone form', async () => {
    const res = await create({
      name: 'alice',
      password: 'alicepw',
      default_project_id: app.ids.projects.demo,
      email: 'alice@example.com',
      enabled: true,
    });
    expect(res.status).toBe(201);
    const id = idOf(res);
    expect(res.body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'alice',
      domain_id: 'default',
      enabled: true,
      default_project_id: app.ids.projects.demo,
      email: 'alice@example.com',
      password_expires_at: null,
      options: {},
      links: { self: `${app.base}/identity/v3/users/${id}` },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/alicepw|password_hash|scrypt/);
    // No role yet: no token.
    expect((await app.login('alice', 'alicepw')).status).toBe(401);
    expect((await grantMember(id)).status).toBe(204);
    expect((await app.login('alice', 'alicepw')).status).toBe(201);
  });

  it('leaves default_project_id out when unset; a user without a password cannot log in', async () => {
    const res = await create({ name: 'nopass' });
    expect(res.status).toBe(201);
    expect(res.body.user).not.toHaveProperty('default_project_id');
    await grantMember(idOf(res));
    expect((await app.login('nopass', '')).status).toBe(401);
  });

  it('answers 409 for a duplicate name, 400 for bad input, 404 for an unknown default project', async () => {
    await create({ name: 'bob', password: 'x' });
    const dup = await create({ name: 'bob', password: 'y' });
    expect(dup.status).toBe(409);
    expect(dup.body.error?.message).toBe(
      'Conflict occurred attempting to store user - Duplicate entry found with name bob at domain ID default.',
    );
    expect((await create({ password: 'x' })).status).toBe(400);
    expect((await create({ name: 'x', enabled: 'yes' })).status).toBe(400);
    expect((await create({ name: 'x', email: { nested: true } })).status).toBe(400);
    expect((await create({ name: 'x', password: 'p'.repeat(4097) })).status).toBe(400);
    expect((await create({ name: 'x', default_project_id: 'missing' })).status).toBe(404);
  });

  it('lists users for admins, by ?name=; refuses non-admins (403)', async () => {
    const all = await app.call('GET', '/users', { token: admin });
    expect(all.status).toBe(200);
    expect((all.body.users as { name: string }[]).map((u) => u.name)).toEqual(
      expect.arrayContaining(['admin', 'demo', 'alice']),
    );
    const one = await app.call('GET', '/users?name=demo', { token: admin });
    expect((one.body.users as { id: string }[]).map((u) => u.id)).toEqual([app.ids.users.demo]);
    const refused = await app.call('GET', '/users', { token: demo });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toBe(
      'You are not authorized to perform the requested action: identity:list_users.',
    );
    expect((await app.call('POST', '/users', { token: demo, body: { user: { name: 'evil' } } })).status).toBe(
      403,
    );
  });

  it('shows a user to an admin and to themselves only', async () => {
    expect((await app.call('GET', `/users/${app.ids.users.demo}`, { token: demo })).status).toBe(200);
    expect((await app.call('GET', `/users/${app.ids.users.admin}`, { token: demo })).status).toBe(403);
    expect((await app.call('GET', `/users/${app.ids.users.demo}`, { token: admin })).status).toBe(200);
    const missing = await app.call('GET', '/users/missing', { token: admin });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.message).toBe('Could not find user: missing.');
    const projects = await app.call('GET', `/users/${app.ids.users.demo}/projects`, { token: demo });
    expect((projects.body.projects as { name: string }[]).map((p) => p.name)).toEqual(['demo']);
  });

  it('a new password set by an admin revokes the old tokens; the new one works', async () => {
    const id = idOf(await create({ name: 'carol', password: 'old' }));
    await grantMember(id);
    const before = await app.token('carol', 'old', 'demo');
    const res = await app.call('PATCH', `/users/${id}`, {
      token: admin,
      body: { user: { password: 'new' } },
    });
    expect(res.status).toBe(200);
    expect((await app.call('GET', '/auth/projects', { token: before })).status).toBe(401);
    expect((await app.login('carol', 'old', 'demo')).status).toBe(401);
    expect((await app.login('carol', 'new', 'demo')).status).toBe(201);
    expect(
      (await app.call('PATCH', `/users/${id}`, { token: demo, body: { user: { password: 'x' } } })).status,
    ).toBe(403);
  });

  it('lets a user change their own password with the original one', async () => {
    const id = idOf(await create({ name: 'dave', password: 'one' }));
    await grantMember(id);
    const token = await app.token('dave', 'one', 'demo');
    const change = (original: string, password: string) =>
      app.call('POST', `/users/${id}/password`, {
        token,
        body: { user: { original_password: original, password } },
      });
    expect((await change('bad', 'two')).status).toBe(401);
    expect((await change('one', 'two')).status).toBe(204);
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(401);
    expect((await app.login('dave', 'two', 'demo')).status).toBe(201);
  });

  it('disabling a user revokes their tokens and refuses logins; enabling lets them log in again', async () => {
    const id = idOf(await create({ name: 'erin', password: 'pw' }));
    await grantMember(id);
    const token = await app.token('erin', 'pw', 'demo');
    await app.call('PATCH', `/users/${id}`, { token: admin, body: { user: { enabled: false } } });
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(401);
    expect((await app.login('erin', 'pw', 'demo')).status).toBe(401);
    await app.call('PATCH', `/users/${id}`, { token: admin, body: { user: { enabled: true } } });
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(401);
    expect((await app.login('erin', 'pw', 'demo')).status).toBe(201);
  });

  it('deleting a user revokes their tokens at once', async () => {
    const id = idOf(await create({ name: 'frank', password: 'pw' }));
    await grantMember(id);
    const token = await app.token('frank', 'pw', 'demo');
    // Validated once, so the token sits in the validation cache.
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(200);
    expect((await app.call('DELETE', `/users/${id}`, { token: admin })).status).toBe(204);
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(401);
    expect((await app.call('DELETE', `/users/${id}`, { token: admin })).status).toBe(404);
    expect((await app.call('DELETE', `/users/${app.ids.users.demo}`, { token: demo })).status).toBe(403);
  });

  it('refuses to delete or disable yourself, the user admin, or the last admin (409)', async () => {
    const self = await app.call('DELETE', `/users/${app.ids.users.admin}`, { token: admin });
    expect(self.status).toBe(409);
    expect(self.body.error?.message).toBe('Refusing to delete the user you are authenticated as (admin).');

    // A second admin cannot remove the bootstrap admin either.
    const id = idOf(await create({ name: 'root2', password: 'pw' }));
    await app.call('PUT', `/projects/${app.ids.projects.admin}/users/${id}/roles/${app.ids.roles.admin}`, {
      token: admin,
    });
    const root2 = await app.token('root2', 'pw', 'admin');
    const bootstrap = await app.call('PATCH', `/users/${app.ids.users.admin}`, {
      token: root2,
      body: { user: { enabled: false } },
    });
    expect(bootstrap.status).toBe(409);
    expect(bootstrap.body.error?.message).toMatch(/user admin: zun-api creates it/);

    // With root2 gone admin is the last admin again: taking its admin role away is refused.
    expect((await app.call('DELETE', `/users/${id}`, { token: admin })).status).toBe(204);
    const last = await app.call(
      'DELETE',
      `/projects/${app.ids.projects.admin}/users/${app.ids.users.admin}/roles/${app.ids.roles.admin}`,
      { token: admin },
    );
    expect(last.status).toBe(409);
    expect(last.body.error?.message).toMatch(/last enabled user holding the admin role/);
    expect((await app.call('GET', '/auth/projects', { token: admin })).status).toBe(200);
  });
});
