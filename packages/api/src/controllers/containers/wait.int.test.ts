import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type View = { uuid: string; status: string; status_detail?: string | null };

describe('GET /v1/containers/<ident>?wait_for_status_change= (long-poll)', () => {
  let db: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  const setStatus = async (uuid: string, status: string): Promise<void> => {
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    await sql.query('UPDATE containers SET status = $2 WHERE uuid = $1', [uuid, status]);
    await sql.end();
  };

  it('answers once the status differs from the one given, from Creating to Running, in a few requests', async () => {
    const created = await stack.call<View>('POST', '/v1/containers?run=true', {
      user: 'demo',
      body: { image: BUSYBOX, command: ['sleep', '60'] },
    });
    expect(created.status).toBe(202);
    let status = created.body.status;
    let requests = 0;
    while (status !== 'Running') {
      const r = await stack.call<View>(
        'GET',
        `/v1/containers/${created.body.uuid}?wait_for_status_change=${status}`,
        { user: 'demo' },
      );
      expect(r.status).toBe(200);
      expect(r.body.status).not.toBe(status);
      status = r.body.status;
      requests++;
    }
    // One answer per change, never a poll loop; and a run has one change: the agent writes
    // Running with everything the create learnt, never Created in between.
    expect(requests).toBe(1);
    await stack.call('DELETE', `/v1/containers/${created.body.uuid}?force=True`, { user: 'admin' });
  });

  it('a run changes its row three times: accepted, Running, then what the engine tells of it', async () => {
    // Each write of a row wakes every waiter and every event stream on it: a run makes no
    // write a client could do without (no separate claim, Created or audit write of the row).
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const seen: string[] = [];
    listener.on('notification', (n) => {
      const payload = JSON.parse(n.payload ?? '{}') as { uuid?: string; op?: string };
      if (payload.uuid) seen.push(`${payload.uuid} ${payload.op}`);
    });
    await listener.query('LISTEN zun_container_events');
    try {
      const created = await stack.call<View>('POST', '/v1/containers?run=true', {
        user: 'admin',
        body: { image: BUSYBOX, command: ['sleep', '60'], image_pull_policy: 'ifnotpresent' },
      });
      expect(created.status).toBe(202);
      const uuid = created.body.uuid;
      await stack.waitFor(uuid, (c) => c.status === 'Running' && String(c.status_detail).startsWith('Up'));
      await new Promise((r) => setTimeout(r, 500));
      expect(seen.filter((line) => line.startsWith(uuid))).toEqual([
        `${uuid} insert`,
        `${uuid} update`,
        `${uuid} update`,
      ]);
      await stack.call('DELETE', `/v1/containers/${uuid}?force=True`, { user: 'admin' });
    } finally {
      await listener.end();
    }
  });

  it('holds the answer until the row changes, whoever writes it, and answers within a second', async () => {
    const uuid = await stack.runSleeper();
    const waiting = stack.call<View>(
      'GET',
      `/v1/containers/${uuid}?wait_for_status_change=Running&wait_timeout=20`,
      { user: 'demo' },
    );
    let answered = false;
    void waiting.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(answered).toBe(false);
    const wrote = Date.now();
    await setStatus(uuid, 'Paused');
    const r = await waiting;
    expect(Date.now() - wrote).toBeLessThan(1_000);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('Paused');
    // A status other than the one given answers at once, like a show.
    const t0 = Date.now();
    const now = await stack.call<View>('GET', `/v1/containers/${uuid}?wait_for_status_change=Running`, {
      user: 'demo',
    });
    expect(now.body.status).toBe('Paused');
    expect(Date.now() - t0).toBeLessThan(1_000);
    await setStatus(uuid, 'Running');
    await stack.call('DELETE', `/v1/containers/${uuid}?force=True`, { user: 'admin' });
  });

  it('answers the unchanged row when the wait times out, and a 404 when the row goes meanwhile', async () => {
    const uuid = await stack.runSleeper();
    const t0 = Date.now();
    const same = await stack.call<View>(
      'GET',
      `/v1/containers/${uuid}?wait_for_status_change=Running&wait_timeout=1`,
      { user: 'demo' },
    );
    expect(same.status).toBe(200);
    expect(same.body.status).toBe('Running');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);

    const waiting = stack.call<View>(
      'GET',
      `/v1/containers/${uuid}?wait_for_status_change=Running&wait_timeout=30`,
      {
        user: 'demo',
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    const del = await stack.call('DELETE', `/v1/containers/${uuid}?force=True`, { user: 'admin' });
    expect(del.status).toBe(204);
    // A forced delete may show a last status (Deleting) before the row goes; then the 404.
    let r: { status: number; body: unknown } = await waiting;
    for (let i = 0; i < 3 && r.status === 200; i++) {
      const status = (r.body as View).status;
      expect(status).not.toBe('Running');
      r = await stack.call('GET', `/v1/containers/${uuid}?wait_for_status_change=${status}`, {
        user: 'demo',
      });
    }
    expect(r.status).toBe(404);
  });

  it("refuses bad parameters and never shows another project's container", async () => {
    const uuid = await stack.runSleeper();
    for (const qs of [
      'wait_timeout=5',
      'wait_for_status_change=Running&wait_timeout=0',
      'wait_for_status_change=Running&wait_timeout=61',
      'wait_for_status_change=Running&wait_timeout=x',
    ]) {
      const r = await stack.call('GET', `/v1/containers/${uuid}?${qs}`, { user: 'demo' });
      expect([qs, r.status]).toEqual([qs, 400]);
    }
    const admins = await stack.call<View>('POST', '/v1/containers', {
      user: 'admin',
      body: { image: BUSYBOX, command: ['sleep', '60'] },
    });
    const theirs = await stack.call(
      'GET',
      `/v1/containers/${admins.body.uuid}?wait_for_status_change=Creating`,
      {
        user: 'demo',
      },
    );
    expect(theirs.status).toBe(404);
    await stack.call('DELETE', `/v1/containers/${admins.body.uuid}?force=True`, { user: 'admin' });
    await stack.call('DELETE', `/v1/containers/${uuid}?force=True`, { user: 'admin' });
  });
});
