import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { SERVICE_TOKEN_HEADER } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { backendsAcrossQuiet } from '../../../test/support/pool';
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

  const claim = async (): Promise<number> => {
    const r = await fetch(new URL('/v1/claims', stack.agentUrl!), {
      method: 'POST',
      headers: { [SERVICE_TOKEN_HEADER]: stack.serviceToken, 'content-type': 'application/json' },
      body: JSON.stringify({ container_uuid: randomUUID(), cpu: 0.01, memory: 1, disk: 0 }),
    });
    return r.status;
  };

  /**
   * Eight claims at once, each made to hold a connection of its own: they wait on a lock of the
   * claims table until all eight wait, so the burst needs eight connections however fast the
   * machine answers.
   */
  const burst = async (): Promise<void> => {
    const lock = new Client({ connectionString: db.url });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE resource_claims IN EXCLUSIVE MODE');
      const answers = Promise.all(Array.from({ length: 8 }, claim));
      // At most 5 s: the agent's first claims after its start may reach the table only once
      // the lock is gone (they then still open their connections, which is what is checked).
      const deadline = Date.now() + 5_000;
      for (;;) {
        const waiting = await lock.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'zun-compute'
              AND wait_event_type = 'Lock'`,
        );
        if (waiting.rows[0].n >= 8 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await lock.query('COMMIT');
      expect(await answers).toEqual(Array(8).fill(201));
    } finally {
      await lock.end();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    // Claims are answered once the agent's start-up work on the claims table is done; the
    // burst's lock must not hold that work up.
    const deadline = Date.now() + 20_000;
    while ((await claim()) !== 201 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('still has the connections of a burst of claims after 12 s of quiet', async () => {
    // The agent's pool connections (its LISTEN and heartbeat connections are not named so):
    // the burst's eight, so that the most recently used one, which the agent's own periodic
    // work keeps busy, is not all there is to check.
    const { before, after } = await backendsAcrossQuiet(db.url, 'zun-compute', burst);
    expect(before.length).toBeGreaterThanOrEqual(8);
    expect(after).toEqual(expect.arrayContaining(before));
    await burst();
  }, 60_000);
});
