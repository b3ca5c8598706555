import { QueryTypes } from 'sequelize';
import { createLogger } from '@zun/common';
import { startApi, type RunningApi } from '@zun/api';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;
type Errors = { errors: { status: number; code: string; detail: string }[] };

/**
 * Several zun-api processes on one database: conflicting verbs on one container are accepted
 * once, and a stopping API finishes the requests it is serving.
 */
describe('API concurrency and shutdown (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let second: RunningApi;
  const tasksOf = async (uuid: string): Promise<string[]> =>
    (
      await db.sequelize.query<{ action: string }>(
        'SELECT action FROM compute_tasks WHERE container_uuid = :uuid ORDER BY id',
        { type: QueryTypes.SELECT, replacements: { uuid } },
      )
    ).map((r) => r.action);

  async function container(run: boolean): Promise<string> {
    const r = await stack.call<View>('POST', `/v1/containers${run ? '?run=true' : ''}`, {
      body: { image: BUSYBOX, command: ['sleep', '300'], memory: 32 },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (c) => c.status === (run ? 'Running' : 'Created') && c.task_state === null);
    return uuid;
  }
  /** The same moment through both APIs; answers in the order given. */
  const race = (a: [string, string], b: [string, string]) =>
    Promise.all([
      stack.call<Errors | null>(a[0], a[1]),
      stack.call<Errors | null>(b[0], b[1], { baseUrl: second.url }),
    ]);

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    second = await startApi(stack.config, createLogger('zun-api-2', { format: 'text' }), { migrate: false });
  });
  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
    await db?.drop();
  });

  it('two starts of one container through two APIs: one is accepted, the other is a 409', async () => {
    for (let round = 0; round < 3; round++) {
      const uuid = await container(false);
      const answers = await race(
        ['POST', `/v1/containers/${uuid}/start`],
        ['POST', `/v1/containers/${uuid}/start`],
      );
      expect(answers.map((r) => r.status).sort()).toEqual([202, 409]);
      const refused = answers.find((r) => r.status === 409)!;
      expect(refused.body?.errors[0].code).toBe('container.invalid-state-exception');
      expect(await tasksOf(uuid)).toEqual(['create', 'start']);
      await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    }
  });

  it('stop and delete?stop=True at once: exactly one is accepted, the other is a 409', async () => {
    for (let round = 0; round < 2; round++) {
      const uuid = await container(true);
      const [stop, del] = await race(
        ['POST', `/v1/containers/${uuid}/stop?timeout=0`],
        ['DELETE', `/v1/containers/${uuid}?stop=True`],
      );
      expect([stop.status, del.status].filter((s) => s === 409)).toHaveLength(1);
      expect([stop.status, del.status].filter((s) => s === 202 || s === 204)).toHaveLength(1);
      expect(await tasksOf(uuid)).toEqual(['create', stop.status === 202 ? 'stop' : 'delete']);
      if (stop.status === 202) {
        await stack.waitFor(uuid, (c) => c.status === 'Stopped' && c.task_state === null);
        expect((await stack.call('DELETE', `/v1/containers/${uuid}`)).status).toBe(204);
      }
      await stack.waitFor(uuid, (c) => c.gone === true);
    }
  });

  it('a verb while another is in progress is a 409 naming it; a forced delete still goes through', async () => {
    const uuid = await container(true);
    await stack.stopAgent();
    try {
      expect((await stack.call('POST', `/v1/containers/${uuid}/pause`)).status).toBe(202);
      const kill = await stack.call<Errors>('POST', `/v1/containers/${uuid}/kill`, { baseUrl: second.url });
      expect(kill.status).toBe(409);
      expect(kill.body.errors[0].detail).toMatch(/container_pausing is in progress/);
      expect(
        (
          await stack.call('DELETE', `/v1/containers/${uuid}?force=True`, {
            user: 'admin',
            baseUrl: second.url,
          })
        ).status,
      ).toBe(204);
      expect(await tasksOf(uuid)).toEqual(['create', 'pause', 'delete']);
    } finally {
      await stack.startAgent();
    }
    await stack.waitFor(uuid, (c) => c.gone === true);
  });

  it('stop() lets a request in flight finish with its answer and refuses new connections', async () => {
    const third = await startApi(stack.config, createLogger('zun-api-3', { format: 'text' }), {
      migrate: false,
    });
    const uuid = await container(true);
    const slow = stack.call<{ output: string; exit_code: number }>(
      'POST',
      `/v1/containers/${uuid}/execute?command=${encodeURIComponent("sh -c 'sleep 2; echo finished'")}`,
      { baseUrl: third.url },
    );
    await new Promise((r) => setTimeout(r, 500));
    const stopped = third.stop({ graceMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${third.url}/v1/containers`)).rejects.toThrow();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(expect.objectContaining({ output: 'finished\n', exit_code: 0 }));
    await stopped;
  });
});
