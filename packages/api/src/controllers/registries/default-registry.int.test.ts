import { QueryTypes } from 'sequelize';
import { AuthRegistry } from '../../../../../test/support/auth-registry';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { REGISTRY, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;

/**
 * `[docker] default_registry` and its credentials: the shared anonymous registry, a second
 * Debian docker-registry with htpasswd auth, a real zun-compute restarted with each setting,
 * and the real Docker engine.
 */
describe('[docker] default_registry (real registries, real engine)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const reg = new AuthRegistry();
  const wrongPassword = 'not-the-default-password';
  const count = async (sql: string): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT }))[0].n);
  const restartAgent = async (env: Record<string, string>): Promise<void> => {
    await stack.stopAgent();
    await stack.startAgent(env);
  };
  const engineImage = async (uuid: string): Promise<string | undefined> =>
    (await stack.engineContainers()).find((x) => x.Labels['org.openstack.zun.uuid'] === uuid)?.Image;
  const run = async (
    body: View,
    user: 'admin' | 'demo' = 'demo',
  ): Promise<{ uuid: string; created: View; done: View }> => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', { body, user });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    const done = await stack.waitFor(uuid, (x) => x.status === 'Stopped' || x.status === 'Error');
    return { uuid, created: r.body, done };
  };
  const logs = async (uuid: string): Promise<string> =>
    (await stack.call<string>('GET', `/v1/containers/${uuid}/logs?stdout=True`)).body;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await reg.start(stack.docker);
    await stack.startApi();
    await stack.startAgent({ ZUN_DOCKER_DEFAULT_REGISTRY: REGISTRY });
  });
  afterAll(async () => {
    await stack?.stop();
    await reg.forget(stack.docker);
    await reg.stop();
    await db?.drop();
  });

  it('a name without a registry host is pulled from the default registry and runs', async () => {
    const { uuid, created, done } = await run({ image: 'busybox', command: ['echo', 'from-default'] });
    expect(done.status_reason ?? null).toBeNull();
    expect(done.status).toBe('Stopped');
    // What the user typed is kept; Docker got the prefixed reference.
    expect(created.image).toBe('busybox');
    expect(done.image).toBe('busybox');
    expect(await engineImage(uuid)).toBe(`${REGISTRY}/busybox:latest`);
    expect(await logs(uuid)).toContain('from-default');
  });

  it('the image-present check looks for the prefixed reference (pull policy never)', async () => {
    const { uuid, done } = await run(
      { image: 'busybox', image_pull_policy: 'never', command: ['echo', 'local'] },
      'admin',
    );
    expect(done.status_reason ?? null).toBeNull();
    expect(done.status).toBe('Stopped');
    expect(await engineImage(uuid)).toBe(`${REGISTRY}/busybox:latest`);
  });

  it("a container's registry domain takes precedence over the default registry", async () => {
    const r = await stack.call<View>('POST', '/v1/registries', {
      body: { registry: { name: 'own', domain: reg.domain, username: reg.username, password: reg.password } },
    });
    expect(r.status).toBe(201);
    await reg.forget(stack.docker);
    // private/busybox exists only on the authenticated registry, not on the default one.
    const { uuid, done } = await run({ image: reg.repository, registry: 'own', command: ['echo', 'own'] });
    expect(done.status_reason ?? null).toBeNull();
    expect(await engineImage(uuid)).toBe(`${reg.image}:latest`);
  });

  it('with default credentials a host-less name and a full reference pull from the authenticated registry', async () => {
    await restartAgent({
      ZUN_DOCKER_DEFAULT_REGISTRY: reg.domain,
      ZUN_DOCKER_DEFAULT_REGISTRY_USERNAME: reg.username,
      ZUN_DOCKER_DEFAULT_REGISTRY_PASSWORD: reg.password,
    });
    await reg.forget(stack.docker);
    const short = await run({ image: reg.repository, command: ['echo', 'default-creds'] });
    expect(short.done.status_reason ?? null).toBeNull();
    expect(short.done.image).toBe(reg.repository);
    expect(await engineImage(short.uuid)).toBe(`${reg.image}:latest`);
    expect(await logs(short.uuid)).toContain('default-creds');

    await reg.forget(stack.docker);
    const full = await run({ image: reg.image, command: ['true'] });
    expect(full.done.status_reason ?? null).toBeNull();
    expect(await engineImage(full.uuid)).toBe(`${reg.image}:latest`);
    expect(stack.agentOutput).not.toContain(reg.password);
    expect(
      await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE params::text LIKE '%${reg.password}%'`),
    ).toBe(0);
  });

  it('a wrong default password ends in Error with a clear reason, no claim and no engine container', async () => {
    await restartAgent({
      ZUN_DOCKER_DEFAULT_REGISTRY: reg.domain,
      ZUN_DOCKER_DEFAULT_REGISTRY_USERNAME: reg.username,
      ZUN_DOCKER_DEFAULT_REGISTRY_PASSWORD: wrongPassword,
    });
    await reg.forget(stack.docker);
    const { uuid, done } = await run({ image: reg.repository, command: ['true'] });
    expect(done.status).toBe('Error');
    const reason = String(done.status_reason);
    expect(reason).toContain(
      `Pulling ${reg.image}:latest from ${reg.domain} as ${reg.username} with [docker] default_registry failed (check [docker] default_registry_username and default_registry_password): `,
    );
    expect(reason).toMatch(/unauthorized|authentication required/i);
    expect(reason).not.toContain(wrongPassword);
    expect(await count(`SELECT COUNT(*) AS n FROM resource_claims WHERE container_uuid = '${uuid}'`)).toBe(0);
    expect(await engineImage(uuid)).toBeUndefined();
    expect(stack.agentOutput).not.toContain(wrongPassword);
  });

  it("a container's registry with a username still uses its own credentials over the defaults", async () => {
    await reg.forget(stack.docker);
    const { uuid, done } = await run({
      image: reg.repository,
      registry: 'own',
      command: ['echo', 'own-creds'],
    });
    expect(done.status_reason ?? null).toBeNull();
    expect(done.status).toBe('Stopped');
    expect(await engineImage(uuid)).toBe(`${reg.image}:latest`);
  });
});
