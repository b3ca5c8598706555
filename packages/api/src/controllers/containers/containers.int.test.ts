import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { ComputeAgentClient, RemoteError, ZunError, causeChain } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;

/** The API schedules from a host snapshot at most 1 s old; direct DB edits need it to expire. */
const hostSnapshotExpiry = () => new Promise((r) => setTimeout(r, 1_100));

/** zun-api + a real zun-compute daemon + real PostgreSQL + the real Docker engine. */
describe('containers API end to end (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const count = async (sql: string): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT }))[0].n);

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

  it('runs a container (run=true): pulled from the registry, output in logs, audit trail recorded', async () => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: {
        image: BUSYBOX,
        command: ['sh', '-c', 'echo hello-from-zun; echo to-stderr >&2'],
        name: 'runner',
      },
    });
    expect(r.status).toBe(202);
    expect(r.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(r.headers.get('location')).toBe(`${stack.api.url}/v1/containers/${r.body.uuid}`);
    expect(r.body.status).toBe('Creating');
    expect(r.body).not.toHaveProperty('host'); // admin-only field, demo caller
    const done = await stack.waitFor(String(r.body.uuid), (c) => c.status === 'Stopped');
    await stack.waitForTasksDone(String(r.body.uuid));
    expect(done.host).toBe(stack.host);
    expect(done.status_detail).toMatch(/^Exited\(0\)/);
    expect(done.command).toEqual(['sh', '-c', 'echo hello-from-zun; echo to-stderr >&2']);

    const logs = await stack.call<string>('GET', `/v1/containers/runner/logs?stdout=True&stderr=True`);
    expect(logs.status).toBe(200);
    expect(logs.body).toContain('hello-from-zun');
    expect(logs.body).toContain('to-stderr');
    const stdoutOnly = await stack.call<string>('GET', `/v1/containers/runner/logs?stdout=True&stderr=False`);
    expect(stdoutOnly.body).not.toContain('to-stderr');

    const actions = await db.sequelize.query<{
      action: string;
      finish_time: Date | null;
      message: string | null;
    }>(`SELECT action, finish_time, message FROM container_actions WHERE container_uuid = '${r.body.uuid}'`, {
      type: QueryTypes.SELECT,
    });
    expect(actions).toEqual([expect.objectContaining({ action: 'create', message: null })]);
    expect(actions[0].finish_time).not.toBeNull();
    const events = await db.sequelize.query<{ event: string; result: string }>(
      `SELECT e.event, e.result FROM container_action_events e JOIN container_actions a ON a.id = e.action_id
        WHERE a.container_uuid = '${r.body.uuid}' ORDER BY e.id`,
      { type: QueryTypes.SELECT },
    );
    expect(events).toEqual([
      { event: 'compute__do_container_create', result: 'Success' },
      { event: 'compute__do_container_start', result: 'Success' },
    ]);
    // Events, the action's finish and the task's end are written together: each of them is
    // there once the task is done.
    const [task] = await db.sequelize.query<{ state: string; late: boolean }>(
      `SELECT t.state, a.finish_time < max(e.finish_time) AS late
         FROM compute_tasks t JOIN container_actions a ON a.id = t.action_id
         JOIN container_action_events e ON e.action_id = a.id
        WHERE t.container_uuid = '${r.body.uuid}' GROUP BY t.state, a.finish_time`,
      { type: QueryTypes.SELECT },
    );
    expect(task).toEqual({ state: 'done', late: false });
  });

  it('create -> start -> stop -> delete, with limits, env and labels applied in Docker', async () => {
    const r = await stack.call<View>('POST', '/v1/containers', {
      body: {
        image: BUSYBOX,
        command: ['sleep', '300'],
        cpu: '0.5',
        memory: '64',
        environment: { GREETING: 'hi' },
        workdir: '/tmp',
        labels: { app: 'web' },
      },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    expect(r.body.name).toMatch(/^[a-z]+-\d{1,2}-container$/);
    await stack.waitFor(uuid, (c) => c.status === 'Created');
    const [engine] = await stack.engineContainers();
    const info = await stack.docker.getContainer(engine.Id).inspect();
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(0.5e9);
    expect(info.Config.Env).toContain('GREETING=hi');
    expect(info.Config.WorkingDir).toBe('/tmp');
    expect(info.Config.Labels).toMatchObject({ app: 'web', 'org.openstack.zun.uuid': uuid });

    expect((await stack.call('POST', `/v1/containers/${uuid}/start`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Running');
    expect((await stack.docker.getContainer(engine.Id).inspect()).State.Running).toBe(true);

    const busy = await stack.call<{ errors: { title: string; code: string }[] }>(
      'POST',
      `/v1/containers/${uuid}/start`,
    );
    expect(busy.status).toBe(409);
    expect(busy.body.errors[0].code).toBe('container.invalid-state-exception');
    expect(busy.body.errors[0].title).toContain('Running');
    const notNow = await stack.call('DELETE', `/v1/containers/${uuid}`);
    expect(notNow.status).toBe(409);

    expect((await stack.call('POST', `/v1/containers/${uuid}/stop?timeout=1`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Stopped');
    expect(await count(`SELECT COUNT(*) AS n FROM resource_claims WHERE container_uuid = '${uuid}'`)).toBe(1);

    expect((await stack.call('DELETE', `/v1/containers/${uuid}`)).status).toBe(204);
    await stack.waitFor(uuid, (c) => c.gone === true);
    expect(await stack.engineContainers()).toHaveLength(1); // only 'runner' from the first test
    expect(await count(`SELECT COUNT(*) AS n FROM resource_claims WHERE container_uuid = '${uuid}'`)).toBe(0);
  });

  it.each([
    [{ image: BUSYBOX, cpu: -1 }, 'cpu'],
    [{ image: BUSYBOX, cpu: '-1' }, 'cpu'],
    [{ image: BUSYBOX, cpu: 100 }, 'cpu'],
    [{ image: BUSYBOX, memory: 'abc' }, 'memory'],
    [{ image: BUSYBOX, memory: 1 }, 'memory'],
    [{ image: BUSYBOX, bogus: 1 }, 'bogus'],
    [{ command: ['true'] }, 'image'],
    [{ image: BUSYBOX, name: '-bad' }, 'name'],
    [{ image: BUSYBOX, restart_policy: { Name: 'always', MaximumRetryCount: '3' } }, 'retry count'],
  ])('rejects bad input %j with a 400 naming %s and leaves nothing behind', async (body, word) => {
    const before = await count('SELECT COUNT(*) AS n FROM containers');
    const r = await stack.call<{ errors: { status: number; title: string; detail: string; code: string }[] }>(
      'POST',
      '/v1/containers',
      { body },
    );
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors[0].status).toBe(400);
    expect(r.body.errors[0].title).toContain(word);
    expect(await count('SELECT COUNT(*) AS n FROM containers')).toBe(before);
  });

  it('refuses non-JSON bodies (415), parameters newer than the microversion (400) and bad versions (406)', async () => {
    const token = await stack.token('demo');
    const plain = await fetch(`${stack.api.url}/v1/containers`, {
      method: 'POST',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'text/plain' },
      body: 'x',
    });
    expect(plain.status).toBe(415);
    const old = await stack.call<{ errors: { code: string }[] }>('POST', '/v1/containers', {
      body: { image: BUSYBOX, auto_remove: true },
      version: '1.2',
    });
    expect(old.status).toBe(400);
    expect(old.body.errors[0].code).toBe('container.invalid-param-in-version');
    const tooNew = await stack.call('GET', '/v1/containers', { version: '1.41' });
    expect(tooNew.status).toBe(406);
    const latest = await stack.call('GET', '/v1/containers', { version: 'latest' });
    expect(latest.headers.get('openstack-api-version')).toBe('container 1.40');
  });

  it('reports a missing image with the registry error, and keeps no claim and no engine container', async () => {
    const before = (await stack.engineContainers()).length;
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: `${BUSYBOX}-missing:1` },
    });
    const c = await stack.waitFor(String(r.body.uuid), (v) => v.status === 'Error');
    expect(String(c.status_reason)).toMatch(/not found|manifest unknown/);
    expect(c.task_state).toBeNull();
    expect(await count(`SELECT COUNT(*) AS n FROM resource_claims WHERE container_uuid = '${c.uuid}'`)).toBe(
      0,
    );
    expect((await stack.engineContainers()).length).toBe(before);
    expect((await stack.call('DELETE', `/v1/containers/${c.uuid}`)).status).toBe(204);
    // Immediate when the create task has finished; queued behind it if it is still winding up.
    await stack.waitFor(String(c.uuid), (v) => v.gone === true, 10_000);
  });

  it('keeps tenants apart and enforces admin-only APIs', async () => {
    const mine = await stack.call<View>('POST', '/v1/containers', {
      user: 'admin',
      body: { image: BUSYBOX, name: 'admins' },
    });
    expect((await stack.call('GET', `/v1/containers/${mine.body.uuid}`, { user: 'demo' })).status).toBe(404);
    expect((await stack.call('GET', '/v1/containers/admins', { user: 'demo' })).status).toBe(404);
    const demoList = await stack.call<{ containers: View[] }>('GET', '/v1/containers', { user: 'demo' });
    expect(demoList.body.containers.map((c) => c.name)).not.toContain('admins');
    expect((await stack.call('GET', '/v1/containers?all_projects=1', { user: 'demo' })).status).toBe(403);
    const all = await stack.call<{ containers: View[] }>('GET', '/v1/containers?all_projects=1', {
      user: 'admin',
    });
    expect(all.body.containers.map((c) => c.name)).toContain('admins');
    expect((await stack.call('GET', '/v1/services', { user: 'demo' })).status).toBe(403);
    expect((await stack.call('GET', '/v1/hosts', { user: 'demo' })).status).toBe(403);
    const noToken = await stack.call<{ error: { code: number } }>('GET', '/v1/containers', { token: null });
    expect(noToken.status).toBe(401);
    expect(noToken.body.error.code).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toContain('/identity/v3');
    const badToken = await stack.call('GET', '/v1/containers', { token: 'not-a-token' });
    expect(badToken.status).toBe(401);
    await stack.waitFor(String(mine.body.uuid), (c) => c.status === 'Created');
    expect((await stack.call('DELETE', `/v1/containers/${mine.body.uuid}`, { user: 'admin' })).status).toBe(
      204,
    );
  });

  it('follows changes made outside the service: exit and removal show within seconds', async () => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '300'] },
    });
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (c) => c.status === 'Running');
    const [engine] = (await stack.engineContainers()).filter(
      (c) => c.Labels['org.openstack.zun.uuid'] === uuid,
    );
    await stack.docker.getContainer(engine.Id).kill();
    await stack.waitFor(uuid, (c) => c.status === 'Stopped', 10_000);
    await stack.docker.getContainer(engine.Id).remove({ force: true });
    const gone = await stack.waitFor(uuid, (c) => c.status === 'Error', 10_000);
    expect(String(gone.status_reason)).toContain('No such container');
    expect((await stack.call('DELETE', `/v1/containers/${uuid}`)).status).toBe(204);
    await stack.waitFor(uuid, (c) => c.gone === true);
  });

  it('pages, sorts and filters lists, and refuses ambiguous names with 409', async () => {
    const made: string[] = [];
    for (const name of ['pg-a', 'pg-b', 'pg-c', 'twin', 'twin']) {
      const r = await stack.call<View>('POST', '/v1/containers', {
        user: 'demo',
        body: { image: BUSYBOX, name },
      });
      made.push(String(r.body.uuid));
    }
    const page1 = await stack.call<{ containers: View[]; next: string | null }>(
      'GET',
      '/v1/containers?limit=2&sort_key=name&sort_dir=asc',
    );
    expect(page1.body.containers).toHaveLength(2);
    expect(page1.body.next).toContain('marker=');
    const next = new URL(String(page1.body.next));
    const page2 = await stack.call<{ containers: View[] }>('GET', `/v1/containers${next.search}`);
    const names = [...page1.body.containers, ...page2.body.containers].map((c) => String(c.name));
    expect(names).toEqual([...names].sort());
    const uuids = [...page1.body.containers, ...page2.body.containers].map((c) => c.uuid);
    expect(new Set(uuids).size).toBe(uuids.length); // no item on both pages
    const filtered = await stack.call<{ containers: View[] }>('GET', '/v1/containers?name=pg-b');
    expect(filtered.body.containers.map((c) => c.name)).toEqual(['pg-b']);
    expect((await stack.call('GET', '/v1/containers?sort_key=bogus')).status).toBe(400);
    expect((await stack.call('GET', '/v1/containers?sort_dir=sideways')).status).toBe(400);
    expect((await stack.call('GET', '/v1/containers?limit=0')).status).toBe(400);
    expect((await stack.call('GET', '/v1/containers?unknown=1')).status).toBe(400);
    const twin = await stack.call<{ errors: { code: string }[] }>('GET', '/v1/containers/twin');
    expect(twin.status).toBe(409);
    expect(twin.body.errors[0].code).toBe('container.conflict');
    for (const uuid of made) {
      await stack.waitFor(uuid, (c) => c.status === 'Created');
      expect((await stack.call('DELETE', `/v1/containers/${uuid}`)).status).toBe(204);
    }
  });

  it('explains when no host can take a container, and leaves no task or claim', async () => {
    await db.sequelize.query(`UPDATE services SET disabled = true WHERE host = '${stack.host}'`);
    await hostSnapshotExpiry();
    try {
      const r = await stack.call<View>('POST', '/v1/containers', { body: { image: BUSYBOX } });
      expect(r.status).toBe(202);
      expect(r.body.status).toBe('Error');
      expect(String(r.body.status_reason)).toBe(
        'There are not enough hosts available. No valid host: 1 host, ComputeFilter removed 1',
      );
      expect(
        await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${r.body.uuid}'`),
      ).toBe(0);
      expect((await stack.call('DELETE', `/v1/containers/${r.body.uuid}`)).status).toBe(204);
    } finally {
      await db.sequelize.query(`UPDATE services SET disabled = false WHERE host = '${stack.host}'`);
      await hostSnapshotExpiry();
    }
  });

  it('loses nothing while the agent is down: pending work runs when it comes back', async () => {
    await stack.stopAgent();
    const services = await stack.call<{ services: View[] }>('GET', '/v1/services', { user: 'admin' });
    expect(services.body.services.find((s) => s.host === stack.host)?.state).toBe('down');
    // A down service is still a candidate only if it looks up; force the heartbeat to look fresh
    // so the scheduler picks it, as it would in the window before service_down_time passes.
    await db.sequelize.query(`UPDATE services SET last_seen_up = now() WHERE host = '${stack.host}'`);
    await hostSnapshotExpiry();
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '300'] },
    });
    expect(r.status).toBe(202);
    await new Promise((res) => setTimeout(res, 1_000));
    const waiting = await stack.call<View>('GET', `/v1/containers/${r.body.uuid}`);
    expect(waiting.body.status).toBe('Creating');
    await stack.startAgent();
    await stack.waitFor(String(r.body.uuid), (c) => c.status === 'Running');
    expect((await stack.call('DELETE', `/v1/containers/${r.body.uuid}?stop=True`)).status).toBe(204);
    await stack.waitFor(String(r.body.uuid), (c) => c.gone === true);
  });

  it('agent endpoint refuses callers without the service credential', async () => {
    expect(stack.agentUrl).toBeTruthy();
    const none = await fetch(`${stack.agentUrl}/v1/health`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${stack.agentUrl}/v1/health`, { headers: { 'x-zun-service-token': 'nope' } });
    expect(wrong.status).toBe(401);
    const wake = await fetch(`${stack.agentUrl}/v1/containers/${stack.host}/logs`);
    expect(wake.status).toBe(401);
    const right = await fetch(`${stack.agentUrl}/v1/health`, {
      headers: { 'x-zun-service-token': stack.serviceToken },
    });
    expect(right.status).toBe(200);
  });

  it("an agent's error reaches the API with the agent's answer and the original error as its cause", async () => {
    const uuid = randomUUID();
    const err = await new ComputeAgentClient(stack.serviceToken)
      .top(stack.agentUrl!, uuid, null)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZunError);
    expect(err).toMatchObject({ status: 404, code: 'container-not-found' });
    expect((err as Error).cause).toBeInstanceOf(RemoteError);
    expect(causeChain(err).slice(1)).toEqual([
      {
        name: 'RemoteError',
        status: 404,
        code: 'container-not-found',
        message: `Container ${uuid} could not be found on ${stack.host}.`,
      },
      {
        name: 'NotFoundError',
        status: 404,
        code: 'container-not-found',
        message: `Container ${uuid} could not be found on ${stack.host}.`,
      },
    ]);
  });
});
