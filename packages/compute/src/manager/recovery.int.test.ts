import { QueryTypes } from 'sequelize';
import { SERVICE_TOKEN_HEADER } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX, TestStack, type AgentHandle } from '../../../../test/support/stack';

type View = Record<string, unknown>;

interface TaskRow {
  id: string;
  state: string;
  error: string | null;
}

/**
 * What an agent leaves behind when a task throws or when it dies mid-task, and what the next
 * start makes of it: real zun-compute processes, real engine, real PostgreSQL.
 */
describe('task failures and recovery at start (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let agent: AgentHandle | null = null;

  const startAgent = async (): Promise<AgentHandle> => {
    agent = await stack.launchAgent(stack.host);
    return agent;
  };
  const killAgent = async (): Promise<void> => {
    await agent?.stop('SIGKILL');
    agent = null;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await startAgent();
  });
  afterAll(async () => {
    await agent?.stop();
    await stack?.stop();
    await db?.drop();
  });

  const q = <T extends object>(sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> =>
    db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const tasksOf = (uuid: string): Promise<TaskRow[]> =>
    q<TaskRow>('SELECT id, state, error FROM compute_tasks WHERE container_uuid = :uuid ORDER BY id', {
      uuid,
    });
  const eventsOf = (uuid: string, action: string) =>
    q<{ event: string; result: string; traceback: string | null; message: string | null }>(
      `SELECT e.event, e.result, e.traceback, a.message FROM container_action_events e
         JOIN container_actions a ON a.id = e.action_id
        WHERE a.container_uuid = :uuid AND a.action = :action ORDER BY e.id`,
      { uuid, action },
    );
  const waitUntil = async (
    what: string,
    check: () => Promise<boolean>,
    timeoutMs = 30_000,
  ): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; agent: ${agent?.output().slice(-3000)}`);
  };
  const runSleeper = (): Promise<string> => stack.runSleeper();
  const stop = async (uuid: string, timeout: number): Promise<void> => {
    expect((await stack.call('POST', `/v1/containers/${uuid}/stop?timeout=${timeout}`)).status).toBe(202);
  };
  /** busybox `sleep` as PID 1 ignores SIGTERM: a stop lasts its whole timeout. */
  const stopInFlight = (uuid: string) =>
    waitUntil(`the stop of ${uuid} to be running`, async () => {
      const [row] = await q<{ task_state: string | null }>(
        'SELECT task_state FROM containers WHERE uuid = :uuid',
        {
          uuid,
        },
      );
      return row?.task_state === 'container_stopping';
    });

  it('a task that throws leaves its container in Error with the reason and no task state', async () => {
    const uuid = await runSleeper();
    // The database refuses the write that records the stop (and the command's own fallback):
    // the command throws instead of settling the row.
    await db.sequelize.query(`
      CREATE FUNCTION zt_refuse_stopped() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'Stopped' AND NEW.uuid = '${uuid}' THEN
          RAISE EXCEPTION 'could not extend file: No space left on device';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER zt_refuse_stopped BEFORE UPDATE ON containers
        FOR EACH ROW EXECUTE FUNCTION zt_refuse_stopped();`);
    try {
      await stop(uuid, 1);
      await waitUntil('the stop task to fail', async () => (await tasksOf(uuid)).at(-1)?.state === 'failed');
      const view = await stack.waitFor(uuid, (c) => c.task_state === null, 5_000);
      expect(view.status).toBe('Error');
      expect(view.status_reason).toBe(
        `The stop failed unexpectedly on host ${stack.host}: could not extend file: No space left on device`,
      );
      expect((await tasksOf(uuid)).at(-1)?.error).toContain('No space left on device');
      const events = await eventsOf(uuid, 'stop');
      expect(events.at(-1)).toEqual(expect.objectContaining({ result: 'Error', message: 'Error' }));
    } finally {
      await db.sequelize.query(
        'DROP TRIGGER zt_refuse_stopped ON containers; DROP FUNCTION zt_refuse_stopped();',
      );
    }
    // Without a task state the reconcile takes the row back to what the engine shows.
    const synced = await stack.waitFor(uuid, (c) => c.status === 'Stopped', 15_000);
    expect(synced.task_state).toBeNull();
  });

  it('an action this agent does not know fails visibly instead of hanging', async () => {
    // runSleeper returns once the create task has ended, so its row writes are over.
    const uuid = await runSleeper();
    // A newer API queued it; the agent's write of the task state happens in the API's place here.
    await db.sequelize.query(
      `UPDATE containers SET task_state = 'container_rebooting' WHERE uuid = :uuid;
       INSERT INTO compute_tasks (container_uuid, host, action, params, state, created_at, updated_at)
       VALUES (:uuid, :host, 'hibernate', '{}', 'pending', now(), now());
       SELECT pg_notify('zun_compute_tasks', :host);`,
      { replacements: { uuid, host: stack.host } },
    );
    // The API's cached show sees the raw UPDATE above only once its notification arrives, so
    // `task_state === null` alone could match the row as it was before; wait for the outcome.
    const view = await stack.waitFor(uuid, (c) => c.status === 'Error' && c.task_state === null);
    expect(view.status_reason).toBe(
      `The hibernate failed unexpectedly on host ${stack.host}: unknown task action hibernate`,
    );
    expect((await tasksOf(uuid)).map((t) => t.state)).toContain('failed');
  });

  it('at start, tasks cut short by a crash run again, a second interruption fails them, stale task states go', async () => {
    const quick = await runSleeper();
    const slow = await runSleeper();
    const stale = await runSleeper();
    const vanished = await runSleeper();

    await stop(quick, 3);
    await stop(slow, 120);
    await stopInFlight(quick);
    await stopInFlight(slow);
    // Taken by the agent, not merely accepted: only a running task is "cut short" by the kill.
    for (const uuid of [quick, slow]) {
      await waitUntil(
        'the stop task to be taken',
        async () => (await tasksOf(uuid)).at(-1)?.state === 'running',
      );
    }
    await killAgent();

    // What a task that failed without clearing its row (the old runner) leaves, and a row whose
    // Docker container went while nobody watched, behind a task state of a task that is over.
    const idOf = async (uuid: string): Promise<string> =>
      (
        await q<{ container_id: string }>('SELECT container_id FROM containers WHERE uuid = :uuid', { uuid })
      )[0].container_id;
    await stack.docker.getContainer(await idOf(stale)).stop({ t: 0 });
    await stack.docker.getContainer(await idOf(vanished)).remove({ force: true });
    await db.sequelize.query(
      `UPDATE containers SET task_state = 'container_pausing' WHERE uuid = :stale;
       UPDATE containers SET task_state = 'container_rebooting', status = 'Restarting' WHERE uuid = :vanished;
       INSERT INTO compute_tasks (container_uuid, host, action, params, state, error, created_at, updated_at)
       VALUES (:stale, :host, 'pause', '{}', 'failed', 'Error: lost', now(), now());`,
      { replacements: { stale, vanished, host: stack.host } },
    );
    expect((await tasksOf(quick)).at(-1)?.state).toBe('running');

    await startAgent();
    // Cleared before the agent said it started: status from the engine, no task state.
    const [staleRow] = await q<{ status: string; task_state: string | null }>(
      'SELECT status, task_state FROM containers WHERE uuid = :uuid',
      { uuid: stale },
    );
    expect(staleRow).toEqual({ status: 'Stopped', task_state: null });
    const gone = await stack.waitFor(vanished, () => true);
    expect(gone).toEqual(expect.objectContaining({ status: 'Error', task_state: null }));
    expect(gone.status_reason).toMatch(
      new RegExp(
        `^zun-compute on ${stack.host} stopped during container_rebooting and the container has no Docker container`,
      ),
    );

    // The interrupted stops run again; the quick one finishes.
    const done = await stack.waitFor(quick, (c) => c.status === 'Stopped' && c.task_state === null);
    expect(done.status_reason).toBeNull();
    // The row settles before the task records its end.
    await waitUntil(
      'the stop to record its end',
      async () => (await tasksOf(quick)).at(-1)?.state !== 'running',
    );
    expect((await tasksOf(quick)).at(-1)).toEqual(
      expect.objectContaining({ state: 'done', error: 'interrupted by an agent restart' }),
    );

    // The slow one is interrupted again: the next start fails it instead of retrying for ever.
    // Running *again*: re-queued by the recovery (which marks it interrupted) and taken once more.
    // Its state was already 'running' from before the first kill, so the state alone proves nothing.
    await waitUntil('the stop to run again', async () => {
      const last = (await tasksOf(slow)).at(-1);
      return last?.state === 'running' && last.error === 'interrupted by an agent restart';
    });
    await killAgent();
    await startAgent();
    // Recovery runs as the agent starts; under load its write may land just after the start line.
    await waitUntil(
      'the recovery to fail the slow stop',
      async () => (await tasksOf(slow)).at(-1)?.state !== 'running',
    );
    const [slowTask] = (await tasksOf(slow)).slice(-1);
    expect(slowTask).toEqual(
      expect.objectContaining({
        state: 'failed',
        error: 'interrupted by an agent restart twice; not run again',
      }),
    );
    const slowView = await stack.waitFor(slow, (c) => c.task_state === null);
    // The container itself is what the engine shows (the engine may still be stopping it).
    expect(['Error', 'Running', 'Stopped']).toContain(slowView.status);
    const events = await eventsOf(slow, 'stop');
    expect(events.at(-1)).toEqual(
      expect.objectContaining({ event: 'compute__do_container_stop', result: 'Error', message: 'Error' }),
    );
    expect(events.at(-1)?.traceback).toContain(
      `The stop was interrupted twice by a restart of zun-compute on ${stack.host} and was not run again`,
    );
  });
  it('a create run again after its first run made the Docker container without recording it replaces that container', async () => {
    await killAgent();
    // Queued for the agent that is down (its service still looks up).
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '600'] },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    // What a first run cut short after `docker create` leaves: a container of that name.
    await stack.docker
      .pull(BUSYBOX)
      .then(
        (stream: NodeJS.ReadableStream) =>
          new Promise((resolve) => stack.docker.modem.followProgress(stream, resolve)),
      );
    const first = await stack.docker.createContainer({
      name: `zun-${uuid}`,
      Image: BUSYBOX,
      Cmd: ['sleep', '600'],
      Labels: { 'org.openstack.zun.host': stack.host, 'org.openstack.zun.uuid': uuid },
    });
    await startAgent();
    const view = await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null, 60_000);
    expect(view.status_reason).toBeNull();
    const now = await stack.docker.getContainer(`zun-${uuid}`).inspect();
    expect(now.Id).not.toBe(first.id);
    expect(now.State.Running).toBe(true);
    await expect(stack.docker.getContainer(first.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a held create is taken by its claim; one never claimed (zun-api stopped in between) is run after a grace period', async () => {
    await killAgent();
    const create = async (): Promise<string> => {
      const r = await stack.call<View>('POST', '/v1/containers?run=true', {
        body: { image: BUSYBOX, command: ['sleep', '600'] },
      });
      expect(r.status).toBe(202);
      return String(r.body.uuid);
    };
    const [old, fresh] = [await create(), await create()];
    // As zun-api leaves them when it stops between recording a create and claiming it: held,
    // one for longer than the grace period ([compute] orphan_claim_grace, 60 s), one just now.
    await db.sequelize.query(
      `UPDATE compute_tasks SET state = 'held',
              created_at = CASE WHEN container_uuid = :old THEN now() - interval '200 seconds' ELSE now() END
        WHERE container_uuid IN (:old, :fresh)`,
      { replacements: { old, fresh } },
    );
    await startAgent();
    const view = await stack.waitFor(old, (c) => c.status === 'Running' && c.task_state === null, 60_000);
    expect(view.status_reason).toBeNull();
    // The fresh one still waits for its claim: a drain does not take it.
    await db.sequelize.query("SELECT pg_notify('zun_compute_tasks', :host)", {
      replacements: { host: stack.host },
    });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await tasksOf(fresh)).map((t) => t.state)).toEqual(['held']);
    // Its claim takes it, in the claim's own statement, and the agent runs it at once.
    const claimed = await fetch(`${agent!.url}/v1/claims`, {
      method: 'POST',
      headers: { [SERVICE_TOKEN_HEADER]: stack.serviceToken, 'content-type': 'application/json' },
      body: JSON.stringify({ container_uuid: fresh, cpu: 1, memory: 512, disk: 0, take_task: true }),
    });
    expect(claimed.status).toBe(201);
    expect(((await claimed.json()) as { task_taken?: boolean }).task_taken).toBe(true);
    await stack.waitFor(fresh, (c) => c.status === 'Running' && c.task_state === null, 60_000);
  });
});
