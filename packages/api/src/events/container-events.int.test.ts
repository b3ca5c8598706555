import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { EventStreamClient as Stream } from '../../../../test/support/event-stream';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;

describe('GET /v1/containers/events (server-sent events fed by PostgreSQL NOTIFY)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const streams: Stream[] = [];
  const open = async (user: 'admin' | 'demo', qs = ''): Promise<Stream> => {
    const s = await Stream.open(`${stack.api.url}/v1/containers/events${qs}`, await stack.token(user));
    streams.push(s);
    if (s.status === 200) await s.waitFor((e) => e.event === 'ready', 5_000);
    return s;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await stack?.stop();
    await db?.drop();
  });

  it('is refused without a token, and all_projects is for admins only', async () => {
    const anon = await fetch(`${stack.api.url}/v1/containers/events`);
    expect(anon.status).toBe(401);
    const demoAll = await open('demo', '?all_projects=True');
    expect(demoAll.status).toBe(403);
  });

  it("streams the caller's rows from creation to Running and removal, never another project's", async () => {
    const demo = await open('demo');
    const admin = await open('admin');
    const adminAll = await open('admin', '?all_projects=True');

    const mine = await stack.call<View>('POST', '/v1/containers?run=true', {
      user: 'demo',
      body: { image: BUSYBOX, name: 'streamed', command: ['sleep', '60'] },
    });
    expect(mine.status).toBe(202);
    const uuid = String(mine.body.uuid);
    const created = await demo.waitFor((e) => e.event === 'container' && e.data.uuid === uuid);
    expect(created.data.name).toBe('streamed');
    // Admin-only fields stay hidden from a member, as in GET.
    expect(created.data).not.toHaveProperty('host');
    await demo.waitFor((e) => e.event === 'container' && e.data.uuid === uuid && e.data.status === 'Running');
    // The stream follows the row: the status reached it within a second of being written.
    const row = await stack.call<View>('GET', `/v1/containers/${uuid}`, { user: 'demo' });
    expect(row.body.status).toBe('Running');

    await adminAll.waitFor((e) => e.event === 'container' && e.data.uuid === uuid && 'host' in e.data);
    const theirs = await stack.call<View>('POST', '/v1/containers', {
      user: 'admin',
      body: { image: BUSYBOX, name: 'admins', command: ['sleep', '60'] },
    });
    const adminUuid = String(theirs.body.uuid);
    await admin.waitFor((e) => e.event === 'container' && e.data.uuid === adminUuid);
    await adminAll.waitFor((e) => e.event === 'container' && e.data.uuid === adminUuid);

    const del = await stack.call('DELETE', `/v1/containers/${uuid}?stop=True`, { user: 'demo' });
    expect(del.status).toBe(204);
    await demo.waitFor((e) => e.event === 'removed' && e.data.uuid === uuid);
    // The admin's own-project stream never saw the member's container, nor the member the admin's.
    expect(admin.events.some((e) => e.data.uuid === uuid)).toBe(false);
    expect(demo.events.some((e) => e.data.uuid === adminUuid)).toBe(false);
    await stack.call('DELETE', `/v1/containers/${adminUuid}?force=True`, { user: 'admin' });
  });

  it('delivers a change within a second of its commit, whoever wrote the row', async () => {
    const uuid = await stack.runSleeper();
    const demo = await open('demo');
    const r = await stack.call('POST', `/v1/containers/${uuid}/pause`, { user: 'demo' });
    expect(r.status).toBe(202);
    await demo.waitFor((e) => e.data.uuid === uuid && e.data.status === 'Paused', 10_000);
    // A write outside the API (as an agent's event handler makes it) is streamed too.
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    const wrote = Date.now();
    await sql.query("UPDATE containers SET status_detail = 'written by hand' WHERE uuid = $1", [uuid]);
    await sql.end();
    const seen = await demo.waitFor(
      (e) => e.data.uuid === uuid && e.data.status_detail === 'written by hand',
    );
    expect(seen.at - wrote).toBeLessThan(1_000);
    // A capsule's part is not a container to /v1/containers, nor to the stream.
    const again = new Client({ connectionString: db.url });
    await again.connect();
    await again.query('UPDATE containers SET container_type = 2 WHERE uuid = $1', [uuid]);
    await again.query("UPDATE containers SET status_detail = 'a member now' WHERE uuid = $1", [uuid]);
    // Longer than the stream's batching, so the change would have been sent on its own.
    await new Promise((r) => setTimeout(r, 500));
    await again.query(
      "UPDATE containers SET container_type = 0, status_detail = 'plain again' WHERE uuid = $1",
      [uuid],
    );
    await again.end();
    await demo.waitFor((e) => e.data.uuid === uuid && e.data.status_detail === 'plain again');
    expect(demo.events.some((e) => e.data.status_detail === 'a member now')).toBe(false);
    await stack.call('DELETE', `/v1/containers/${uuid}?force=True`, { user: 'admin' });
  });

  it('ends open streams when the API stops, so the drain is not held for its grace', async () => {
    const s = await open('demo');
    const t0 = Date.now();
    await stack.api.stop({ graceMs: 20_000 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    s.close();
    await stack.startApi();
  });
});
