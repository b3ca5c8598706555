import { IdentityApp } from '../../../../../test/support/identity-app';

describe('/v3/roles, grants and /v3/role_assignments (real PostgreSQL, real HTTP)', () => {
  let app: IdentityApp;
  let admin: string;
  let demo: string;
  let userId: string;

  beforeAll(async () => {
    app = await IdentityApp.start();
    admin = await app.token('admin', 'adminpw');
    demo = await app.token('demo', 'demopw');
    const res = await app.call('POST', '/users', {
      token: admin,
      body: { user: { name: 'gina', password: 'pw' } },
    });
    userId = (res.body.user as { id: string }).id;
  });
  afterAll(() => app.close());

  const grantPath = (role: string, user = userId, project = app.ids.projects.demo) =>
    `/projects/${project}/users/${user}/roles/${role}`;

  it('lists the three fixed roles, and finds one by ?name=', async () => {
    const res = await app.call('GET', '/roles', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.roles).toEqual(
      ['admin', 'member', 'reader'].map((name) => ({
        id: app.ids.roles[name as 'admin'],
        name,
        domain_id: null,
        description: null,
        options: { immutable: true },
        links: { self: `${app.base}/identity/v3/roles/${app.ids.roles[name as 'admin']}` },
      })),
    );
    const byName = await app.call('GET', '/roles?name=member', { token: admin });
    expect((byName.body.roles as { id: string }[]).map((r) => r.id)).toEqual([app.ids.roles.member]);
    expect(
      (await app.call('GET', `/roles/${app.ids.roles.reader}`, { token: admin })).body.role,
    ).toMatchObject({
      name: 'reader',
    });
    const missing = await app.call('GET', '/roles/nope', { token: admin });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.message).toBe('Could not find role: nope.');
    expect((await app.call('GET', '/roles', { token: demo })).status).toBe(403);
  });

  it('grants a role (idempotently), checks and lists it, and the user gets a token with the implied roles', async () => {
    expect((await app.call('PUT', grantPath(app.ids.roles.member), { token: admin })).status).toBe(204);
    expect((await app.call('PUT', grantPath(app.ids.roles.member), { token: admin })).status).toBe(204);
    expect((await app.call('HEAD', grantPath(app.ids.roles.member), { token: admin })).status).toBe(204);
    expect((await app.call('GET', grantPath(app.ids.roles.reader), { token: admin })).status).toBe(404);
    const held = await app.call('GET', `/projects/${app.ids.projects.demo}/users/${userId}/roles`, {
      token: admin,
    });
    expect((held.body.roles as { name: string }[]).map((r) => r.name)).toEqual(['member']);
    const login = await app.login('gina', 'pw', 'demo');
    expect(login.status).toBe(201);
    expect(((login.body.token as { roles: { name: string }[] }).roles ?? []).map((r) => r.name)).toEqual([
      'member',
      'reader',
    ]);
  });

  it('answers 404 naming the missing role, user or project, and 403 for non-admins', async () => {
    const role = await app.call('PUT', grantPath('nope'), { token: admin });
    expect(role.body.error?.message).toBe('Could not find role: nope.');
    const user = await app.call('PUT', grantPath(app.ids.roles.member, 'nobody'), { token: admin });
    expect(user.body.error?.message).toBe('Could not find user: nobody.');
    const project = await app.call('PUT', grantPath(app.ids.roles.member, userId, 'none'), { token: admin });
    expect(project.status).toBe(404);
    expect(project.body.error?.message).toBe('Could not find project: none.');
    const refused = await app.call('PUT', grantPath(app.ids.roles.admin, app.ids.users.demo!), {
      token: demo,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toBe(
      'You are not authorized to perform the requested action: identity:create_grant.',
    );
    expect((await app.call('DELETE', grantPath(app.ids.roles.member), { token: demo })).status).toBe(403);
  });

  it('lists role assignments with filters, names and effective roles', async () => {
    const all = await app.call('GET', '/role_assignments', { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.role_assignments).toEqual(
      expect.arrayContaining([
        {
          scope: { project: { id: app.ids.projects.admin } },
          role: { id: app.ids.roles.admin },
          user: { id: app.ids.users.admin },
          links: {
            assignment: `${app.base}/identity/v3/projects/${app.ids.projects.admin}/users/${app.ids.users.admin}/roles/${app.ids.roles.admin}`,
          },
        },
      ]),
    );
    const mine = await app.call(
      'GET',
      `/role_assignments?user.id=${userId}&scope.project.id=${app.ids.projects.demo}&include_names=True`,
      {
        token: admin,
      },
    );
    expect(mine.body.role_assignments).toEqual([
      {
        scope: {
          project: { id: app.ids.projects.demo, name: 'demo', domain: { id: 'default', name: 'Default' } },
        },
        role: { id: app.ids.roles.member, name: 'member' },
        user: { id: userId, name: 'gina', domain: { id: 'default', name: 'Default' } },
        links: { assignment: expect.stringContaining(`/users/${userId}/roles/${app.ids.roles.member}`) },
      },
    ]);
    const effective = await app.call('GET', `/role_assignments?user.id=${app.ids.users.admin}&effective`, {
      token: admin,
    });
    expect(
      (effective.body.role_assignments as { role: { id: string } }[]).map((a) => a.role.id).sort(),
    ).toEqual([app.ids.roles.admin, app.ids.roles.member, app.ids.roles.reader].sort());
    const byRole = await app.call('GET', `/role_assignments?role.id=${app.ids.roles.admin}`, {
      token: admin,
    });
    expect((byRole.body.role_assignments as { user: { id: string } }[]).map((a) => a.user.id)).toEqual([
      app.ids.users.admin,
    ]);
    expect(
      (await app.call('GET', '/role_assignments?group.id=g', { token: admin })).body.role_assignments,
    ).toEqual([]);
  });

  it('lets a non-admin list their own assignments only', async () => {
    const own = await app.call('GET', `/role_assignments?user.id=${app.ids.users.demo}`, { token: demo });
    expect(own.status).toBe(200);
    expect((own.body.role_assignments as { role: { id: string } }[]).map((a) => a.role.id)).toEqual([
      app.ids.roles.member,
    ]);
    expect((await app.call('GET', '/role_assignments', { token: demo })).status).toBe(403);
    expect(
      (await app.call('GET', `/role_assignments?user.id=${app.ids.users.admin}`, { token: demo })).status,
    ).toBe(403);
  });

  it("removing a role revokes the user's tokens on that project; removing it again is 404", async () => {
    const token = await app.token('gina', 'pw', 'demo');
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(200);
    expect((await app.call('DELETE', grantPath(app.ids.roles.member), { token: admin })).status).toBe(204);
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(401);
    // A new grant does not bring the old token back.
    await app.call('PUT', grantPath(app.ids.roles.member), { token: admin });
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(401);
    await app.call('DELETE', grantPath(app.ids.roles.member), { token: admin });
    const again = await app.call('DELETE', grantPath(app.ids.roles.member), { token: admin });
    expect(again.status).toBe(404);
    expect(again.body.error?.message).toMatch(/^Could not find role assignment with role: /);
  });

  it('reads the default domain by id and by name', async () => {
    const byId = await app.call('GET', '/domains/default', { token: demo });
    expect(byId.body.domain).toMatchObject({ id: 'default', name: 'Default', enabled: true });
    const byName = await app.call('GET', '/domains?name=Default', { token: demo });
    expect((byName.body.domains as { id: string }[]).map((d) => d.id)).toEqual(['default']);
    expect((await app.call('GET', '/domains/other', { token: demo })).status).toBe(404);
  });
});
