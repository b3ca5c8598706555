import { execFileSync } from 'node:child_process';
import { QueryTypes } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type Errors = { errors: { code: string; title: string; detail: string }[] };
interface ActionView {
  action: string;
  request_id: string;
  user_id: string;
  project_id: string;
  container_uuid: string;
  message: string | null;
  start_time: string;
  finish_time: string | null;
  events?: { event: string; result: string | null; traceback: string | null; finish_time: string }[];
}

const ISO_MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

/**
 * reboot, pause/unpause, kill, rebuild and the container actions API, end to end: zun-api,
 * a real zun-compute daemon, PostgreSQL and the Docker engine; effects checked in Docker.
 */
describe('container verbs (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const count = async (sql: string): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT }))[0].n);
  const docker = (uuid: string) => stack.docker.getContainer(`zun-${uuid}`).inspect();

  /** A running container; `command` defaults to a long sleep. */
  async function running(command: string[] = ['sleep', '300'], extra: View = {}): Promise<string> {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command, memory: 32, cpu: 0.1, ...extra },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    return uuid;
  }
  const act = (uuid: string, verb: string) =>
    stack.call<Errors | null>('POST', `/v1/containers/${uuid}/${verb}`);
  const lastAction = async (uuid: string, name: string): Promise<ActionView> => {
    const list = await stack.call<{ containerActions: ActionView[] }>(
      'GET',
      `/v1/containers/${uuid}/container_actions`,
    );
    expect(list.status).toBe(200);
    const a = list.body.containerActions.find((x) => x.action === name);
    if (!a) throw new Error(`no ${name} action in ${JSON.stringify(list.body)}`);
    const show = await stack.call<ActionView>(
      'GET',
      `/v1/containers/${uuid}/container_actions/${a.request_id}`,
      { user: 'admin' },
    );
    expect(show.status).toBe(200);
    return show.body;
  };
  /** The action's events once the host closed it. */
  const finished = async (uuid: string, name: string): Promise<ActionView> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const a = await lastAction(uuid, name);
      if (a.finish_time || Date.now() > deadline) return a;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

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

  it('pause and unpause: Docker pauses the container; wrong states answer 409 and queue nothing', async () => {
    const uuid = await running();
    expect((await act(uuid, 'unpause')).status).toBe(409);

    expect((await act(uuid, 'pause')).status).toBe(202);
    const paused = await stack.waitFor(uuid, (c) => c.status === 'Paused' && c.task_state === null);
    expect(paused.status_detail).toMatch(/\(paused\)$/);
    expect((await docker(uuid)).State.Paused).toBe(true);

    const tasks = await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${uuid}'`);
    for (const verb of ['pause', 'reboot', 'kill', 'rebuild', 'stop', 'start']) {
      const r = await act(uuid, verb);
      expect(r.status).toBe(409);
      expect(r.body?.errors[0].code).toBe('container.invalid-state-exception');
      expect(r.body?.errors[0].detail ?? r.body?.errors[0].title).toContain('Paused');
    }
    expect(await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${uuid}'`)).toBe(
      tasks,
    );

    expect((await act(uuid, 'unpause')).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    expect((await docker(uuid)).State.Paused).toBe(false);
    expect((await docker(uuid)).State.Running).toBe(true);

    const pause = await finished(uuid, 'pause');
    expect(pause.message).toBeNull();
    expect(pause.events?.map((e) => [e.event, e.result])).toEqual([
      ['compute__do_container_pause', 'Success'],
    ]);
    const unpause = await finished(uuid, 'unpause');
    expect(unpause.events?.map((e) => [e.event, e.result])).toEqual([
      ['compute__do_container_unpause', 'Success'],
    ]);
  });

  it('reboot: Restarting at once, then Running with a new StartedAt; a never-started container starts', async () => {
    const uuid = await running();
    const before = (await docker(uuid)).State.StartedAt;
    expect((await stack.call('POST', `/v1/containers/${uuid}/reboot?timeout=abc`)).status).toBe(400);
    // sleep as PID 1 ignores SIGTERM, so the restart waits the whole timeout: long enough to see.
    expect((await act(uuid, 'reboot?timeout=1')).status).toBe(202);
    const during = await stack.call<View>('GET', `/v1/containers/${uuid}`);
    expect(during.body.status).toBe('Restarting');
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    const after = await docker(uuid);
    expect(after.State.Running).toBe(true);
    expect(new Date(after.State.StartedAt).getTime()).toBeGreaterThan(new Date(before).getTime());
    const reboot = await finished(uuid, 'reboot');
    expect(reboot.message).toBeNull();
    expect(reboot.events?.map((e) => [e.event, e.result])).toEqual([
      ['compute__do_container_reboot', 'Success'],
    ]);

    const created = await stack.call<View>('POST', '/v1/containers', {
      body: { image: BUSYBOX, command: ['sleep', '300'], memory: 32, cpu: 0.1 },
    });
    const id = String(created.body.uuid);
    await stack.waitFor(id, (c) => c.status === 'Created');
    expect((await act(id, 'reboot')).status).toBe(202);
    await stack.waitFor(id, (c) => c.status === 'Running' && c.task_state === null);
    expect((await docker(id)).State.Running).toBe(true);
  });

  it('reboot of a container removed behind our back ends in Error with the reason, not Restarting', async () => {
    const uuid = await running();
    await stack.docker.getContainer(`zun-${uuid}`).remove({ force: true });
    await stack.waitFor(uuid, (c) => c.status === 'Error');
    expect((await act(uuid, 'reboot?timeout=1')).status).toBe(202);
    const c = await stack.waitFor(uuid, (v) => v.status === 'Error' && v.task_state === null, 15_000);
    expect(String(c.status_reason)).toMatch(/No such container/i);
    const reboot = await finished(uuid, 'reboot');
    expect(reboot.message).toBe('Error');
    expect(reboot.events?.[0]).toMatchObject({ event: 'compute__do_container_reboot', result: 'Error' });
    expect(reboot.events?.[0].traceback).toBeTruthy(); // admin sees it
    const asDemo = await stack.call<ActionView>(
      'GET',
      `/v1/containers/${uuid}/container_actions/${reboot.request_id}`,
    );
    expect(asDemo.body.events?.[0].traceback).toBeNull();
  });

  it('kill: bad signals are refused before anything is queued; the signal reaches the process', async () => {
    // The shell traps USR1 and exits 3: the exit code proves which signal arrived.
    const uuid = await running(['sh', '-c', 'trap "exit 3" USR1; while true; do sleep 1; done']);
    const tasks = await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${uuid}'`);
    const actions = await count(
      `SELECT COUNT(*) AS n FROM container_actions WHERE container_uuid = '${uuid}'`,
    );
    for (const bad of ['SIGBOGUS', '99', 'SigUsr1', '']) {
      const r = await stack.call<Errors>('POST', `/v1/containers/${uuid}/kill?signal=${bad}`);
      expect(r.status).toBe(400);
      expect(r.body.errors[0].detail ?? r.body.errors[0].title).toMatch(/signal/i);
    }
    expect((await stack.call('POST', `/v1/containers/${uuid}/kill?sig=9`)).status).toBe(400);
    expect(await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${uuid}'`)).toBe(
      tasks,
    );
    expect(await count(`SELECT COUNT(*) AS n FROM container_actions WHERE container_uuid = '${uuid}'`)).toBe(
      actions,
    );

    expect((await act(uuid, 'kill?signal=usr1')).status).toBe(202);
    const killed = await stack.waitFor(uuid, (c) => c.status === 'Stopped' && c.task_state === null);
    expect(killed.status_detail).toMatch(/^Exited\(3\)/);
    expect((await docker(uuid)).State.ExitCode).toBe(3);
    expect((await act(uuid, 'kill')).status).toBe(409);
    const kill = await finished(uuid, 'kill');
    expect(kill.events?.map((e) => [e.event, e.result])).toEqual([['compute__do_container_kill', 'Success']]);

    // No signal: the engine's default, SIGKILL.
    const other = await running();
    expect((await act(other, 'kill?signal=None')).status).toBe(202);
    await stack.waitFor(other, (c) => c.status === 'Stopped' && c.task_state === null);
    expect((await docker(other)).State.ExitCode).toBe(137);
  });

  it('rebuild: Rebuilding until the host acts, then a new Docker container, same uuid and settings', async () => {
    const uuid = await running(['sleep', '300'], {
      environment: { KEEP: 'me' },
      labels: { tier: 'x' },
      memory: 48,
    });
    const oldId = (await docker(uuid)).Id;
    expect((await stack.call('POST', `/v1/containers/${uuid}/rebuild?image_driver=bogus`)).status).toBe(400);
    expect((await stack.call('POST', `/v1/containers/${uuid}/rebuild?colour=red`)).status).toBe(400);

    // With the agent down the accepted rebuild waits, visibly Rebuilding, and is not lost.
    await stack.stopAgent();
    const r = await act(uuid, `rebuild?image=${encodeURIComponent(`${BUSYBOX}:latest`)}&image_driver=docker`);
    expect(r.status).toBe(202);
    expect(r.body).toBeNull();
    const during = await stack.call<View>('GET', `/v1/containers/${uuid}`);
    expect(during.body).toMatchObject({ status: 'Rebuilding', image: `${BUSYBOX}:latest` });
    await stack.startAgent();

    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    const info = await docker(uuid);
    expect(info.Id).not.toBe(oldId);
    expect(info.Config.Image).toBe(`${BUSYBOX}:latest`);
    expect(info.Config.Env).toContain('KEEP=me');
    expect(info.Config.Labels).toMatchObject({ tier: 'x', 'org.openstack.zun.uuid': uuid });
    expect(info.HostConfig.Memory).toBe(48 * 1024 * 1024);
    await expect(stack.docker.getContainer(oldId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await stack.engineContainers()).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ Id: oldId })]),
    );
    const rebuild = await finished(uuid, 'rebuild');
    expect(rebuild.events?.map((e) => [e.event, e.result])).toEqual([
      ['compute__do_container_start', 'Success'],
      ['compute__do_container_rebuild', 'Success'],
    ]);

    // A missing image: nothing changes (old Docker container, image, Running); the registry's
    // reason is on the action.
    const keptId = info.Id;
    expect(
      (await act(uuid, `rebuild?image=${encodeURIComponent('127.0.0.1:5000/no-such-image')}`)).status,
    ).toBe(202);
    const failedAction = await finished(uuid, 'rebuild');
    expect(failedAction.message).toBe('Error');
    expect(failedAction.events?.[0]).toMatchObject({
      event: 'compute__do_container_rebuild',
      result: 'Error',
    });
    expect(String(failedAction.events?.[0].traceback)).toMatch(/no-such-image|not found|manifest unknown/i);
    const kept = await stack.waitFor(uuid, (c) => c.task_state === null);
    expect(kept).toMatchObject({ status: 'Running', image: `${BUSYBOX}:latest`, status_reason: null });
    expect((await docker(uuid)).Id).toBe(keptId);

    // A stopped container is rebuilt as Created (not started).
    expect((await act(uuid, 'stop?timeout=0')).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Stopped' && c.task_state === null);
    expect((await act(uuid, `rebuild?image=${encodeURIComponent(BUSYBOX)}`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Created' && c.task_state === null);
    const fresh = await docker(uuid);
    expect(fresh.Id).not.toBe(keptId);
    expect(fresh.State.Running).toBe(false);
  });

  it('rebuild keeps the networks and volumes: data written before is there after', async () => {
    const uuid = await running(['sleep', '300'], {
      nets: [{ network: 'rebuildnet' }],
      mounts: [{ source: 'keepvol', destination: '/data' }],
    });
    const before = await docker(uuid);
    execFileSync('docker', ['exec', before.Id, 'sh', '-c', 'echo kept > /data/marker']);
    expect((await act(uuid, 'rebuild')).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null, 30_000);
    const after = await docker(uuid);
    expect(after.Id).not.toBe(before.Id);
    expect(Object.keys(after.NetworkSettings.Networks)).toEqual(Object.keys(before.NetworkSettings.Networks));
    expect(after.Mounts.map((m) => [m.Name, m.Destination])).toEqual(
      before.Mounts.map((m) => [m.Name, m.Destination]),
    );
    expect(execFileSync('docker', ['exec', after.Id, 'cat', '/data/marker'], { encoding: 'utf8' })).toBe(
      'kept\n',
    );
  });

  it('lists actions newest first with Zun fields, shows events, and 404s unknown request ids', async () => {
    const uuid = await running();
    expect((await act(uuid, 'stop?timeout=0')).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Stopped' && c.task_state === null);
    await finished(uuid, 'stop');
    const list = await stack.call<{ containerActions: ActionView[] }>(
      'GET',
      `/v1/containers/${uuid}/container_actions`,
    );
    expect(list.status).toBe(200);
    expect(list.body.containerActions.map((a) => a.action)).toEqual(['stop', 'create']);
    for (const a of list.body.containerActions) {
      expect(a).toEqual({
        action: a.action,
        container_uuid: uuid,
        request_id: expect.stringMatching(/^req-/),
        user_id: expect.any(String),
        project_id: expect.any(String),
        message: null,
        start_time: expect.stringMatching(ISO_MICRO),
        finish_time: expect.stringMatching(ISO_MICRO),
      });
    }
    const create = await lastAction(uuid, 'create');
    expect(create.events?.map((e) => e.event)).toEqual([
      'compute__do_container_start',
      'compute__do_container_create',
    ]);
    expect((await stack.call('GET', `/v1/containers/${uuid}/container_actions/req-nope`)).status).toBe(404);
    // Another tenant cannot see the container, hence not its actions.
    const other = await stack.call('GET', `/v1/containers/${uuid}/container_actions`, { user: 'admin' });
    expect(other.status).toBe(200);
    const created = await stack.call<View>('POST', '/v1/containers', {
      user: 'admin',
      body: { image: BUSYBOX, command: ['true'], memory: 16, cpu: 0.1 },
    });
    expect((await stack.call('GET', `/v1/containers/${created.body.uuid}/container_actions`)).status).toBe(
      404,
    );
  });
});
