import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { QueryTypes } from 'sequelize';
import { createLogger } from '@zun/common';
import { startApi, type RunningApi } from '@zun/api';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX, TestStack, type AgentHandle } from '../../../../test/support/stack';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..', '..', '..');
const engines = path.join(process.env.ZUN_STATE ?? path.join(repo, '.zun', 'test'), 'engines');

type View = Record<string, unknown>;
const MIB = 1024 * 1024;
const SIZE = 64; // MiB per container
/** How many containers of SIZE each host fits: K = 9 in all. */
const FITS = [2, 3, 4];

/**
 * One API, three zun-compute agents, each on its own Docker engine (scripts/engines.sh starts the
 * second and third next to the machine's own): placement, operator switches and the claim race.
 */
describe('several compute hosts, one per Docker engine', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const agents: AgentHandle[] = [];
  const agentEnv: Record<string, string>[] = [];
  const dockers: Docker[] = [];
  const hosts: string[] = [];
  let second: RunningApi | null = null;

  const sql = async <T extends object>(q: string): Promise<T[]> =>
    db.sequelize.query<T>(q, { type: QueryTypes.SELECT });
  const claimedByHost = async (): Promise<Map<string, number>> =>
    new Map(
      (
        await sql<{ host: string; m: string }>(
          'SELECT host, SUM(memory) AS m FROM resource_claims GROUP BY host',
        )
      ).map((r) => [r.host, Number(r.m)]),
    );
  const create = (body: View, opts: { user?: 'admin' | 'demo'; version?: string } = {}) =>
    stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '600'], memory: SIZE, ...body },
      user: opts.user ?? 'admin',
      version: opts.version,
    });
  const hostOf = async (uuid: string): Promise<string> =>
    String((await stack.waitFor(uuid, (c) => c.status === 'Running' || c.status === 'Error')).host);
  const removeAll = async (): Promise<void> => {
    const list = await stack.call<{ containers: View[] }>('GET', '/v1/containers?all_projects=1&limit=1000', {
      user: 'admin',
    });
    await Promise.all(
      list.body.containers.map((c) =>
        stack.call('DELETE', `/v1/containers/${String(c.uuid)}?force=True&all_projects=1`, { user: 'admin' }),
      ),
    );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const [{ n }] = await sql<{ n: string }>('SELECT COUNT(*) AS n FROM containers');
      const [{ c }] = await sql<{ c: string }>('SELECT COUNT(*) AS c FROM resource_claims');
      if (Number(n) === 0 && Number(c) === 0) {
        // Deletes are not counted back into the APIs' snapshots until they re-read them.
        stack.api.hosts.invalidate();
        second?.hosts.invalidate();
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('containers or claims left after deleting everything');
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    const { stdout } = await run('bash', [path.join(repo, 'scripts/engines.sh'), 'up', '2', engines]);
    const sockets = [process.env.DOCKER_SOCKET ?? '/var/run/docker.sock', ...stdout.trim().split('\n')];
    const memTotalMiB = Math.floor(
      Number((await new Docker({ socketPath: sockets[0] }).info()).MemTotal) / MIB,
    );
    await stack.startApi({
      // Long enough that the stale-snapshot test cannot be rescued by a re-read.
      ZUN_SCHEDULER_HOST_STATE_TTL: '10',
      ZUN_SCHEDULER_ENABLED_FILTERS:
        'AvailabilityZoneFilter,ComputeFilter,RuntimeFilter,CPUFilter,RamFilter,LabelFilter,CpuSetFilter',
    });
    for (let i = 0; i < 3; i++) {
      const host = `${stack.host}-h${i + 1}`;
      hosts.push(host);
      dockers.push(new Docker({ socketPath: sockets[i] }));
      agentEnv.push({
        ZUN_DOCKER_SOCKET_PATH: sockets[i],
        // Capacity = (total - reserved) * ratio: exactly FITS[i] containers of SIZE MiB.
        ZUN_COMPUTE_RAM_ALLOCATION_RATIO: '1.0',
        ZUN_COMPUTE_RESERVED_HOST_MEMORY_MB: String(memTotalMiB - FITS[i] * SIZE),
        ZUN_DEFAULT_DEFAULT_AVAILABILITY_ZONE: i === 1 ? 'az-two' : 'nova',
        ZUN_COMPUTE_ENABLE_CPU_PINNING: i === 2 ? 'true' : 'false',
      });
      agents.push(await stack.launchAgent(host, agentEnv[i]));
    }
  }, 120_000);

  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
    for (let i = 0; i < dockers.length; i++) {
      const ours = await dockers[i].listContainers({
        all: true,
        filters: { label: [`org.openstack.zun.host=${hosts[i]}`] },
      });
      for (const c of ours) await dockers[i].getContainer(c.Id).remove({ force: true });
    }
    await run('bash', [path.join(repo, 'scripts/engines.sh'), 'down', engines]).catch(() => undefined);
    await db?.drop();
  }, 120_000);

  it('4K parallel creates against capacity for K: exactly K run, 3K fail with no valid host, never over-committed', async () => {
    // A second API on the same database schedules from its own snapshot, blind to the first one's
    // placements: the agents' claims must catch every over-placement and the APIs reschedule.
    second = await startApi(stack.config, createLogger('zun-api-2', { format: 'text' }));
    const K = FITS.reduce((a, b) => a + b, 0);
    const capacity = new Map(hosts.map((h, i) => [h, FITS[i] * SIZE]));
    let maxSeen = new Map<string, number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const [h, m] of await claimedByHost()) maxSeen.set(h, Math.max(maxSeen.get(h) ?? 0, m));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const answers = await Promise.all(
      Array.from({ length: 4 * K }, (_, i) =>
        stack.call<View>('POST', '/v1/containers?run=true', {
          // cpu 0.1: a create counts against the project's quota from the moment it is recorded,
          // and all 4K in flight at once must stay within the default 20 vCPUs.
          body: { image: BUSYBOX, command: ['sleep', '600'], memory: SIZE, cpu: 0.1, name: `race-${i}` },
          user: 'admin',
          ...(i % 2 ? { baseUrl: second!.url } : {}),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(4 * K).fill(202));
    const final = await Promise.all(
      answers.map((a) =>
        stack.waitFor(String(a.body.uuid), (c) => c.status === 'Running' || c.status === 'Error', 90_000),
      ),
    );
    sampling = false;
    await sampler;
    const running = final.filter((c) => c.status === 'Running');
    const failed = final.filter((c) => c.status === 'Error');
    expect(running).toHaveLength(K);
    expect(failed).toHaveLength(3 * K);
    for (const f of failed)
      expect(String(f.status_reason)).toMatch(/^There are not enough hosts available\. No valid host/);
    // Never over capacity in the DB, at any sample, and now.
    for (const [h, m] of await claimedByHost()) maxSeen.set(h, Math.max(maxSeen.get(h) ?? 0, m));
    for (const h of hosts) expect(maxSeen.get(h) ?? 0).toBeLessThanOrEqual(capacity.get(h)!);
    // Every host is full, and the engines agree: memory limits of running containers per engine.
    for (let i = 0; i < 3; i++) {
      const ours = await dockers[i].listContainers({
        filters: { label: [`org.openstack.zun.host=${hosts[i]}`], status: ['running'] },
      });
      let limits = 0;
      for (const c of ours) limits += (await dockers[i].getContainer(c.Id).inspect()).HostConfig.Memory ?? 0;
      expect(ours).toHaveLength(FITS[i]);
      expect(limits / MIB).toBeLessThanOrEqual(capacity.get(hosts[i])!);
    }
    maxSeen = new Map();
    await removeAll();
  }, 240_000);

  it('reschedules to the next candidate when a host refuses the claim (stale snapshot)', async () => {
    // A's placement loads the snapshot; then h2 is filled behind the API's back, directly on its agent.
    const a = await create({ name: 'first' });
    const filler = '00000000-0000-4000-8000-00000000f111';
    const fill = await fetch(`${agents[1].url}/v1/claims`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zun-service-token': stack.serviceToken },
      body: JSON.stringify({ container_uuid: filler, cpu: 0, memory: FITS[1] * SIZE, disk: 0 }),
    });
    expect(fill.status).toBe(201);
    // Spread ranks h2 next (h1 is half full in the snapshot); its agent refuses, h3 takes it.
    const b = await create({ name: 'second' });
    expect(await hostOf(String(a.body.uuid))).toBe(hosts[0]);
    expect(await hostOf(String(b.body.uuid))).toBe(hosts[2]);
    expect(agents[1].output()).toMatch(new RegExp(`claim refused[^\\n]*${String(b.body.uuid)}`));
    // The claim API refuses strangers and bad input.
    const stranger = await fetch(`${agents[1].url}/v1/claims/${filler}`, { method: 'DELETE' });
    expect(stranger.status).toBe(401);
    const bad = await fetch(`${agents[1].url}/v1/claims`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zun-service-token': stack.serviceToken },
      body: JSON.stringify({ container_uuid: filler, cpu: -1, memory: 1, disk: 0 }),
    });
    expect(bad.status).toBe(400);
    const release = await fetch(`${agents[1].url}/v1/claims/${filler}`, {
      method: 'DELETE',
      headers: { 'x-zun-service-token': stack.serviceToken },
    });
    expect(release.status).toBe(204);
    await removeAll();
  }, 120_000);

  it('spreads containers across hosts, each on its own engine', async () => {
    // One after another: each placement sees the claims before it. Requests at the same moment
    // may share a host (claims still hold), as with upstream's scheduler.
    const made = [];
    for (const i of [0, 1, 2]) made.push(await create({ name: `spread-${i}` }));
    const placed = await Promise.all(made.map((r) => hostOf(String(r.body.uuid))));
    expect(new Set(placed)).toEqual(new Set(hosts));
    for (const [i, r] of made.entries()) {
      const engine = dockers[hosts.indexOf(placed[i])];
      const info = await engine.getContainer(`zun-${String(r.body.uuid)}`).inspect();
      expect(info.State.Running).toBe(true);
    }
    await removeAll();
  }, 120_000);

  it('an availability zone or a label lands on the right host', async () => {
    const az = await create({ availability_zone: 'az-two' });
    expect(await hostOf(String(az.body.uuid))).toBe(hosts[1]);
    const label = await create({ hints: { 'label:zun.engine': '2' } });
    expect(await hostOf(String(label.body.uuid))).toBe(hosts[2]);
    const nowhere = await create({ availability_zone: 'az-none' });
    const failed = await stack.waitFor(String(nowhere.body.uuid), (c) => c.status === 'Error');
    expect(failed.status_reason).toBe(
      'There are not enough hosts available. No valid host: 3 hosts, AvailabilityZoneFilter removed 3',
    );
    const zones = await stack.call<{ availability_zones: View[] }>('GET', '/v1/availability_zones');
    expect(zones.body.availability_zones).toEqual([
      { availability_zone: 'az-two' },
      { availability_zone: 'nova' },
    ]);
    await removeAll();
  }, 120_000);

  it('a disabled or forced-down service gets nothing; enabled again it does', async () => {
    const put = (action: string, qs: string) =>
      stack.call<View>('PUT', `/v1/services/${action}?binary=zun-compute&${qs}`, { user: 'admin' });
    const dis = await put('disable', `host=${hosts[0]}&disabled_reason=maintenance`);
    expect(dis.body).toEqual({
      service: { host: hosts[0], binary: 'zun-compute', disabled: true, disabled_reason: 'maintenance' },
    });
    expect((await put('force_down', `host=${hosts[2]}&forced_down=True`)).body).toEqual({
      service: { host: hosts[2], binary: 'zun-compute', forced_down: true },
    });
    const made = await Promise.all([0, 1].map(() => create({})));
    for (const r of made) expect(await hostOf(String(r.body.uuid))).toBe(hosts[1]);
    const services = await stack.call<{ services: View[] }>('GET', '/v1/services', { user: 'admin' });
    const byHost = new Map(services.body.services.map((s) => [s.host, s]));
    expect(byHost.get(hosts[0])).toMatchObject({
      disabled: true,
      disabled_reason: 'maintenance',
      state: 'up',
    });
    expect(byHost.get(hosts[2])).toMatchObject({ forced_down: true, state: 'down' });
    // Members may not touch services; bad input is a 400, unknown services a 404.
    expect((await stack.call('PUT', `/v1/services/enable?host=${hosts[0]}&binary=zun-compute`)).status).toBe(
      403,
    );
    expect(
      (await stack.call('PUT', '/v1/services/enable?binary=zun-compute', { user: 'admin' })).status,
    ).toBe(400);
    expect((await put('enable', 'host=no-such-host')).status).toBe(404);
    expect((await put('force_down', `host=${hosts[2]}&forced_down=maybe`)).status).toBe(400);

    await put('enable', `host=${hosts[0]}`);
    await put('force_down', `host=${hosts[2]}&forced_down=False`);
    const again = await Promise.all([0, 1].map(() => create({})));
    const placed = await Promise.all(again.map((r) => hostOf(String(r.body.uuid))));
    expect(placed).not.toContain(hosts[1]); // spread: the two emptiest hosts now
    await removeAll();
  }, 120_000);

  it('a requested host works for admins (1.39+) and is refused for members', async () => {
    const r = await create({ host: hosts[2] }, { version: '1.39' });
    expect(r.status).toBe(202);
    expect(await hostOf(String(r.body.uuid))).toBe(hosts[2]);
    const member = await create({ host: hosts[2] }, { user: 'demo', version: '1.39' });
    expect(member.status).toBe(403);
    const old = await create({ host: hosts[2] }, { version: '1.38' });
    expect(old.status).toBe(400);
    const unknown = await create({ host: 'no-such-host' }, { version: '1.39' });
    expect(unknown.status).toBe(404);
    const hostsView = await stack.call<View>('GET', `/v1/hosts/${hosts[2]}`, { user: 'admin' });
    expect(hostsView.body).toMatchObject({
      hostname: hosts[2],
      mem_used: SIZE,
      availability_zone: 'nova',
      containers_by_status: { Running: 1 },
      labels: { 'zun.engine': '2' },
    });
    await removeAll();
  }, 120_000);

  it('dedicated CPUs: pinned on the host that enables pinning, one container per CPU, kept across an agent restart', async () => {
    const ncpu = Number((await dockers[2].info()).NCPU);
    const made: View[] = [];
    for (let i = 0; i < ncpu; i++) {
      const r = await create({ cpu: 1, cpu_policy: 'dedicated' }, { version: '1.40' });
      expect(r.status).toBe(202);
      made.push(r.body);
    }
    const pinned = new Set<string>();
    for (const m of made) {
      expect(await hostOf(String(m.uuid))).toBe(hosts[2]);
      const info = await dockers[2].getContainer(`zun-${String(m.uuid)}`).inspect();
      expect(info.HostConfig.CpusetCpus).toMatch(/^\d+$/);
      pinned.add(String(info.HostConfig.CpusetCpus));
    }
    expect(pinned.size).toBe(ncpu); // each container its own CPU
    const full = await create({ cpu: 1, cpu_policy: 'dedicated' });
    const failed = await stack.waitFor(String(full.body.uuid), (c) => c.status === 'Error');
    expect(failed.status_reason).toMatch(/No valid host: 3 hosts, CpuSetFilter removed 3/);

    // The restarted agent rebuilds its pins from the claims: it refuses one more dedicated claim itself.
    // A claim lost from the table is restored from its container's row.
    const shared = await create({ host: hosts[2] }, { version: '1.39' });
    expect(await hostOf(String(shared.body.uuid))).toBe(hosts[2]);
    await db.sequelize.query(
      `DELETE FROM resource_claims WHERE container_uuid = '${String(shared.body.uuid)}'`,
    );
    await agents[2].stop();
    agents[2] = await stack.launchAgent(hosts[2], agentEnv[2]);
    const claim = await fetch(`${agents[2].url}/v1/claims`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zun-service-token': stack.serviceToken },
      body: JSON.stringify({
        container_uuid: '00000000-0000-4000-8000-00000000f222',
        cpu: 1,
        memory: 16,
        disk: 0,
        cpu_policy: 'dedicated',
      }),
    });
    expect(claim.status).toBe(409);
    expect(((await claim.json()) as { reason: string }).reason).toMatch(/No NUMA node has 1 free CPUs/);
    const back = await sql<{ memory: number; host: string }>(
      `SELECT memory, host FROM resource_claims WHERE container_uuid = '${String(shared.body.uuid)}'`,
    );
    expect(back).toEqual([{ memory: SIZE, host: hosts[2] }]);
    await removeAll();
  }, 120_000);

  it('service-delete removes a host from scheduling', async () => {
    await agents[0].stop();
    const del = await stack.call('DELETE', `/v1/services?host=${hosts[0]}&binary=zun-compute`, {
      user: 'admin',
    });
    expect(del.status).toBe(200);
    const services = await stack.call<{ services: View[] }>('GET', '/v1/services', { user: 'admin' });
    expect(services.body.services.map((s) => s.host)).not.toContain(hosts[0]);
    const made = await Promise.all([0, 1, 2].map(() => create({})));
    for (const r of made) expect(await hostOf(String(r.body.uuid))).not.toBe(hosts[0]);
    await removeAll();
  }, 120_000);
});
