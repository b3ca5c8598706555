import { QueryTypes } from 'sequelize';
import { LABEL_PROJECT } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type Limits = Record<string, number>;
type Errors = { errors: { status: number; code: string; detail: string }[] };

/**
 * Quotas and quota classes through the API, enforced on create and PATCH, against a real
 * agent and engine; the last test races two zun-api processes at the edge of a quota.
 */
describe('quotas (real PostgreSQL, real agent)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let demo = '';
  const defaults = { containers: 40, memory: 51200, cpu: 20, disk: 100 };

  const rowsOf = async (project: string): Promise<{ uuid: string; status: string }[]> =>
    db.sequelize.query('SELECT uuid, status FROM containers WHERE project_id = :project', {
      type: QueryTypes.SELECT,
      replacements: { project },
    });
  const claimsOf = async (project: string): Promise<number> =>
    Number(
      (
        await db.sequelize.query<{ n: string }>(
          'SELECT count(*) AS n FROM resource_claims rc JOIN containers c ON c.uuid = rc.container_uuid WHERE c.project_id = :project',
          { type: QueryTypes.SELECT, replacements: { project } },
        )
      )[0].n,
    );
  const create = (memory = 16, baseUrl?: string) =>
    stack.call<Errors & { uuid?: string }>('POST', '/v1/containers', {
      body: { image: BUSYBOX, command: ['sleep', '300'], memory },
      baseUrl,
    });
  const removeAll = async () => {
    for (const r of await rowsOf(demo)) {
      await stack.call('DELETE', `/v1/containers/${r.uuid}?force=True`, { user: 'admin' });
    }
    const deadline = Date.now() + 60_000;
    while ((await rowsOf(demo)).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    const [p] = await db.sequelize.query<{ id: string }>("SELECT id FROM projects WHERE name = 'demo'", {
      type: QueryTypes.SELECT,
    });
    demo = p.id;
  });
  afterAll(async () => {
    await removeAll().catch(() => undefined);
    await stack?.stop();
    await db?.drop();
  });
  afterEach(async () => {
    await stack.call('DELETE', `/v1/quotas/${demo}`, { user: 'admin' });
    await removeAll();
  });

  it("reads a project's limits (config defaults); members read only their own project", async () => {
    const own = await stack.call<Limits>('GET', `/v1/quotas/${demo}`);
    expect(own.status).toBe(200);
    expect(own.body).toEqual(defaults);
    const other = await stack.call<Errors>('GET', '/v1/quotas/someone-else');
    expect(other.status).toBe(403);
    expect(other.body.errors[0].code).toMatch(/policy-not-authorized/);
    expect((await stack.call('GET', '/v1/quotas/someone-else', { user: 'admin' })).status).toBe(200);
    const dflt = await stack.call<Limits>('GET', `/v1/quotas/${demo}/defaults`);
    expect(dflt.body).toEqual(defaults);
  });

  it('admins set and remove overrides; members cannot; bad values are a 400', async () => {
    expect((await stack.call('PUT', `/v1/quotas/${demo}`, { body: { containers: 5 } })).status).toBe(403);
    const put = await stack.call<Limits>('PUT', `/v1/quotas/${demo}`, {
      user: 'admin',
      body: { containers: 5, memory: '1024' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ...defaults, containers: 5, memory: 1024 });
    for (const bad of [{ containers: 'x' }, { containers: -2 }, { foo: 1 }, { cpu: 1.5 }]) {
      const r = await stack.call<Errors>('PUT', `/v1/quotas/${demo}`, { user: 'admin', body: bad });
      expect(`${JSON.stringify(bad)} ${r.status}`).toBe(`${JSON.stringify(bad)} 400`);
    }
    const del = await stack.call('DELETE', `/v1/quotas/${demo}`, { user: 'admin' });
    expect(del.status).toBe(200);
    expect(del.body).toBeNull();
    expect((await stack.call<Limits>('GET', `/v1/quotas/${demo}`)).body).toEqual(defaults);
  });

  it('the default quota class gives every project its limits; classes are for admins', async () => {
    expect((await stack.call('GET', '/v1/quota_classes/default')).status).toBe(403);
    const put = await stack.call<Limits>('PUT', '/v1/quota_classes/default', {
      user: 'admin',
      body: { cpu: 8 },
    });
    expect(put.body).toEqual({ ...defaults, cpu: 8 });
    try {
      expect((await stack.call<Limits>('GET', `/v1/quotas/${demo}`)).body.cpu).toBe(8);
      // A project's own value wins over the class.
      await stack.call('PUT', `/v1/quotas/${demo}`, { user: 'admin', body: { cpu: 3 } });
      expect((await stack.call<Limits>('GET', `/v1/quotas/${demo}`)).body.cpu).toBe(3);
      expect((await stack.call<Limits>('GET', '/v1/quota_classes/other', { user: 'admin' })).body).toEqual(
        defaults,
      );
    } finally {
      await stack.call('PUT', '/v1/quota_classes/default', { user: 'admin', body: { cpu: -1 } });
      await db.sequelize.query("DELETE FROM quota_classes WHERE class_name = 'default'");
    }
  });

  it('a create over the quota is a 403 naming the resource, use and limit, and leaves nothing behind', async () => {
    await stack.call('PUT', `/v1/quotas/${demo}`, { user: 'admin', body: { containers: 2, memory: 100 } });
    expect((await create()).status).toBe(202);
    expect((await create()).status).toBe(202);
    const third = await create();
    expect(third.status).toBe(403);
    expect(third.body.errors[0].code).toBe('container.over-quota');
    expect(third.body.errors[0].detail).toMatch(/containers \(limit 2, in use 2, requested 1\)/);
    expect(await rowsOf(demo)).toHaveLength(2);
    expect(await claimsOf(demo)).toBeLessThanOrEqual(2);

    await stack.call('PUT', `/v1/quotas/${demo}`, { user: 'admin', body: { containers: 10 } });
    const big = await create(80);
    expect(big.status).toBe(403);
    expect(big.body.errors[0].detail).toMatch(/memory \(limit 100, in use 32, requested 80\)/);

    const usage = await stack.call<Record<string, { limit: number; in_use: number }>>(
      'GET',
      `/v1/quotas/${demo}?usages=True`,
    );
    expect(usage.body.containers).toEqual({ limit: 10, in_use: 2 });
    expect(usage.body.memory).toEqual({ limit: 100, in_use: 32 });
  });

  it('capsules count too (upstream skips them): a capsule past the quota is a 403 with nothing recorded', async () => {
    await stack.call('PUT', `/v1/quotas/${demo}`, { user: 'admin', body: { containers: 2 } });
    const member = { image: BUSYBOX, command: ['sleep', '300'], resources: { requests: { memory: 16 } } };
    const r = await stack.call<Errors>('POST', '/v1/capsules/', {
      body: {
        template: {
          kind: 'capsule',
          metadata: { name: 'quota-pod' },
          spec: { containers: [member, member, member] },
        },
      },
    });
    expect(r.status).toBe(403);
    expect(r.body.errors[0].detail).toMatch(/containers \(limit 2, in use 0, requested 3\)/);
    expect(await rowsOf(demo)).toHaveLength(0);
    expect(await claimsOf(demo)).toBe(0);
  });

  it('PATCH memory past the quota is refused and changes nothing', async () => {
    await stack.call('PUT', `/v1/quotas/${demo}`, { user: 'admin', body: { memory: 64 } });
    const r = await stack.call<{ uuid: string }>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '300'], memory: 32 },
    });
    const c = await stack.waitFor(r.body.uuid, (v) => v.status === 'Running' && v.task_state === null);
    const patch = await stack.call<Errors>('PATCH', `/v1/containers/${String(c.uuid)}`, {
      body: { memory: 128 },
    });
    expect(patch.status).toBe(403);
    expect(patch.body.errors[0].detail).toMatch(/memory \(limit 64, in use 32, requested 96\)/);
    const after = await stack.call<Record<string, unknown>>('GET', `/v1/containers/${String(c.uuid)}`);
    expect(after.body.memory).toBe('32');
    expect(
      (await stack.call('PATCH', `/v1/containers/${String(c.uuid)}`, { body: { memory: 64 } })).status,
    ).toBe(200);
  });

  it('[quota] driver = noop checks nothing: past the limit a noop zun-api accepts what a db one refuses', async () => {
    const noop = await stack.launchApi({ ZUN_QUOTA_DRIVER: 'noop' });
    try {
      await stack.call('PUT', `/v1/quotas/${demo}`, { user: 'admin', body: { containers: 1 } });
      expect((await create()).status).toBe(202);
      expect((await create()).status).toBe(403);
      expect((await create(16, noop.url)).status).toBe(202);
      expect(await rowsOf(demo)).toHaveLength(2);
    } finally {
      await noop.stop();
    }
  }, 120_000);

  it('two zun-api processes racing at the edge of a quota accept exactly the limit', async () => {
    const second = await stack.launchApi();
    try {
      await stack.call('PUT', `/v1/quotas/${demo}`, { user: 'admin', body: { containers: 3 } });
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => create(16, i % 2 ? second.url : undefined)),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([202, 202, 202, 403, 403, 403, 403, 403, 403, 403]);
      expect(await rowsOf(demo)).toHaveLength(3);
      // And in the engine: only the accepted ones were ever made.
      const deadline = Date.now() + 60_000;
      let made = 0;
      while (Date.now() < deadline) {
        made = (
          await stack.docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${demo}`] } })
        ).length;
        if (made === 3) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(made).toBe(3);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
