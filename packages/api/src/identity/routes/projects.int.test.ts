import { randomUUID } from 'node:crypto';
import { IdentityApp } from '../../../../../test/support/identity-app';

describe('/v3/projects (real PostgreSQL, real HTTP)', () => {
  let app: IdentityApp;
  let admin: string;
  let demo: string;

  beforeAll(async () => {
    app = await IdentityApp.start();
    admin = await app.token('admin', 'adminpw');
    demo = await app.token('demo', 'demopw');
  });
  afterAll(() => app.close());

  const create = (name: string, extra: object = {}) =>
    app.call('POST', '/projects', {
      token: admin,
      body: { project: { name, enabled: true, tags: [], options: {}, ...extra } },
    });

  it('creates a project in the default domain, with Keystone body and links', async () => {
    const res = await create('alpha', { description: 'first' });
    expect(res.status).toBe(201);
    const project = res.body.project as { id: string };
    expect(project).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'alpha',
      domain_id: 'default',
      description: 'first',
      enabled: true,
      is_domain: false,
      parent_id: 'default',
      tags: [],
      options: {},
      links: { self: `${app.base}/identity/v3/projects/${project.id}` },
    });
    const shown = await app.call('GET', `/projects/${project.id}`, { token: admin });
    expect(shown.status).toBe(200);
    expect(shown.body.project).toEqual(project);
  });

  it('answers 409 for a duplicate name, 400 for a bad body, 404 for another domain', async () => {
    await create('dup');
    const again = await create('dup');
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: {
        code: 409,
        title: 'Conflict',
        message:
          'Conflict occurred attempting to store project - Duplicate entry found with name dup at domain ID default.',
      },
    });
    expect((await app.call('POST', '/projects', { token: admin, body: { project: {} } })).status).toBe(400);
    expect((await app.call('POST', '/projects', { token: admin, body: { name: 'x' } })).status).toBe(400);
    expect((await create('nul\u0000')).status).toBe(400);
    expect((await create('nested', { parent_id: 'abc' })).status).toBe(400);
    const domain = await create('elsewhere', { domain_id: 'other' });
    expect(domain.status).toBe(404);
    expect(domain.body.error?.message).toBe('Could not find domain: other.');
  });

  it('lists all projects for an admin, filtered by ?name=, with collection links', async () => {
    const all = await app.call('GET', '/projects', { token: admin });
    expect(all.status).toBe(200);
    const names = (all.body.projects as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['admin', 'demo', 'service', 'alpha']));
    expect(all.body.links).toEqual({ self: `${app.base}/identity/v3/projects`, previous: null, next: null });
    const byName = await app.call('GET', '/projects?name=alpha', { token: admin });
    expect((byName.body.projects as { name: string }[]).map((p) => p.name)).toEqual(['alpha']);
    expect((byName.body.links as { self: string }).self).toBe(`${app.base}/identity/v3/projects?name=alpha`);
    const none = await app.call('GET', '/projects?name=nope', { token: admin });
    expect(none.body.projects).toEqual([]);
  });

  it('refuses non-admins every write and the full list (403), but shows their own project', async () => {
    const forbidden = (action: string) => ({
      error: {
        code: 403,
        title: 'Forbidden',
        message: `You are not authorized to perform the requested action: identity:${action}.`,
      },
    });
    const list = await app.call('GET', '/projects', { token: demo });
    expect(list.status).toBe(403);
    expect(list.body).toEqual(forbidden('list_projects'));
    const post = await app.call('POST', '/projects', { token: demo, body: { project: { name: 'mine' } } });
    expect(post.body).toEqual(forbidden('create_project'));
    expect((await app.call('DELETE', `/projects/${app.ids.projects.admin}`, { token: demo })).status).toBe(
      403,
    );
    expect(
      (
        await app.call('PATCH', `/projects/${app.ids.projects.demo}`, {
          token: demo,
          body: { project: { name: 'x' } },
        })
      ).status,
    ).toBe(403);
    expect((await app.call('GET', `/projects/${app.ids.projects.demo}`, { token: demo })).status).toBe(200);
    expect((await app.call('GET', `/projects/${app.ids.projects.admin}`, { token: demo })).status).toBe(403);
    expect((await app.call('GET', '/projects')).status).toBe(401);
  });

  it('updates name, description and enabled; a disabled project takes its tokens away', async () => {
    const id = ((await create('beta')).body.project as { id: string }).id;
    const user = await app.call('POST', '/users', {
      token: admin,
      body: { user: { name: 'beta-user', password: 'pw' } },
    });
    const userId = (user.body.user as { id: string }).id;
    expect(
      (
        await app.call('PUT', `/projects/${id}/users/${userId}/roles/${app.ids.roles.member}`, {
          token: admin,
        })
      ).status,
    ).toBe(204);
    const token = await app.token('beta-user', 'pw', 'beta');

    const patched = await app.call('PATCH', `/projects/${id}`, {
      token: admin,
      body: { project: { name: 'beta2', description: 'renamed' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.project).toMatchObject({ name: 'beta2', description: 'renamed', enabled: true });
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(200);
    await app.call('PATCH', `/projects/${id}`, { token: admin, body: { project: { enabled: false } } });
    expect((await app.call('GET', '/auth/projects', { token })).status).toBe(401);
    expect(
      (await app.call('PATCH', '/projects/missing', { token: admin, body: { project: { name: 'x' } } }))
        .status,
    ).toBe(404);
  });

  it('deletes a project with its assignments and tokens, answering 404 afterwards', async () => {
    const id = ((await create('gamma')).body.project as { id: string }).id;
    expect((await app.call('DELETE', `/projects/${id}`, { token: admin })).status).toBe(204);
    const gone = await app.call('GET', `/projects/${id}`, { token: admin });
    expect(gone.status).toBe(404);
    expect(gone.body.error?.message).toBe(`Could not find project: ${id}.`);
    expect((await app.call('DELETE', `/projects/${id}`, { token: admin })).status).toBe(404);
  });

  it('refuses to delete a project that still owns containers, naming how many (409)', async () => {
    const id = ((await create('owner')).body.project as { id: string }).id;
    for (const name of ['one', 'two']) {
      await app.sequelize.query(
        `INSERT INTO containers (uuid, name, project_id, user_id, image, status, created_at, updated_at)
         VALUES (:uuid, :name, :id, 'u', 'busybox', 'Running', now(), now())`,
        { replacements: { uuid: randomUUID(), name, id } },
      );
    }
    const refused = await app.call('DELETE', `/projects/${id}`, { token: admin });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: {
        code: 409,
        title: 'Conflict',
        message: `Cannot delete project owner (${id}): it still owns 2 containers. Delete them first.`,
      },
    });
    expect((await app.call('GET', `/projects/${id}`, { token: admin })).status).toBe(200);
    await app.sequelize.query('DELETE FROM containers WHERE project_id = :id', { replacements: { id } });
    expect((await app.call('DELETE', `/projects/${id}`, { token: admin })).status).toBe(204);
  });

  it('refuses to delete or disable the project holding the last admin (409)', async () => {
    const res = await app.call('DELETE', `/projects/${app.ids.projects.admin}`, { token: admin });
    expect(res.status).toBe(409);
    expect(res.body.error?.message).toMatch(
      /^Refusing to remove the last enabled user holding the admin role/,
    );
    const disable = await app.call('PATCH', `/projects/${app.ids.projects.admin}`, {
      token: admin,
      body: { project: { enabled: false } },
    });
    expect(disable.status).toBe(409);
    expect((await app.call('GET', '/auth/projects', { token: admin })).status).toBe(200);
  });
});
