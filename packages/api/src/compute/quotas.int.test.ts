import { Client } from 'pg';
import { QueryTypes } from 'sequelize';
import { CONTAINER_TYPE, Container, Quota, loadConfig, type ZunConfig } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { checkQuota, OverQuotaError } from './quotas';

/**
 * The quota check's cost and its lock, against real PostgreSQL: a project unlimited in what a
 * create adds is neither counted nor serialised; a limited one still waits for the project's
 * lock and is refused exactly at its limit.
 */
describe('checkQuota (real PostgreSQL)', () => {
  let db: TestDatabase;
  let holder: Client;
  const config: ZunConfig = loadConfig({});
  config.quota = { ...config.quota, containers: -1, memory: -1, cpu: -1, disk: -1 };
  const delta = { containers: 1, cpu: 0.1, memory: 64, disk: 0 };

  /** Another session holds `project`'s quota lock until the returned function is called. */
  async function holdLock(project: string): Promise<() => Promise<void>> {
    await holder.query('BEGIN');
    await holder.query("SELECT pg_advisory_xact_lock(hashtext('zun-quota:' || $1))", [project]);
    return async () => {
      await holder.query('COMMIT');
    };
  }

  /** Whether `p` settles within `ms`. */
  const settlesWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
    Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
    ]);

  beforeAll(async () => {
    db = await createTestDatabase();
    holder = new Client({ connectionString: db.url });
    await holder.connect();
    const rows = Array.from({ length: 3 }, (_, i) => ({
      uuid: `00000000-0000-4000-8000-00000000000${i}`,
      name: `q-${i}`,
      project_id: 'p-limited',
      user_id: 'u',
      image: 'busybox',
      status: 'Running',
      host: 'h1',
      cpu: 0.1,
      memory: '64',
      container_type: CONTAINER_TYPE.container,
    }));
    await Container.bulkCreate(rows as unknown as Container[]);
  });
  afterAll(async () => {
    await holder?.end();
    await db?.drop();
  });

  it('an unlimited project is not serialised behind its quota lock (nothing to count)', async () => {
    // As a create does: the pre-check's limits are handed to the check under the lock.
    const limits = (await checkQuota(db.sequelize, config, 'p-free', delta)) ?? undefined;
    const release = await holdLock('p-free');
    try {
      const checked = db.sequelize.transaction((t) =>
        checkQuota(db.sequelize, config, 'p-free', delta, { transaction: t, limits }),
      );
      expect(await settlesWithin(checked, 2_000)).toBe(true);
      await checked;
    } finally {
      await release();
    }
  });

  it('a limited project waits for the lock, then counts and refuses exactly at the limit', async () => {
    await Quota.create({ project_id: 'p-limited', resource: 'containers', hard_limit: 4 });
    const limits = (await checkQuota(db.sequelize, config, 'p-limited', delta)) ?? undefined;
    const release = await holdLock('p-limited');
    const first = db.sequelize.transaction(async (t) => {
      await checkQuota(db.sequelize, config, 'p-limited', delta, { transaction: t, limits });
      await db.sequelize.query(
        `INSERT INTO containers (uuid, name, project_id, user_id, image, status, host, cpu, memory, container_type, created_at, updated_at)
         VALUES ('00000000-0000-4000-8000-000000000009', 'q-9', 'p-limited', 'u', 'busybox', 'Running', 'h1', 0.1, '64', :type, now(), now())`,
        { transaction: t, type: QueryTypes.INSERT, replacements: { type: CONTAINER_TYPE.container } },
      );
    });
    expect(await settlesWithin(first, 1_000)).toBe(false);
    await release();
    await first;
    // 4 rows now: the next one is over, and the message says what is counted.
    const over = db.sequelize.transaction((t) =>
      checkQuota(db.sequelize, config, 'p-limited', delta, { transaction: t }),
    );
    await expect(over).rejects.toBeInstanceOf(OverQuotaError);
    await expect(over).rejects.toThrow('containers (limit 4, in use 4, requested 1)');
  });
});
