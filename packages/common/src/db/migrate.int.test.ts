import { createTestDatabase, TestDatabase } from '../../../../test/support/db';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { QueryTypes, Sequelize } from 'sequelize';
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

  it('two runners started together on a fresh database both succeed, one after the other', async () => {
    // Plain pools without the models: openDatabase would rebind them away from this file's database.
    const base = process.env.ZUN_TEST_PG_URL!;
    const name = `zt_mig_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const pool = () => new Sequelize(`${base}/${name}`, { dialect: 'postgres', logging: false });
    const [one, two] = [pool(), pool()];
    try {
      const [a, b] = await Promise.all([migrate(one), migrate(two)]);
      // Exactly one of them did the work; the other waited and found nothing left to do.
      expect([a, b].filter((applied) => applied.length > 0)).toHaveLength(1);
      const applied = a.length ? a : b;
      const rows = await one.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY 1', {
        type: QueryTypes.SELECT,
      });
      expect(rows.map((r) => r.name)).toEqual(applied);
      expect(applied[0]).toBe('001-initial');
      const tables = await one.query<{ n: string }>(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'containers'",
        { type: QueryTypes.SELECT },
      );
      expect(Number(tables[0].n)).toBe(1);
      expect(await migrate(two)).toEqual([]);
    } finally {
      await Promise.all([one.close(), two.close()]);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
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
