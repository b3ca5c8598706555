import { Client } from 'pg';
import { QueryTypes } from 'sequelize';
import { SERVICE_TOKEN_HEADER } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { BUSYBOX, TestStack, type AgentHandle } from '../../../test/support/stack';

type View = Record<string, unknown>;

/**
 * zun-compute starting (no claims before its tally is loaded) and stopping (SIGTERM drains):
 * real daemons, real engine, real PostgreSQL.
 */
describe('zun-compute start-up and shutdown (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let agent: AgentHandle | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    agent = await stack.launchAgent(stack.host);
  });
  afterAll(async () => {
    await agent?.stop();
    await stack?.stop();
    await db?.drop();
  });

  /** The agent's endpoint once it has registered it and reported itself up. */
  const endpointOf = async (): Promise<string | null> => {
    const [row] = await db.sequelize.query<{ endpoint: string | null }>(
      `SELECT endpoint FROM services
        WHERE host = :host AND "binary" = 'zun-compute' AND last_seen_up > now() - interval '10 seconds'`,
      { replacements: { host: stack.host }, type: QueryTypes.SELECT },
    );
    return row?.endpoint ?? null;
  };
  const agentCall = (url: string, method: string, path: string, body?: unknown) =>
    fetch(new URL(path, url), {
      method,
      headers: { [SERVICE_TOKEN_HEADER]: stack.serviceToken, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const claim = (url: string, uuid: string) =>
    agentCall(url, 'POST', '/v1/claims', { container_uuid: uuid, cpu: 0.1, memory: 16, disk: 0 });
  const runSleeper = (): Promise<string> => stack.runSleeper();
  const exited = (a: AgentHandle): Promise<number | null> =>
    a.child.exitCode !== null
      ? Promise.resolve(a.child.exitCode)
      : new Promise((resolve) => a.child.once('exit', (code) => resolve(code)));

  it('answers claims 503 with Retry-After until its tally is loaded; the API queues the create meanwhile', async () => {
    const existing = await runSleeper();
    const before = await endpointOf();
    await agent!.stop();
    agent = null;

    // Holding a lock that the agent's loading of its claims waits for keeps it between
    // listening (and registering its new endpoint) and ready.
    const lock = new Client({ connectionString: db.url });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE resource_claims IN EXCLUSIVE MODE');
    let starting: Promise<AgentHandle> | null = null;
    try {
      starting = stack.launchAgent(stack.host);
      const deadline = Date.now() + 20_000;
      let url: string | null = null;
      while ((url === null || url === before) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        url = await endpointOf();
      }
      expect(url).not.toBe(before);

      const refused = await claim(url!, '00000000-0000-4000-8000-000000000001');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      // (The body also carries the error's cause chain for the API's logs.)
      expect(await refused.json()).toMatchObject({
        error: {
          status: 503,
          code: 'service-unavailable',
          message: 'The compute agent is starting: its claims are not loaded yet.',
        },
      });

      // The user sees neither a 500 nor a lost request: the create waits for the host.
      const created = await stack.call<View>('POST', '/v1/containers?run=true', {
        body: { image: BUSYBOX, command: ['sleep', '600'] },
      });
      expect(created.status).toBe(202);
      // A live resize needs the tally too: 503 in Zun's envelope, not 500.
      const resized = await stack.call<{ errors: View[] }>('PATCH', `/v1/containers/${existing}`, {
        body: { memory: '32' },
      });
      expect(resized.status).toBe(503);
      expect(resized.body.errors[0]).toEqual(
        expect.objectContaining({ status: 503, code: 'container.service-unavailable' }),
      );
      expect(String(resized.body.errors[0].detail)).toContain('is starting');

      await lock.query('COMMIT');
      agent = await starting;
      await stack.waitFor(String(created.body.uuid), (c) => c.status === 'Running' && c.task_state === null);
      const accepted = await claim(agent.url, '00000000-0000-4000-8000-000000000002');
      expect(accepted.status).toBe(201);
      expect(
        (await agentCall(agent.url, 'DELETE', '/v1/claims/00000000-0000-4000-8000-000000000002')).status,
      ).toBe(204);
    } finally {
      await lock.end().catch(() => undefined);
      if (!agent && starting) agent = await starting.catch(() => null);
    }
  });

  it('SIGTERM lets a request and a task in flight finish, refuses new ones, then exits 0', async () => {
    const execIn = await runSleeper();
    const stopped = await runSleeper();
    const a = agent!;

    // A stop of busybox `sleep` (PID 1 ignores SIGTERM) lasts its whole timeout.
    expect((await stack.call('POST', `/v1/containers/${stopped}/stop?timeout=3`)).status).toBe(202);
    await stack.waitFor(stopped, (c) => c.task_state === 'container_stopping');
    const request = agentCall(a.url, 'POST', `/v1/containers/${execIn}/execute`, {
      command: ['sh', '-c', 'sleep 2; echo drained'],
      run: true,
      interactive: false,
    });
    await new Promise((r) => setTimeout(r, 300));
    const exit = exited(a);
    a.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));

    // A new connection is refused; a claim never lands on a draining host.
    const late = await claim(a.url, '00000000-0000-4000-8000-000000000003').then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);

    const answer = await request;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(expect.objectContaining({ output: 'drained\n', exit_code: 0 }));
    expect(await exit).toBe(0);
    agent = null;
    expect(a.output()).toContain('zun-compute stopped');
    expect(a.output()).not.toContain('grace period over');

    // The stop finished before the agent went: the row is settled, the task done.
    const [row] = await db.sequelize.query<{ status: string; task_state: string | null; state: string }>(
      `SELECT c.status, c.task_state, t.state FROM containers c
         JOIN compute_tasks t ON t.container_uuid = c.uuid AND t.action = 'stop'
        WHERE c.uuid = :uuid`,
      { replacements: { uuid: stopped }, type: QueryTypes.SELECT },
    );
    expect(row).toEqual({ status: 'Stopped', task_state: null, state: 'done' });
    agent = await stack.launchAgent(stack.host);
  });

  it('past the grace period it exits anyway and the next start finishes the task', async () => {
    await agent!.stop();
    agent = await stack.launchAgent(stack.host, { ZUN_DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT: '1' });
    const uuid = await runSleeper();
    expect((await stack.call('POST', `/v1/containers/${uuid}/stop?timeout=8`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.task_state === 'container_stopping');
    const a = agent;
    const exit = exited(a);
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    agent = null;
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(a.output()).toContain('grace period over');
    const state = async () =>
      (
        await db.sequelize.query<{ state: string }>(
          `SELECT state FROM compute_tasks WHERE container_uuid = :uuid AND action = 'stop'`,
          { replacements: { uuid }, type: QueryTypes.SELECT },
        )
      )[0].state;
    expect(await state()).toBe('running');

    agent = await stack.launchAgent(stack.host);
    const deadline = Date.now() + 30_000;
    while ((await state()) !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await state()).toBe('done');
    expect(await stack.waitFor(uuid, () => true)).toEqual(
      expect.objectContaining({ status: 'Stopped', task_state: null }),
    );
  });
});
