import { Client } from 'pg';
import { QueryTypes, type Transaction } from 'sequelize';
import { CONTAINER_TYPE, Container, Quota, QuotaClass, loadConfig, type ZunConfig } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import type { RequestContext } from '../identity/context';
import { insertAndQueue } from './dispatch';
import { checkQuota, OverQuotaError, quotaGuard } from './quotas';

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

  it("reads a project's containers only when a limit applies to what the request adds", async () => {
    // This transaction's own scans of the table, exact and at once (unlike the cumulative views).
    const scansIn = (t: Transaction) =>
      db.sequelize
        .query<{ scans: number }>(
          `SELECT (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::int AS scans
             FROM pg_stat_xact_user_tables WHERE relname = 'containers'`,
          { transaction: t, type: QueryTypes.SELECT },
        )
        .then((rows) => rows[0]?.scans ?? 0);
    const scansOfCheck = (project: string, d: Partial<typeof delta>) =>
      db.sequelize.transaction(async (t) => {
        const before = await scansIn(t);
        await checkQuota(db.sequelize, config, project, d, { transaction: t });
        return (await scansIn(t)) - before;
      });
    // Unlimited in everything: the sum over the project's rows (thousands, for an operator's
    // project) is never run.
    expect(await scansOfCheck('p-limited', delta)).toBe(0);
    // Limited in memory only: a request adding memory is counted, one adding none is not.
    await Quota.create({ project_id: 'p-memory', resource: 'memory', hard_limit: 1024 });
    expect(await scansOfCheck('p-memory', delta)).toBeGreaterThan(0);
    expect(await scansOfCheck('p-memory', { containers: 1, cpu: 0.1, memory: 0, disk: 0 })).toBe(0);
    // A limit from the default class counts as much as a project's own.
    await QuotaClass.create({ class_name: 'default', resource: 'cpu', hard_limit: 10 });
    try {
      expect(await scansOfCheck('p-free', delta)).toBeGreaterThan(0);
    } finally {
      await QuotaClass.destroy({ where: { class_name: 'default', resource: 'cpu' } });
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

  it("a create's one statement counts under the lock, never its own row, and writes nothing when over", async () => {
    const project = 'p-guard';
    await Quota.create({ project_id: project, resource: 'containers', hard_limit: 2 });
    const ctx = { userId: 'u', projectId: project } as RequestContext;
    const insert = (i: number) =>
      insertAndQueue(
        {
          uuid: `00000000-0000-4000-8000-0000000001${i}0`,
          name: `g-${i}`,
          project_id: project,
          user_id: 'u',
          image: 'busybox',
          status: 'Creating',
          host: 'h1',
          cpu: 0.1,
          memory: '64',
        },
        'h1',
        'create',
        { run: true, nets: [], mounts: [] },
        ctx,
        quotaGuard(config, project, delta),
      );
    const written = async () => {
      const [row] = await db.sequelize.query<{ containers: number; actions: number; tasks: number }>(
        `SELECT (SELECT count(*) FROM containers WHERE project_id = :project)::int AS containers,
                (SELECT count(*) FROM container_actions WHERE project_id = :project)::int AS actions,
                (SELECT count(*) FROM compute_tasks t JOIN containers c ON c.uuid = t.container_uuid
                  WHERE c.project_id = :project)::int AS tasks`,
        { type: QueryTypes.SELECT, replacements: { project } },
      );
      return row;
    };
    // Up to the limit exactly: the row being inserted is not counted against itself.
    await insert(1);
    await insert(2);
    expect(await written()).toEqual({ containers: 2, actions: 2, tasks: 2 });
    // Over it: the statement fails whole, with the refusal's numbers.
    const over = insert(3);
    await expect(over).rejects.toBeInstanceOf(OverQuotaError);
    await expect(over).rejects.toThrow('containers (limit 2, in use 2, requested 1)');
    expect(await written()).toEqual({ containers: 2, actions: 2, tasks: 2 });
    // And it waits for the project's lock like any check under it.
    await Quota.update({ hard_limit: 3 }, { where: { project_id: project, resource: 'containers' } });
    const release = await holdLock(project);
    const third = insert(3);
    expect(await settlesWithin(third, 1_000)).toBe(false);
    await release();
    await third;
    expect(await written()).toEqual({ containers: 3, actions: 3, tasks: 3 });
  });
});
