import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { TestStack } from '../../../test/support/stack';

/**
 * zun-api keeps the database connections it opened: a burst of requests after a quiet spell
 * longer than a pool's usual idle time (10 s) is served on the same connections, not on new
 * ones opened inside the requests.
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

  it('serves a burst after 12 s of quiet on the connections it already had', async () => {
    await burst();
    const mark = (await watch.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0].now;
    // Past the 10 s idle time plus the pool's 1 s reaping interval.
    await new Promise((r) => setTimeout(r, 12_000));
    await burst();
    const opened = await watch.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_start > $1`,
      [mark],
    );
    expect(Number(opened.rows[0].n)).toBe(0);
  }, 60_000);
});
