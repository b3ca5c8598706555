import { QueryTypes } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type Errors = { errors: { code: string; title: string; detail: string }[] };

/** What the host may claim in memory here: small, so a refusal is easy to provoke. */
const HOST_MEMORY_MIB = 1024;

/**
 * PATCH /v1/containers/{id} (cpu/memory live through the host, name, auto_heal) and the old
 * rename verb: effects checked in Docker's HostConfig and in the host's resource claims.
 */
describe('container update and rename (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const claim = async (uuid: string) =>
    (
      await db.sequelize.query<{ cpu: number; memory: number }>(
        `SELECT cpu, memory FROM resource_claims WHERE container_uuid = :uuid`,
        { type: QueryTypes.SELECT, replacements: { uuid } },
      )
    )[0];
  const hostConfig = async (uuid: string) =>
    (await stack.docker.getContainer(`zun-${uuid}`).inspect()).HostConfig;
  const patch = (uuid: string, body: unknown, version?: string) =>
    stack.call<View & Errors>('PATCH', `/v1/containers/${uuid}`, { body, version });

  async function container(run: boolean, memory = 64): Promise<string> {
    const r = await stack.call<View>('POST', `/v1/containers${run ? '?run=true' : ''}`, {
      body: { image: BUSYBOX, command: ['sleep', '300'], memory, cpu: 0.5, name: `c${Date.now()}` },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (c) => c.status === (run ? 'Running' : 'Created') && c.task_state === null);
    return uuid;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    const memTotalMiB = Math.floor(Number((await stack.docker.info()).MemTotal) / (1024 * 1024));
    await stack.startAgent({
      ZUN_COMPUTE_RESERVED_HOST_MEMORY_MB: String(memTotalMiB - HOST_MEMORY_MIB),
      ZUN_COMPUTE_RAM_ALLOCATION_RATIO: '1',
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('applies cpu and memory live to the running container and resizes the claim', async () => {
    const uuid = await container(true);
    const startedAt = (await stack.docker.getContainer(`zun-${uuid}`).inspect()).State.StartedAt;
    const r = await patch(uuid, { memory: '128', cpu: '1' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ uuid, memory: '128', cpu: 1, status: 'Running' });
    expect(r.body.links).toBeDefined();
    const hc = await hostConfig(uuid);
    expect(hc.Memory).toBe(128 * 1024 * 1024);
    expect(hc.NanoCpus).toBe(1e9);
    expect(hc.CpuShares).toBe(1024);
    expect(await claim(uuid)).toEqual({ cpu: 1, memory: 128 });
    // Live: the same process kept running.
    const info = await stack.docker.getContainer(`zun-${uuid}`).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.State.StartedAt).toBe(startedAt);
    expect((await stack.call<View>('GET', `/v1/containers/${uuid}`)).body).toMatchObject({
      memory: '128',
      cpu: 1,
    });

    // Only memory: cpu stays.
    expect((await patch(uuid, { memory: 96 })).body).toMatchObject({ memory: '96', cpu: 1 });
    expect((await hostConfig(uuid)).Memory).toBe(96 * 1024 * 1024);
    expect(await claim(uuid)).toEqual({ cpu: 1, memory: 96 });
  });

  it('refuses more than the host has with 409, leaving the claim, the row and Docker unchanged', async () => {
    const uuid = await container(true, 64);
    const other = await container(false, 64);
    const r = await patch(uuid, { memory: String(HOST_MEMORY_MIB) });
    expect(r.status).toBe(409);
    expect(r.body.errors[0].detail).toMatch(/Insufficient compute resources: Free memory/);
    expect(await claim(uuid)).toEqual({ cpu: 0.5, memory: 64 });
    expect((await hostConfig(uuid)).Memory).toBe(64 * 1024 * 1024);
    expect((await stack.call<View>('GET', `/v1/containers/${uuid}`)).body.memory).toBe('64');

    // The freed room is usable: a Created container's limits change too (it is not running).
    const grow = await patch(other, { memory: '160' });
    expect(grow.status).toBe(200);
    expect((await hostConfig(other)).Memory).toBe(160 * 1024 * 1024);
    expect(await claim(other)).toEqual({ cpu: 0.5, memory: 160 });
  });

  it('validates the body, checks the state table, and changes name/auto_heal without the host', async () => {
    const uuid = await container(false);
    for (const bad of [{ memory: 1 }, { memory: 'lots' }, { cpu: 100 }, { colour: 'red' }, { name: '-x' }]) {
      const r = await patch(uuid, bad);
      expect(r.status).toBe(400);
    }
    expect(await claim(uuid)).toEqual({ cpu: 0.5, memory: 64 });

    const renamed = await patch(uuid, { name: 'renamed-one', auto_heal: true });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'renamed-one', auto_heal: true, memory: '64' });
    expect((await stack.call<View>('GET', '/v1/containers/renamed-one')).body.uuid).toBe(uuid);
    expect((await patch(uuid, {})).status).toBe(200);

    // Error is not one of the update states: 409, nothing sent to the host.
    await db.sequelize.query(`UPDATE containers SET status = 'Error' WHERE uuid = :uuid`, {
      replacements: { uuid },
    });
    const refused = await patch(uuid, { memory: '32' });
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].code).toBe('container.invalid-state-exception');
    expect(await claim(uuid)).toEqual({ cpu: 0.5, memory: 64 });
  });

  it('paused containers can be resized too', async () => {
    const uuid = await container(true);
    expect((await stack.call('POST', `/v1/containers/${uuid}/pause`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Paused' && c.task_state === null);
    expect((await patch(uuid, { cpu: 0.25 })).status).toBe(200);
    expect((await hostConfig(uuid)).NanoCpus).toBe(0.25e9);
    expect(await claim(uuid)).toEqual({ cpu: 0.25, memory: 64 });
  });

  it('refuses an update while Rebuilding (409), then resizes the rebuilt Docker container', async () => {
    const uuid = await container(true);
    expect((await stack.call('POST', `/v1/containers/${uuid}/rebuild`)).status).toBe(202);
    const during = await patch(uuid, { memory: '80' });
    expect(during.status).toBe(409);
    expect(during.body.errors[0].detail).toContain('Rebuilding');
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    expect((await hostConfig(uuid)).Memory).toBe(64 * 1024 * 1024);
    expect(await claim(uuid)).toEqual({ cpu: 0.5, memory: 64 });
    expect((await patch(uuid, { memory: '80' })).status).toBe(200);
    expect((await hostConfig(uuid)).Memory).toBe(80 * 1024 * 1024);
    expect(await claim(uuid)).toEqual({ cpu: 0.5, memory: 80 });
  });

  it('rename is the ≤1.13 verb: 406 at 1.40, renames at 1.13, 409 for the same name', async () => {
    const uuid = await container(false);
    expect((await stack.call('POST', `/v1/containers/${uuid}/rename?name=newer`)).status).toBe(406);
    const r = await stack.call<View>('POST', `/v1/containers/${uuid}/rename?name=newer`, { version: '1.13' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ uuid, name: 'newer' });
    const same = await stack.call('POST', `/v1/containers/${uuid}/rename?name=newer`, { version: '1.13' });
    expect(same.status).toBe(409);
    const bad = await stack.call('POST', `/v1/containers/${uuid}/rename?name=-bad`, { version: '1.13' });
    expect(bad.status).toBe(400);
    expect((await stack.call('POST', `/v1/containers/${uuid}/rename`, { version: '1.13' })).status).toBe(400);
  });
});
