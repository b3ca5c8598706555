import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { TestStack } from '../../../test/support/stack';

/**
 * zun-api keeps the database connections it opened: after a quiet spell longer than a pool's
 * usual idle time (10 s), the connections of the last burst are still open, so the next burst
 * is not slowed by connections opened inside its requests.
 *
 * The check is on the backends themselves (the same PostgreSQL pids before and after the quiet),
 * not on a count of new ones: how many connections a burst needs depends on how its requests
 * happen to overlap, so a burst may open none or one more than the one before did.
 */
describe("zun-api's database pool (real PostgreSQL)", () => {
  let db: TestDatabase;
  let stack: TestStack;
  let watch: Client;

  const burst = async (): Promise<void> => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => stack.call('GET', '/v1/containers?limit=100')),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
  };

  /** The backends of this database other than the watcher's own. */
  const backends = async (): Promise<number[]> => {
    const r = await watch.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'zun-api' ORDER BY pid`,
    );
    return r.rows.map((row) => row.pid);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    watch = new Client({ connectionString: db.url });
    await watch.connect();
  });
  afterAll(async () => {
    await watch?.end();
    await stack?.stop();
    await db?.drop();
  });

  it('still has the connections of a burst after 12 s of quiet', async () => {
    await burst();
    // zun-api's pool connections, by the name it gives them (its LISTEN connection is not
    // named so). Several, so that the most recently used one is not all there is to check;
    // those opened at start-up count as well, since a burst may be served by them alone.
    const before = await backends();
    expect(before.length).toBeGreaterThanOrEqual(2);
    // Past the 10 s idle time plus the pool's 1 s reaping interval.
    await new Promise((r) => setTimeout(r, 12_000));
    const after = await backends();
    expect(after).toEqual(expect.arrayContaining(before));
    await burst();
  }, 60_000);
});
