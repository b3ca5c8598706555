import { createTestDatabase, TestDatabase } from '../../../../test/support/db';
import { QueryTypes } from 'sequelize';
import { Container, migrate } from '..';

describe('database migrations (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it('creates every table and is idempotent', async () => {
    expect(await migrate(db.sequelize)).toEqual([]);
    const rows = await db.sequelize.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      { type: QueryTypes.SELECT },
    );
    const names = rows.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'containers',
        'compute_tasks',
        'resource_claims',
        'services',
        'tokens',
        'users',
      ]),
    );
  });

  it('stores JSON columns and defaults', async () => {
    const c = await Container.create({
      uuid: '8f3a6f8e-1111-4222-8333-444455556666',
      name: 'x',
      project_id: 'p',
      user_id: 'u',
      image: 'busybox',
      command: ['sh', '-c', 'echo hi'],
      entrypoint: null,
      status: 'Creating',
      cpu: 1,
      memory: '512',
      environment: { A: 'b' },
      workdir: null,
      hostname: null,
      labels: {},
      image_pull_policy: null,
      restart_policy: null,
      image_driver: 'docker',
      runtime: null,
    });
    const again = await Container.findByPk(c.id);
    expect(again?.command).toEqual(['sh', '-c', 'echo hi']);
    expect(again?.disk).toBe(0);
    expect(again?.cpu_policy).toBe('shared');
  });
});
