import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { SERVICE_TOKEN_HEADER } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { TestStack } from '../../../test/support/stack';

/**
 * zun-compute keeps the database connections it opened: after a quiet spell longer than a
 * pool's usual idle time (10 s), the connections of the last burst of claims are still open, so
 * the next burst's claims (on the path of every create's answer) do not open them again.
 * Checked on the backends themselves (by the application name the agent gives them).
 */
describe("zun-compute's database pool (real PostgreSQL)", () => {
  let db: TestDatabase;
  let stack: TestStack;
  let watch: Client;
  const claimed: string[] = [];

  const burst = async (): Promise<void> => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const uuid = randomUUID();
        claimed.push(uuid);
        const r = await fetch(new URL('/v1/claims', stack.agentUrl!), {
          method: 'POST',
          headers: { [SERVICE_TOKEN_HEADER]: stack.serviceToken, 'content-type': 'application/json' },
          body: JSON.stringify({ container_uuid: uuid, cpu: 0.01, memory: 1, disk: 0 }),
        });
        return r.status;
      }),
    );
    expect(answers).toEqual(Array(8).fill(201));
  };

  const backends = async (): Promise<number[]> => {
    const r = await watch.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'zun-compute' ORDER BY pid`,
    );
    return r.rows.map((row) => row.pid);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    watch = new Client({ connectionString: db.url });
    await watch.connect();
  });
  afterAll(async () => {
    await watch?.query('DELETE FROM resource_claims WHERE container_uuid = ANY($1)', [claimed]);
    await watch?.end();
    await stack?.stop();
    await db?.drop();
  });

  it('still has the connections of a burst of claims after 12 s of quiet', async () => {
    await burst();
    // The agent's pool connections (its LISTEN and heartbeat connections are not named so).
    // Several, so that the most recently used one, which the agent's own periodic work keeps
    // busy, is not all there is to check.
    const before = await backends();
    expect(before.length).toBeGreaterThanOrEqual(2);
    // Past the usual 10 s idle time plus the pool's 1 s reaping interval.
    await new Promise((r) => setTimeout(r, 12_000));
    expect(await backends()).toEqual(expect.arrayContaining(before));
    await burst();
  }, 60_000);
});
