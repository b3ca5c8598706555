import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import {
  CONTAINER_TYPE,
  LABEL_CAPSULE,
  SERVICE_TOKEN_HEADER,
  TASK_CHANNEL,
  type CapsuleVolume,
} from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, SANDBOX_IMAGE, TestStack, type AgentHandle } from '../../../../../test/support/stack';

type Row = Record<string, unknown>;

interface PartPlan {
  type: 'init' | 'member';
  script: string;
  ports?: string[];
  restart?: 'always' | 'on-failure' | 'no';
  mounts?: { name: string; destination: string }[];
}

const PROJECT = 'capsule-project';

/**
 * Capsules on the real engine and PostgreSQL, run by the real zun-compute: rows are written as
 * zun-api writes them (the claim through the agent, the sandbox, init and member rows, a task on
 * the sandbox row), and everything is read back from the rows and the engine.
 */
describe('capsules in the agent (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let agent: AgentHandle | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    agent = await stack.launchAgent(stack.host);
  });
  afterAll(async () => {
    await agent?.stop();
    await stack?.stop();
    await db?.drop();
  });

  const q = <T extends object>(sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> =>
    db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const rowOf = async (uuid: string): Promise<Row | undefined> =>
    (await q<Row>('SELECT * FROM containers WHERE uuid = :uuid', { uuid }))[0];
  const partsOf = (capsule: string): Promise<Row[]> =>
    q<Row>('SELECT * FROM containers WHERE capsule_id = :capsule ORDER BY id', { capsule });
  const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}; agent: ${agent?.output().slice(-4000)}`);
  };
  const waitForCapsule = async (uuid: string, until: (r: Row) => boolean): Promise<Row> => {
    let last: Row | undefined;
    await waitUntil(`capsule ${uuid}`, async () => {
      last = await rowOf(uuid);
      return last !== undefined && until(last);
    });
    return last!;
  };
  const agentCall = (method: string, path: string, body?: unknown) =>
    fetch(new URL(path, agent!.url), {
      method,
      headers: { [SERVICE_TOKEN_HEADER]: stack.serviceToken, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const logsOf = async (uuid: string): Promise<string> => {
    const r = await agentCall('GET', `/v1/containers/${uuid}/logs`);
    expect(r.status).toBe(200);
    return r.text(); // the agent streams a log as text
  };
  const queue = async (uuid: string, action: 'create' | 'delete', params: Row): Promise<void> => {
    await db.sequelize.query(
      `INSERT INTO compute_tasks (container_uuid, host, action, params, state, created_at, updated_at)
       VALUES (:uuid, :host, :action, CAST(:params AS jsonb), 'pending', now(), now());
       SELECT pg_notify(:channel, :host)`,
      {
        replacements: {
          uuid,
          host: stack.host,
          action,
          params: JSON.stringify(params),
          channel: TASK_CHANNEL,
        },
      },
    );
  };
  const engineOf = (capsule: string) =>
    stack.docker.listContainers({ all: true, filters: { label: [`${LABEL_CAPSULE}=${capsule}`] } });
  const volumesOf = async (capsule: string) =>
    (await stack.docker.listVolumes({ filters: { label: [`${LABEL_CAPSULE}=${capsule}`] } })).Volumes ?? [];
  const claimOf = (uuid: string) =>
    q<{ cpu: number; memory: number }>(
      'SELECT cpu, memory FROM resource_claims WHERE container_uuid = :uuid',
      {
        uuid,
      },
    );

  /** What zun-api records for a capsule create, then the create task on the sandbox row. */
  const createCapsule = async (
    name: string,
    parts: PartPlan[],
    volumes: CapsuleVolume[],
  ): Promise<string> => {
    const uuid = randomUUID();
    const members = parts.filter((p) => p.type === 'member').length;
    const claim = await agentCall('POST', '/v1/claims', {
      container_uuid: uuid,
      cpu: 0.1 * members,
      memory: 32 * members,
      disk: 0,
    });
    expect(claim.status).toBe(201);
    const base = {
      project_id: PROJECT,
      user_id: 'capsule-user',
      status: 'Creating',
      environment: '{}',
      labels: '{}',
      image_driver: 'docker',
      capsule_id: uuid,
    };
    await insert({
      ...base,
      uuid,
      name,
      image: SANDBOX_IMAGE,
      host: stack.host,
      container_type: CONTAINER_TYPE.capsule,
      capsule_id: null,
      cpu: 0.1 * members,
      memory: String(32 * members),
      labels: JSON.stringify({ app: name }),
      restart_policy: JSON.stringify({ Name: 'always', MaximumRetryCount: '0' }),
      capsule_volumes: JSON.stringify(volumes),
    });
    const greek = ['alpha', 'beta', 'gamma', 'delta'];
    for (const [i, p] of parts.entries()) {
      await insert({
        ...base,
        uuid: randomUUID(),
        name: `capsule-${name}-${greek[i]}-${i + 1}`,
        image: BUSYBOX,
        image_pull_policy: 'ifnotpresent',
        container_type: p.type === 'init' ? CONTAINER_TYPE.capsuleInit : CONTAINER_TYPE.capsuleMember,
        command: JSON.stringify(['sh', '-c', p.script]),
        cpu: p.type === 'member' ? 0.1 : null,
        memory: p.type === 'member' ? '32' : null,
        exposed_ports: JSON.stringify(Object.fromEntries((p.ports ?? []).map((port) => [port, {}]))),
        restart_policy: JSON.stringify({ Name: p.restart ?? 'no', MaximumRetryCount: '0' }),
        mounts: JSON.stringify((p.mounts ?? []).map((m) => ({ type: 'volume', ...m }))),
      });
    }
    await queue(uuid, 'create', { run: true });
    return uuid;
  };
  const insert = async (row: Record<string, unknown>): Promise<void> => {
    const cols = Object.keys(row);
    const values = cols.map((c) => (row[c] === null ? 'NULL' : `:${c}`));
    await db.sequelize.query(
      `INSERT INTO containers (${cols.join(', ')}, created_at, updated_at) VALUES (${values.join(', ')}, now(), now())`,
      { replacements: row },
    );
  };
  const deleteAndCheckNothingLeft = async (uuid: string, thenStartAgent?: () => Promise<void>) => {
    await queue(uuid, 'delete', { force: false, stop: false });
    await thenStartAgent?.();
    await waitUntil('the capsule rows to go', async () => (await rowOf(uuid)) === undefined);
    expect(await partsOf(uuid)).toEqual([]);
    expect(await engineOf(uuid)).toEqual([]);
    expect(await volumesOf(uuid)).toEqual([]);
    expect(await claimOf(uuid)).toEqual([]);
  };

  const SHARED = [{ name: 'work', size: 1, autoRemove: true }];
  const WORK = [{ name: 'work', destination: '/work' }];

  let running: string;

  it('runs the init container to completion, then members sharing its volume, network and IPC', async () => {
    running = await createCapsule(
      'web',
      [
        // Slow on purpose: the members must not start before it has finished.
        { type: 'init', script: 'sleep 1; echo seeded > /work/greeting; echo init done', mounts: WORK },
        {
          type: 'member',
          script: 'cp /work/greeting /work/index.html; exec httpd -f -p 8080 -h /work',
          ports: ['8080/tcp'],
          restart: 'always',
          mounts: WORK,
        },
        {
          type: 'member',
          script:
            'echo "B read $(cat /work/greeting)"; ' +
            'until wget -q -O /tmp/page http://127.0.0.1:8080/index.html; do sleep 0.2; done; ' +
            'echo "B fetched $(cat /tmp/page)"; exec sleep 3600',
          mounts: WORK,
        },
      ],
      SHARED,
    );
    const capsule = await waitForCapsule(running, (r) => r.status !== 'Creating' && r.task_state === null);
    expect(capsule).toMatchObject({ status: 'Running', status_reason: null, host: stack.host });
    const [init, a, b] = await partsOf(running);
    expect(init).toMatchObject({ status: 'Stopped', host: stack.host, task_state: null });
    expect(a).toMatchObject({ status: 'Running', host: stack.host, task_state: null });
    expect(b).toMatchObject({ status: 'Running', host: stack.host, task_state: null });
    expect(await logsOf(String(init.uuid))).toBe('init done\n');
    await waitUntil('member B to reach member A on localhost', async () =>
      (await logsOf(String(b.uuid))).includes('B fetched seeded'),
    );
    expect(await logsOf(String(b.uuid))).toContain('B read seeded');

    // The sandbox holds the namespaces and publishes the members' ports; members join it.
    const sandbox = await stack.docker.getContainer(String(capsule.container_id)).inspect();
    expect(sandbox.Config.Image).toBe(`${SANDBOX_IMAGE}:latest`);
    expect(sandbox.HostConfig.IpcMode).toBe('shareable');
    expect(Object.keys(sandbox.NetworkSettings.Networks)).toEqual([`zun-${PROJECT}-default`]);
    expect(Object.keys(capsule.addresses as Row)).toEqual(['default']);
    const published = sandbox.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
    expect(published).toBeTruthy();
    expect(await (await fetch(`http://127.0.0.1:${published}/index.html`)).text()).toBe('seeded\n');
    for (const [part, policy] of [
      [a, 'always'],
      [b, 'no'],
    ] as const) {
      const info = await stack.docker.getContainer(String(part.container_id)).inspect();
      expect(info.HostConfig.NetworkMode).toBe(`container:${String(capsule.container_id)}`);
      expect(info.HostConfig.IpcMode).toBe(`container:${String(capsule.container_id)}`);
      expect(info.HostConfig.RestartPolicy?.Name).toBe(policy);
      expect(info.HostConfig.Memory).toBe(32 * 1024 * 1024);
      expect(info.Config.Labels).toMatchObject({
        'org.openstack.zun.uuid': part.uuid,
        'org.openstack.zun.host': stack.host,
        [LABEL_CAPSULE]: running,
      });
    }
    // One claim, under the sandbox's uuid, for the whole capsule.
    expect(await claimOf(running)).toEqual([{ cpu: 0.2, memory: 64 }]);
    expect(await claimOf(String(a.uuid))).toEqual([]);
  });

  it('keeps the capsule Running while a member is restarted by its policy; Error naming a member that is not', async () => {
    const [, a, b] = await partsOf(running);
    // Its process killed (`docker kill` would count as a stop the policy respects).
    const engineA = stack.docker.getContainer(String(a.container_id));
    process.kill((await engineA.inspect()).State.Pid, 'SIGKILL');
    await waitUntil('the engine to restart member A', async () => {
      const info = await engineA.inspect();
      return info.RestartCount >= 1 && info.State.Running;
    });
    await waitUntil('member A to run again', async () => (await rowOf(String(a.uuid)))?.status === 'Running');
    expect(await rowOf(running)).toMatchObject({ status: 'Running', status_reason: null });

    await stack.docker.getContainer(String(b.container_id)).kill();
    const capsule = await waitForCapsule(running, (r) => r.status === 'Error');
    expect(capsule.status_reason).toBe(
      `Capsule member ${String(b.name)} (${String(b.uuid)}) exited with code 137 and its restart policy (no) does not restart it`,
    );
    expect(await rowOf(String(b.uuid))).toMatchObject({ status: 'Stopped' });
  });

  it('delete removes members, init container, sandbox, the autoRemove volume, the claim and every row', async () => {
    expect(await volumesOf(running)).toHaveLength(1);
    await deleteAndCheckNothingLeft(running);
  });

  it('a failing init container ends the capsule in Error with its name and exit code; its logs stay', async () => {
    const uuid = await createCapsule(
      'broken',
      [
        { type: 'init', script: 'echo first ok' },
        { type: 'init', script: 'echo cannot seed >&2; exit 3' },
        { type: 'member', script: 'exec sleep 3600' },
      ],
      [],
    );
    const capsule = await waitForCapsule(uuid, (r) => r.status !== 'Creating' && r.task_state === null);
    const [first, failing, member] = await partsOf(uuid);
    expect(capsule).toMatchObject({
      status: 'Error',
      status_reason: `Init container ${String(failing.name)} exited with code 3`,
      container_id: null,
    });
    expect(failing).toMatchObject({ status: 'Stopped', status_reason: 'Exited with code 3' });
    expect(String(failing.status_detail)).toMatch(/^Exited\(3\)/);
    expect(await logsOf(String(failing.uuid))).toBe('cannot seed\n');
    expect(await logsOf(String(first.uuid))).toBe('first ok\n');
    expect(member).toMatchObject({ status: 'Error', container_id: null });
    expect(String(member.status_reason)).toContain(String(failing.name));
    // Only the init containers are kept (for their logs); a failed capsule holds no claim.
    const engine = await engineOf(uuid);
    expect(engine.map((c) => c.Labels['org.openstack.zun.uuid']).sort()).toEqual(
      [String(first.uuid), String(failing.uuid)].sort(),
    );
    expect(await claimOf(uuid)).toEqual([]);
    // Nor does it get one back when the agent restarts (it restores missing claims of live rows).
    await agent!.stop();
    agent = await stack.launchAgent(stack.host);
    expect(await claimOf(uuid)).toEqual([]);
    await deleteAndCheckNothingLeft(uuid);
  });

  it('an agent killed during the create finishes it when it comes back, leaking nothing', async () => {
    const uuid = await createCapsule(
      'phoenix',
      [
        { type: 'init', script: 'echo run >> /work/runs; sleep 3', mounts: WORK },
        { type: 'member', script: 'exec sleep 3600', mounts: WORK },
      ],
      SHARED,
    );
    await waitUntil('the init container to run', async () =>
      (await engineOf(uuid)).some(
        (c) => c.State === 'running' && c.Labels['org.openstack.zun.uuid'] !== uuid,
      ),
    );
    await agent!.stop('SIGKILL');
    agent = await stack.launchAgent(stack.host);
    const capsule = await waitForCapsule(uuid, (r) => r.status !== 'Creating' && r.task_state === null);
    expect(capsule).toMatchObject({ status: 'Running', status_reason: null });
    // The run again started afresh: one sandbox, one init container, one member.
    const engine = await engineOf(uuid);
    expect(engine).toHaveLength(3);
    expect(engine.filter((c) => c.State === 'running')).toHaveLength(2);
    expect(await volumesOf(uuid)).toHaveLength(1);
    expect(await claimOf(uuid)).toHaveLength(1);
    // The members' resources are in the capsule's claim: none of their own after the restart.
    for (const part of await partsOf(uuid)) expect(await claimOf(String(part.uuid))).toEqual([]);
    await deleteAndCheckNothingLeft(uuid);
  });

  it("mounts the project's existing volume named by volumeId, and leaves it when the capsule goes", async () => {
    const name = `zun-${PROJECT}-kept-data`;
    await stack.docker.createVolume({
      Name: name,
      Labels: {
        'org.openstack.zun.managed': 'true',
        'org.openstack.zun.project': PROJECT,
        'org.openstack.zun.host': stack.host,
        'org.openstack.zun.volume': 'kept-data',
      },
    });
    const uuid = await createCapsule(
      'writer',
      [
        {
          type: 'init',
          script: 'echo from-capsule > /data/out',
          mounts: [{ name: 'data', destination: '/data' }],
        },
      ],
      [{ name: 'data', volumeId: 'kept-data', autoRemove: true }],
    );
    // No members: Running once the init container has written into the project's volume.
    expect(await waitForCapsule(uuid, (r) => r.status !== 'Creating' && r.task_state === null)).toMatchObject(
      {
        status: 'Running',
      },
    );
    const [init] = await partsOf(uuid);
    const info = await stack.docker.getContainer(String(init.container_id)).inspect();
    expect(info.Mounts.map((m) => [m.Name, m.Destination])).toEqual([[name, '/data']]);
    await deleteAndCheckNothingLeft(uuid);
    expect((await stack.docker.getVolume(name).inspect()).Name).toBe(name);

    const missing = await createCapsule(
      'orphan',
      [{ type: 'member', script: 'exec sleep 3600', mounts: [{ name: 'data', destination: '/data' }] }],
      [{ name: 'data', volumeId: 'no-such-volume', autoRemove: false }],
    );
    const failed = await waitForCapsule(missing, (r) => r.status !== 'Creating' && r.task_state === null);
    expect(failed).toMatchObject({
      status: 'Error',
      status_reason: `Preparing the capsule volumes: Volume no-such-volume of capsule volume data is not a volume of project ${PROJECT} on host ${stack.host}`,
    });
    await deleteAndCheckNothingLeft(missing);
  });

  it('a member that is already gone when the create ends makes it end in Error, not Running', async () => {
    const uuid = await createCapsule('brief', [{ type: 'member', script: 'exit 4' }], []);
    await waitUntil('the create task to end', async () => {
      const [task] = await q<{ state: string }>(
        "SELECT state FROM compute_tasks WHERE container_uuid = :uuid AND action = 'create'",
        { uuid },
      );
      return task.state === 'done';
    });
    const [member] = await partsOf(uuid);
    // Under load the member may exit just after the create's roll-up: the events or the
    // reconcile then take the capsule to Error within seconds.
    await waitUntil('the capsule to leave Running', async () => (await rowOf(uuid))?.status !== 'Running');
    expect(await rowOf(uuid)).toMatchObject({
      status: 'Error',
      status_reason: `Capsule member ${String(member.name)} (${String(member.uuid)}) exited with code 4 and its restart policy (no) does not restart it`,
      task_state: null,
    });
    await deleteAndCheckNothingLeft(uuid);
  });

  it('the sandbox removed behind our back takes the capsule to Error', async () => {
    const uuid = await createCapsule('fragile', [{ type: 'member', script: 'exec sleep 3600' }], []);
    const capsule = await waitForCapsule(uuid, (r) => r.status === 'Running' && r.task_state === null);
    await stack.docker.getContainer(String(capsule.container_id)).remove({ force: true });
    // `docker rm -f` kills first: the capsule's reason says so until the removal follows.
    const failed = await waitForCapsule(
      uuid,
      (r) => r.status === 'Error' && String(r.status_reason).includes('removed'),
    );
    expect(failed.status_reason).toBe(
      `The capsule's sandbox container ${String(capsule.container_id)} was removed outside the service; its members have no network`,
    );
    // A delete queued while the agent is down is carried out when it starts.
    await agent!.stop();
    agent = null;
    await deleteAndCheckNothingLeft(uuid, async () => {
      agent = await stack.launchAgent(stack.host);
    });
  });
});
