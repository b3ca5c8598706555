import { QueryTypes } from 'sequelize';
import { AuthRegistry } from '../../../../../test/support/auth-registry';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;

/**
 * Pulls through a private registry: a second Debian docker-registry with htpasswd auth, zun-api,
 * a real zun-compute and the real Docker engine.
 */
describe('pulling with a registry’s credentials (real registry with auth, real engine)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const reg = new AuthRegistry();
  const count = async (sql: string): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT }))[0].n);
  const createRegistry = async (name: string, password: string): Promise<string> => {
    const r = await stack.call<{ registry: View }>('POST', '/v1/registries', {
      body: { registry: { name, domain: reg.domain, username: reg.username, password } },
    });
    expect(r.status).toBe(201);
    return String(r.body.registry.uuid);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await reg.start(stack.docker);
    await stack.startApi();
    await stack.startAgent();
  });
  afterAll(async () => {
    await stack?.stop();
    await reg.forget(stack.docker);
    await reg.stop();
    await db?.drop();
  });

  it('the registry really requires the credentials: an anonymous pull ends in Error', async () => {
    await reg.forget(stack.docker);
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: reg.image, command: ['true'] },
    });
    expect(r.status).toBe(202);
    const c = await stack.waitFor(String(r.body.uuid), (x) => x.status === 'Error');
    expect(String(c.status_reason)).toMatch(
      /no basic auth credentials|unauthorized|authentication required/i,
    );
  });

  it('runs a container whose registry carries the credentials; the image name gets the domain', async () => {
    const regUuid = await createRegistry('private', reg.password);
    await reg.forget(stack.docker);
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      // No registry host in the name: the registry's domain is put in front.
      body: { image: reg.repository, registry: 'private', command: ['sh', '-c', 'echo pulled-privately'] },
    });
    expect(r.status).toBe(202);
    expect(r.body.registry_id).toBe(regUuid);
    const c = await stack.waitFor(String(r.body.uuid), (x) => x.status === 'Stopped' || x.status === 'Error');
    expect(c.status_reason ?? null).toBeNull();
    expect(c.status).toBe('Stopped');
    expect(c.registry_id).toBe(regUuid);
    expect(c.image).toBe(reg.repository);

    const [engine] = (await stack.engineContainers()).filter(
      (x) => x.Labels['org.openstack.zun.uuid'] === r.body.uuid,
    );
    expect(engine.Image).toBe(`${reg.image}:latest`);
    const logs = await stack.call<string>('GET', `/v1/containers/${String(r.body.uuid)}/logs?stdout=True`);
    expect(logs.body).toContain('pulled-privately');

    // The credentials go nowhere but the engine: not in the task, not in the agent's log.
    expect(
      await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE params::text LIKE '%${reg.password}%'`),
    ).toBe(0);
    expect(stack.agentOutput).not.toContain(reg.password);
  });

  it('an image removed from the host right after a create is pulled again by the next (ifnotpresent)', async () => {
    // The agent takes an image it found a moment ago to be there still; the engine's create
    // then says it is gone, and the create looks for it afresh and pulls it. (The pull policy
    // is an admin's choice, so is the registry here.)
    const registry = await stack.call<{ registry: View }>('POST', '/v1/registries', {
      user: 'admin',
      body: {
        registry: { name: 'admins', domain: reg.domain, username: reg.username, password: reg.password },
      },
    });
    expect(registry.status).toBe(201);
    const run = async (): Promise<View> => {
      const r = await stack.call<View>('POST', '/v1/containers?run=true', {
        user: 'admin',
        body: {
          image: reg.repository,
          registry: 'admins',
          image_pull_policy: 'ifnotpresent',
          command: ['true'],
        },
      });
      expect(r.status).toBe(202);
      return stack.waitFor(String(r.body.uuid), (x) => x.status === 'Stopped' || x.status === 'Error');
    };
    expect((await run()).status).toBe('Stopped');
    await reg.forget(stack.docker);
    const again = await run();
    expect(again.status_reason ?? null).toBeNull();
    expect(again.status).toBe('Stopped');
  });

  it('a wrong password ends in Error with a readable reason, no claim and no engine container', async () => {
    await createRegistry('wrongpw', 'not-the-password');
    await reg.forget(stack.docker);
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: reg.image, registry: 'wrongpw', command: ['true'] },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    const c = await stack.waitFor(uuid, (x) => x.status === 'Error');
    expect(String(c.status_reason)).toContain(
      `Pulling ${reg.image}:latest from ${reg.domain} as ${reg.username} with registry wrongpw failed (check the registry's username and password): `,
    );
    expect(String(c.status_reason)).toMatch(/unauthorized|authentication required/i);
    expect(String(c.status_reason)).not.toContain('not-the-password');
    expect(await count(`SELECT COUNT(*) AS n FROM resource_claims WHERE container_uuid = '${uuid}'`)).toBe(0);
    expect(
      (await stack.engineContainers()).filter((x) => x.Labels['org.openstack.zun.uuid'] === uuid),
    ).toEqual([]);
    expect(stack.agentOutput).not.toContain('not-the-password');
  });

  it('rebuild pulls with the credentials too; once the registry is deleted, its pull is anonymous', async () => {
    await createRegistry('rebuilds', reg.password);
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: reg.repository, registry: 'rebuilds', command: ['sleep', '300'] },
    });
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (x) => x.status === 'Running' && x.task_state === null);
    const engineId = async (): Promise<string | undefined> =>
      (await stack.engineContainers()).find((x) => x.Labels['org.openstack.zun.uuid'] === uuid)?.Id;
    const first = await engineId();
    const rebuildEvents = async (result: string): Promise<number> =>
      count(`SELECT COUNT(*) AS n FROM container_action_events e JOIN container_actions a ON a.id = e.action_id
              WHERE a.container_uuid = '${uuid}' AND e.event = 'compute__do_container_rebuild' AND e.result = '${result}'`);

    expect((await stack.call('POST', `/v1/containers/${uuid}/rebuild`)).status).toBe(202);
    await stack.waitFor(uuid, (x) => x.status === 'Running' && x.task_state === null);
    // The action's events are written when the task ends, just after Running.
    await stack.waitForTasksDone(uuid);
    const second = await engineId();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await rebuildEvents('Success')).toBe(1);

    expect((await stack.call('DELETE', '/v1/registries/rebuilds')).status).toBe(204);
    expect((await stack.call('POST', `/v1/containers/${uuid}/rebuild`)).status).toBe(202);
    const deadline = Date.now() + 30_000;
    while ((await rebuildEvents('Error')) === 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 200));
    expect(await rebuildEvents('Error')).toBe(1);
    // The failed pull changed nothing: the same Docker container still runs.
    const after = await stack.waitFor(uuid, (x) => x.task_state === null);
    expect(after.status).toBe('Running');
    expect(await engineId()).toBe(second);
  });

  it('deleting a registry that a container uses is allowed; the container keeps its registry_id', async () => {
    const regUuid = await createRegistry('shortlived', reg.password);
    const r = await stack.call<View>('POST', '/v1/containers', {
      body: { image: reg.image, registry: regUuid, command: ['true'] },
    });
    expect(r.status).toBe(202);
    const made = await stack.waitFor(String(r.body.uuid), (x) => x.status === 'Created');
    expect(made.registry_id).toBe(regUuid);
    expect((await stack.call('DELETE', '/v1/registries/shortlived')).status).toBe(204);
    const kept = await stack.call<View>('GET', `/v1/containers/${String(r.body.uuid)}`);
    expect(kept.body.registry_id).toBe(regUuid);
  });
});
