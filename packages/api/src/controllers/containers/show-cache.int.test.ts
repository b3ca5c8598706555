import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;

/**
 * GET /v1/containers/<uuid> from the row cache (events/row-cache.ts): what every polling client
 * asks for is answered from memory, and never staler than the change notifications allow.
 */
describe('the cached show (real PostgreSQL notifications, real engine)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let sql: Client;

  /** How many shows the API answered from memory and from the database so far. */
  const served = async (): Promise<{ cache: number; database: number }> => {
    const text = await (await fetch(`${stack.api.url}/metrics`)).text();
    const count = (source: string) =>
      Number(
        new RegExp(`zun_api_container_show_total\\{source="${source}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0,
      );
    return { cache: count('cache'), database: count('database') };
  };
  const show = (uuid: string, user: 'admin' | 'demo' = 'demo') =>
    stack.call<View>('GET', `/v1/containers/${uuid}`, { user });

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await stack?.stop();
    await db?.drop();
  });

  it('answers a polled container from memory and shows a change made elsewhere once notified', async () => {
    const uuid = await stack.runSleeper();
    expect((await show(uuid)).status).toBe(200);
    const before = await served();
    for (let i = 0; i < 10; i += 1) expect((await show(uuid)).body.status).toBe('Running');
    const after = await served();
    expect(after.cache - before.cache).toBe(10);
    expect(after.database).toBe(before.database);

    // Another process's write (an agent's, another zun-api's) reaches this one by its notification.
    await sql.query("UPDATE containers SET status_detail = 'changed elsewhere' WHERE uuid = $1", [uuid]);
    const deadline = Date.now() + 5_000;
    let seen = (await show(uuid)).body;
    while (seen.status_detail !== 'changed elsewhere' && Date.now() < deadline)
      seen = (await show(uuid)).body;
    expect(seen.status_detail).toBe('changed elsewhere');
  });

  it("reads its own writes at once, and never serves one project's row to another", async () => {
    const uuid = await stack.runSleeper();
    await show(uuid);
    for (let i = 0; i < 15; i += 1) {
      const patched = await stack.call<View>('PATCH', `/v1/containers/${uuid}`, { body: { name: `n-${i}` } });
      expect(patched.status).toBe(200);
      expect((await show(uuid)).body.name).toBe(`n-${i}`);
    }
    const mine = await stack.runSleeper('admin');
    expect((await show(mine, 'admin')).status).toBe(200);
    expect((await show(mine, 'admin')).status).toBe(200);
    expect((await show(mine, 'demo')).status).toBe(404);

    expect((await stack.call('DELETE', `/v1/containers/${uuid}?stop=True`)).status).toBe(204);
    // The row goes once the host has removed the container; until then it says Deleting.
    const gone = await show(uuid);
    expect(gone.status === 404 || gone.body.status === 'Deleting').toBe(true);
    await stack.call('DELETE', `/v1/containers/${mine}?force=True`, { user: 'admin' });
  });

  it('reads the database while the notifications are not being received, and uses memory again after', async () => {
    const uuid = await stack.runSleeper();
    await show(uuid);
    await sql.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    );
    // Until the API has seen its connection go and turned the cache off, a show may come from memory.
    let off = false;
    for (let i = 0; i < 50 && !off; i += 1) {
      const b = await served();
      await show(uuid);
      off = (await served()).database > b.database;
      if (!off) await new Promise((r) => setTimeout(r, 20));
    }
    expect(off).toBe(true);
    // With no notification to come, a write behind its back is still seen by the very next show.
    await sql.query("UPDATE containers SET status_detail = 'while deaf' WHERE uuid = $1", [uuid]);
    expect((await show(uuid)).body.status_detail).toBe('while deaf');

    // The connection comes back within a few seconds, and with it the cache.
    let on = false;
    for (let i = 0; i < 100 && !on; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      await show(uuid);
      const b = await served();
      await show(uuid);
      on = (await served()).cache > b.cache;
    }
    expect(on).toBe(true);
    await sql.query("UPDATE containers SET status_detail = 'heard again' WHERE uuid = $1", [uuid]);
    const deadline = Date.now() + 5_000;
    let seen = (await show(uuid)).body;
    while (seen.status_detail !== 'heard again' && Date.now() < deadline) seen = (await show(uuid)).body;
    expect(seen.status_detail).toBe('heard again');
  });

  it("a change's notification carries the row: the next show needs no read, and is the show a read gives", async () => {
    const uuid = await stack.runSleeper();
    await show(uuid);
    const waitFor = async (detail: string): Promise<View> => {
      const deadline = Date.now() + 5_000;
      let seen = (await show(uuid)).body;
      while (seen.status_detail !== detail && Date.now() < deadline) seen = (await show(uuid)).body;
      expect(seen.status_detail).toBe(detail);
      return seen;
    };
    const before = await served();
    await sql.query(
      "UPDATE containers SET status_detail = 'carried', started_at = now() - interval '1 hour' WHERE uuid = $1",
      [uuid],
    );
    const carried = await waitFor('carried');
    expect((await served()).database).toBe(before.database);
    // The same view as from the database (dates, numbers, JSON columns): the list reads it there.
    const listed = await stack.call<{ containers: View[] }>('GET', '/v1/containers');
    const fromList = listed.body.containers.find((c) => c.uuid === uuid)!;
    const withoutLinks = (v: View) => Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'links'));
    expect(withoutLinks(carried)).toEqual(withoutLinks(fromList));

    // A row too large for a notification is announced without it, and read again.
    const big = { ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`K${i}`, 'v'.repeat(90)])) };
    const read = await served();
    await sql.query("UPDATE containers SET status_detail = 'read', environment = $2 WHERE uuid = $1", [
      uuid,
      JSON.stringify(big),
    ]);
    await waitFor('read');
    expect((await served()).database).toBeGreaterThan(read.database);
  });
});
