import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { backendsAcrossQuiet } from '../../../test/support/pool';
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
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('still has the connections of a burst after 12 s of quiet', async () => {
    // zun-api's pool connections, by the name it gives them (its LISTEN connection is not
    // named so). Several, so that the most recently used one is not all there is to check;
    // those opened at start-up count as well, since a burst may be served by them alone.
    const { before, after } = await backendsAcrossQuiet(db.url, 'zun-api', burst);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(after).toEqual(expect.arrayContaining(before));
    await burst();
  }, 60_000);
});
