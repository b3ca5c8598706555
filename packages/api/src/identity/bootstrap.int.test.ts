import { createLogger, Project, Role, RoleAssignment, User } from '@zun/common';
import { createTestDatabase, TestDatabase } from '../../../../test/support/db';
import { bootstrapIdentity } from './bootstrap';
import { verifyPassword } from './passwords';

describe('identity bootstrap (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  const counts = async () => ({
    projects: await Project.count(),
    users: await User.count(),
    roles: await Role.count(),
    assignments: await RoleAssignment.count(),
  });

  it('creates roles, projects, users and assignments with Keystone-style ids', async () => {
    const result = await bootstrapIdentity({ adminPassword: 'adminpw', demoPassword: 'demopw' });
    expect(result.domainId).toBe('default');
    const ids = [
      ...Object.values(result.roles),
      ...Object.values(result.projects),
      ...Object.values(result.users),
    ];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);

    const admin = await User.findOne({ where: { name: 'admin' } });
    expect(admin).toMatchObject({
      domain_id: 'default',
      default_project_id: result.projects.admin,
      enabled: true,
    });
    expect(await verifyPassword('adminpw', admin!.password_hash)).toBe(true);
    const demo = await User.findOne({ where: { name: 'demo' } });
    expect(demo?.default_project_id).toBe(result.projects.demo);

    expect(
      await RoleAssignment.findOne({
        where: { user_id: admin!.id, project_id: result.projects.admin, role_id: result.roles.admin },
      }),
    ).not.toBeNull();
    expect(
      await RoleAssignment.findOne({
        where: { user_id: demo!.id, project_id: result.projects.demo, role_id: result.roles.member },
      }),
    ).not.toBeNull();
    expect(await counts()).toEqual({ projects: 3, users: 2, roles: 3, assignments: 2 });
  });

  it('is idempotent and keeps existing passwords', async () => {
    const first = await bootstrapIdentity({ adminPassword: 'adminpw', demoPassword: 'demopw' });
    const second = await bootstrapIdentity({ adminPassword: 'changed', demoPassword: 'changed' });
    expect(second).toEqual(first);
    expect(await counts()).toEqual({ projects: 3, users: 2, roles: 3, assignments: 2 });
    const admin = await User.findOne({ where: { name: 'admin' } });
    expect(await verifyPassword('adminpw', admin!.password_hash)).toBe(true);
  });

  it('survives concurrent starts', async () => {
    const runs = await Promise.all(
      [1, 2, 3].map(() => bootstrapIdentity({ adminPassword: 'a', demoPassword: 'd' })),
    );
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(await counts()).toEqual({ projects: 3, users: 2, roles: 3, assignments: 2 });
  });

  it('restores a missing assignment but does not create users without a password', async () => {
    await RoleAssignment.destroy({ where: {} });
    await User.destroy({ where: { name: 'demo' } });
    const logger = createLogger('test');
    const warn = jest.spyOn(logger, 'warn').mockReturnValue(logger);
    const result = await bootstrapIdentity({ adminPassword: '', demoPassword: '' }, logger);
    expect(result.users.demo).toBeUndefined();
    expect(result.users.admin).toMatch(/^[0-9a-f]{32}$/);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('"demo"'));
    expect(await counts()).toEqual({ projects: 3, users: 1, roles: 3, assignments: 1 });
  });
});
