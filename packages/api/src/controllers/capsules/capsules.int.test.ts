import Docker from 'dockerode';
import { QueryTypes } from 'sequelize';
import { createLogger } from '@zun/common';
import { startApi, type RunningApi } from '@zun/api';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, SANDBOX_IMAGE, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type Errors = { errors: { status: number; code: string; detail: string }[] };
const MIB = 1024 * 1024;
/** The agent's host has room for exactly this much memory (MiB): one racing capsule, not two. */
const ROOM = 400;
const RACER = 250;

/** A capsule whose members sleep, each asking `memory` MiB; init containers as given. */
function template(name: string | null, memory: number[], extra: { inits?: number } = {}): View {
  const member = (m: number) => ({
    image: BUSYBOX,
    command: ['sleep', '600'],
    resources: { requests: { memory: m } },
    volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
  });
  const init = { image: BUSYBOX, command: ['true'], volumeMounts: [{ name: 'shared', mountPath: '/w' }] };
  return {
    kind: 'capsule',
    metadata: { name, labels: { app: 'web' }, annotations: { owner: 'team-a' } },
    spec: {
      restartPolicy: 'OnFailure',
      initContainers: Array.from({ length: extra.inits ?? 0 }, () => init),
      containers: memory.map(member),
      volumes: [{ name: 'shared', cinder: { size: 1, autoRemove: true } }],
    },
  };
}

/**
 * /v1/capsules against real PostgreSQL and a real zun-compute whose host has room for ROOM MiB:
 * what is recorded, claimed and queued, the views per microversion, policies between projects,
 * scheduling as one unit, and what /v1/containers shows of capsules.
 */
describe('capsules API (real PostgreSQL, real agent)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let second: RunningApi | null = null;
  const sql = <T extends object>(q: string, replacements: Record<string, unknown> = {}): Promise<T[]> =>
    db.sequelize.query<T>(q, { type: QueryTypes.SELECT, replacements });
  const create = (body: View, opts: { user?: 'admin' | 'demo'; version?: string; baseUrl?: string } = {}) =>
    stack.call<View>('POST', '/v1/capsules/', { body: { template: body }, ...opts });
  const counts = async () => {
    const [r] = await sql<{ rows: string; claims: string; tasks: string }>(
      `SELECT (SELECT COUNT(*) FROM containers) AS rows, (SELECT COUNT(*) FROM resource_claims) AS claims,
              (SELECT COUNT(*) FROM compute_tasks) AS tasks`,
    );
    return { rows: Number(r.rows), claims: Number(r.claims), tasks: Number(r.tasks) };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
    const memTotalMiB = Math.floor(Number((await docker.info()).MemTotal) / MIB);
    await stack.startApi();
    await stack.startAgent({
      ZUN_COMPUTE_RAM_ALLOCATION_RATIO: '1.0',
      ZUN_COMPUTE_RESERVED_HOST_MEMORY_MB: String(memTotalMiB - ROOM),
    });
  }, 60_000);
  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
    await db?.drop();
  }, 60_000);

  it('two capsules racing through two APIs for the last room on the host: exactly one gets it', async () => {
    second = await startApi(stack.config, createLogger('zun-api-2', { format: 'text' }), { migrate: false });
    const [a, b] = await Promise.all([
      create(template('racer-a', [RACER / 2, RACER / 2])),
      create(template('racer-b', [RACER / 2, RACER / 2]), { baseUrl: second.url }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const views = [a.body, b.body];
    const winners = views.filter((v) => v.status === 'Creating');
    const losers = views.filter((v) => v.status === 'Error');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(String(losers[0].status_reason)).toMatch(/^There are not enough hosts available\. No valid host/);
    const claims = await sql<{ container_uuid: string; memory: number }>(
      'SELECT container_uuid, memory FROM resource_claims',
    );
    // One claim, for the whole capsule, under its sandbox's uuid.
    expect(claims).toEqual([{ container_uuid: winners[0].uuid, memory: RACER }]);
    for (const v of views) {
      expect((await stack.call('DELETE', `/v1/capsules/${String(v.uuid)}`)).status).toBe(204);
    }
    // The loser never had a host: its rows go at once.
    expect(
      await sql('SELECT uuid FROM containers WHERE uuid = :u OR capsule_id = :u', { u: losers[0].uuid }),
    ).toEqual([]);
  }, 120_000);

  it('create records the sandbox, init and member rows, one claim for the total and a create task', async () => {
    const r = await create(template('web', [16, 24], { inits: 1 }));
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    expect(r.headers.get('location')).toBe(`${stack.api.url}/v1/capsules/${uuid}`);
    expect(r.body).toMatchObject({
      name: 'web',
      labels: { app: 'web' },
      annotations: { owner: 'team-a' },
      status: 'Creating',
      restart_policy: { Name: 'on-failure', MaximumRetryCount: '0' },
      cpu: 0,
      memory: '40',
    });
    expect(r.body).not.toHaveProperty('host');
    expect(r.body.containers).toHaveLength(2);
    expect(r.body.init_containers).toHaveLength(1);

    const rows = await sql<View>(
      `SELECT uuid, name, container_type, capsule_id, image, status, memory, host, mounts, restart_policy,
              capsule_volumes FROM containers WHERE uuid = :u OR capsule_id = :u ORDER BY id`,
      { u: uuid },
    );
    expect(rows.map((x) => x.container_type)).toEqual([1, 3, 2, 2]);
    const [sandbox, init, ...members] = rows;
    expect(sandbox).toMatchObject({ image: SANDBOX_IMAGE, capsule_id: null, host: stack.host });
    expect(sandbox.capsule_volumes).toEqual([{ name: 'shared', size: 1, autoRemove: true }]);
    for (const part of [init, ...members]) {
      expect(part).toMatchObject({ capsule_id: uuid, image: BUSYBOX, host: stack.host });
      expect(String(part.name)).toMatch(/^capsule-web-[a-z]+-([1-9]|1[0-9]|2[0-4])$/);
    }
    expect(members.map((m) => m.memory)).toEqual(['16', '24']);
    expect(members[0].mounts).toEqual([{ type: 'volume', name: 'shared', destination: '/shared' }]);
    expect(members[0].restart_policy).toEqual({ Name: 'on-failure', MaximumRetryCount: '0' });
    expect(init.restart_policy).toEqual({ Name: 'no', MaximumRetryCount: '0' });

    const tasks = await sql<View>(
      'SELECT container_uuid, action, params FROM compute_tasks WHERE container_uuid IN (:u)',
      {
        u: rows.map((x) => x.uuid),
      },
    );
    expect(tasks).toEqual([{ container_uuid: uuid, action: 'create', params: { run: true } }]);
    expect(await sql('SELECT memory FROM resource_claims WHERE container_uuid = :u', { u: uuid })).toEqual([
      { memory: 40 },
    ]);
    const actions = await sql<View>('SELECT action FROM container_actions WHERE container_uuid = :u', {
      u: uuid,
    });
    expect(actions).toEqual([{ action: 'create' }]);
  });

  it('serves the paths with and without the trailing slash; show by uuid or name; 415 without JSON', async () => {
    const r = await stack.call<View>('POST', '/v1/capsules', { body: { template: template('plain', [8]) } });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    for (const path of [`/v1/capsules/${uuid}`, '/v1/capsules/plain', `/v1/capsules/${uuid}/`]) {
      const shown = await stack.call<View>('GET', path);
      expect([path, shown.status, shown.body.uuid]).toEqual([path, 200, uuid]);
    }
    for (const path of ['/v1/capsules', '/v1/capsules/']) {
      const list = await stack.call<{ capsules: View[] }>('GET', path);
      expect(list.status).toBe(200);
      expect(list.body.capsules.map((c) => c.uuid)).toContain(uuid);
    }
    const token = await stack.token('demo');
    const plainText = await fetch(`${stack.api.url}/v1/capsules/`, {
      method: 'POST',
      headers: {
        'X-Auth-Token': token,
        'Content-Type': 'text/plain',
        'OpenStack-API-Version': 'container 1.40',
      },
      body: JSON.stringify({ template: template('texty', [8]) }),
    });
    expect(plainText.status).toBe(415);
    expect(await sql('SELECT uuid FROM containers WHERE name = :n', { n: 'texty' })).toEqual([]);
  });

  it('legacy view up to 1.31, current from 1.32; the list is paged with a next link', async () => {
    const legacy = await create(template('legacy', [8]), { version: '1.31' });
    expect(legacy.status).toBe(202);
    expect(legacy.body).toMatchObject({
      meta_name: 'legacy',
      meta_labels: { app: 'web' },
      restart_policy: 'on-failure',
      volumes_info: {},
      containers_uuids: [],
      init_containers_uuids: [],
      capsule_version: '',
    });
    expect(legacy.body).not.toHaveProperty('name');
    const shown = await stack.call<View>('GET', `/v1/capsules/${String(legacy.body.uuid)}`, {
      version: '1.32',
    });
    expect(shown.body).toMatchObject({ name: 'legacy', labels: { app: 'web' } });
    expect(shown.body).not.toHaveProperty('meta_name');

    const first = await stack.call<{ capsules: View[]; next: string | null }>('GET', '/v1/capsules/?limit=1');
    expect(first.body.capsules).toHaveLength(1);
    expect(first.body.next).toMatch(/\/v1\/capsules\/\?.*limit=1.*marker=/);
    const nextPath = first.body.next!.slice(stack.api.url.length);
    const page2 = await stack.call<{ capsules: View[] }>('GET', nextPath);
    expect(page2.status).toBe(200);
    expect(page2.body.capsules).toHaveLength(1);
    expect(page2.body.capsules[0].uuid).not.toBe(first.body.capsules[0].uuid);
    const old = await stack.call<{ capsules: View[] }>('GET', '/v1/capsules/', { version: '1.31' });
    expect(old.body.capsules.every((c) => 'meta_name' in c)).toBe(true);
  });

  it("policies: demo never sees admin's capsule; all_projects widens for admins only; host for admins", async () => {
    const mine = await create(template('admins-own', [8]), { user: 'admin' });
    expect(mine.status).toBe(202);
    const uuid = String(mine.body.uuid);
    expect(mine.body.host).toBe(stack.host);
    expect((await stack.call('GET', `/v1/capsules/${uuid}`)).status).toBe(404);
    expect((await stack.call('GET', '/v1/capsules/admins-own')).status).toBe(404);
    expect((await stack.call('DELETE', `/v1/capsules/${uuid}`)).status).toBe(404);
    const demoAll = await stack.call<{ capsules: View[] }>('GET', '/v1/capsules/?all_projects=True');
    expect(demoAll.status).toBe(200);
    expect(demoAll.body.capsules.map((c) => c.uuid)).not.toContain(uuid);
    expect(demoAll.body.capsules.length).toBeGreaterThan(0);
    const refused = await stack.call<Errors>('DELETE', `/v1/capsules/${uuid}?all_projects=True`);
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].detail).toContain('capsule:delete_all_projects');

    const adminOwn = await stack.call<{ capsules: View[] }>('GET', '/v1/capsules/', { user: 'admin' });
    expect(adminOwn.body.capsules.map((c) => c.uuid)).toEqual([uuid]);
    const adminAll = await stack.call<{ capsules: View[] }>('GET', '/v1/capsules/?all_projects=True', {
      user: 'admin',
    });
    expect(adminAll.body.capsules.length).toBe(demoAll.body.capsules.length + 1);
    expect(adminAll.body.capsules.every((c) => 'host' in c)).toBe(true);
  });

  it('/v1/containers: capsules are not listed, members are readable by uuid only and refuse changes', async () => {
    const r = await create(template('debug-me', [8]));
    const uuid = String(r.body.uuid);
    const member = (r.body.containers as View[])[0];
    const memberUuid = String(member.uuid);
    const plain = await stack.call<{ containers: View[] }>('GET', '/v1/containers');
    const listed = plain.body.containers.map((c) => c.uuid);
    expect(listed).not.toContain(uuid);
    expect(listed).not.toContain(memberUuid);
    expect((await stack.call('GET', `/v1/containers/${uuid}`)).status).toBe(404);
    expect((await stack.call('GET', `/v1/containers/${String(member.name)}`)).status).toBe(404);
    const shown = await stack.call<View>('GET', `/v1/containers/${memberUuid}`);
    expect([shown.status, shown.body.uuid]).toEqual([200, memberUuid]);
    // It says whose it is; plain containers carry no such field.
    expect(shown.body.capsule_id).toBe(uuid);
    expect(plain.body.containers.every((c) => !('capsule_id' in c))).toBe(true);
    for (const [method, path] of [
      ['POST', `/v1/containers/${memberUuid}/stop`],
      ['POST', `/v1/containers/${memberUuid}/start`],
      ['POST', `/v1/containers/${memberUuid}/kill`],
      ['DELETE', `/v1/containers/${memberUuid}?force=True`],
      ['PATCH', `/v1/containers/${memberUuid}`],
    ] as const) {
      const refused = await stack.call<Errors>(method, path, {
        user: 'admin',
        body: method === 'PATCH' ? { memory: 64 } : undefined,
      });
      expect([path, refused.status]).toEqual([path, 409]);
      expect(refused.body.errors[0].detail).toContain(`capsule debug-me (${uuid})`);
    }
  });

  it('a capsule whose total fits no host is Error with the explanation, no claim and no task', async () => {
    const before = await counts();
    const r = await create(template('too-big', [ROOM, ROOM]));
    expect(r.status).toBe(202);
    expect(r.body.status).toBe('Error');
    expect(String(r.body.status_reason)).toMatch(
      /^There are not enough hosts available\. No valid host: 1 host, RamFilter removed 1/,
    );
    const uuid = String(r.body.uuid);
    expect(await sql('SELECT 1 FROM resource_claims WHERE container_uuid = :u', { u: uuid })).toEqual([]);
    const after = await counts();
    expect(after.tasks).toBe(before.tasks);
    expect(after.claims).toBe(before.claims);
    expect((await stack.call('DELETE', `/v1/capsules/${uuid}`)).status).toBe(204);
    expect((await counts()).rows).toBe(before.rows);
  });

  it('refusals leave nothing behind: an unknown volumeID, a bad template', async () => {
    const before = await counts();
    const foreign = template('vol', [8]) as { spec: { volumes: View[] } };
    foreign.spec.volumes = [{ name: 'shared', cinder: { volumeID: 'no-such-volume-000000000000000000000' } }];
    const r = await create(foreign);
    expect(r.status).toBe(400);
    expect((r.body as unknown as Errors).errors[0].detail).toContain('no-such-volume-000000000000000000000');
    const bad = await create({ kind: 'capsule', metadata: {}, spec: { containers: [] } });
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as Errors).errors[0].code).toBe('container.invalid-capsule-template');
    expect(await counts()).toEqual(before);
  });

  it("a volumeID naming a volume of the caller's project is accepted", async () => {
    const volume = 'kept-data-0123456789abcdef0123456789'.slice(0, 36);
    const c = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: {
        image: BUSYBOX,
        command: ['sleep', '600'],
        memory: 16,
        mounts: [{ source: volume, destination: '/data' }],
      },
    });
    expect(c.status).toBe(202);
    await stack.waitFor(String(c.body.uuid), (x) => x.status === 'Running', 60_000, 'demo');
    const t = template('with-volume', [8]) as { spec: { volumes: View[] } };
    t.spec.volumes = [{ name: 'shared', cinder: { volumeID: volume } }];
    const r = await create(t);
    expect(r.status).toBe(202);
    // Another project has no such volume.
    expect((await create(t, { user: 'admin' })).status).toBe(400);
  }, 90_000);

  it('delete queues a delete task on the sandbox row, and the capsule goes', async () => {
    const r = await create(template('short-lived', [8]));
    const uuid = String(r.body.uuid);
    expect((await stack.call('DELETE', `/v1/capsules/short-lived`)).status).toBe(204);
    const tasks = await sql<View>('SELECT action FROM compute_tasks WHERE container_uuid = :u ORDER BY id', {
      u: uuid,
    });
    expect(tasks.map((x) => x.action)).toEqual(['create', 'delete']);
    const deadline = Date.now() + 60_000;
    let status = 200;
    while (status !== 404 && Date.now() < deadline) {
      status = (await stack.call('GET', `/v1/capsules/${uuid}`)).status;
      if (status !== 404) await new Promise((res) => setTimeout(res, 200));
    }
    expect(status).toBe(404);
  }, 90_000);
});
