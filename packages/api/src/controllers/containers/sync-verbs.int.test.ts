import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, REGISTRY, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type ErrorBody = { errors: { status: number; code: string; title: string }[] };
type Stats = Record<string, number | string>;

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' });
const tarOf = (dir: string, name: string): Buffer => execFileSync('tar', ['-cf', '-', '-C', dir, name]);
const untar = (tar: Buffer, dir: string): void => {
  execFileSync('tar', ['-xf', '-', '-C', dir], { input: tar });
};

/** top, stats, get/put_archive and commit through zun-api + a real zun-compute + the real engine. */
describe('synchronous container verbs (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let work: string;
  const images: string[] = [];
  const count = async (sql: string): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT }))[0].n);

  /** Creates and runs a container as demo and waits for it to be Running; returns uuid + docker id. */
  async function run(
    name: string,
    command: string[],
    extra: View = {},
  ): Promise<{ uuid: string; id: string }> {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, name, command, ...extra },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (c) => c.status === 'Running');
    const id = docker('inspect', '--format', '{{.Id}}', `zun-${uuid}`).trim();
    return { uuid, id };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    work = mkdtempSync(path.join(tmpdir(), 'zun-sync-'));
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
    for (const img of images) {
      try {
        docker('rmi', '-f', img);
      } catch {
        // already gone
      }
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('top lists the real processes of the container, with ps_args; bad ps_args are a 400', async () => {
    const { uuid, id } = await run('topper', ['sh', '-c', 'sleep 4242']);
    const r = await stack.call<{ Titles: string[]; Processes: string[][] }>(
      'GET',
      `/v1/containers/topper/top?ps_args=None`,
    );
    expect(r.status).toBe(200);
    expect(r.body.Titles).toEqual(expect.arrayContaining(['PID', 'CMD']));
    const engine = await stack.docker.getContainer(id).top();
    const pidCol = r.body.Titles.indexOf('PID');
    expect(r.body.Processes.map((p) => p[pidCol]).sort()).toEqual(
      engine.Processes.map((p: string[]) => p[engine.Titles.indexOf('PID')]).sort(),
    );
    expect(r.body.Processes.map((p) => p.join(' ')).join('\n')).toContain('sleep 4242');

    const withArgs = await stack.call<{ Titles: string[] }>('GET', `/v1/containers/${uuid}/top?ps_args=aux`);
    expect(withArgs.status).toBe(200);
    expect(withArgs.body.Titles).toEqual(expect.arrayContaining(['USER', '%CPU', 'COMMAND']));

    const refused = await stack.call<ErrorBody>('GET', `/v1/containers/${uuid}/top?ps_args=-zzq`);
    expect(refused.status).toBe(400);
    const injected = await stack.call<ErrorBody>(
      'GET',
      `/v1/containers/${uuid}/top?ps_args=${encodeURIComponent('aux; rm -rf /')}`,
    );
    expect(injected.status).toBe(400);
    expect((await stack.call('GET', `/v1/containers/${uuid}/top?bogus=1`)).status).toBe(400);
  });

  it('stats reports the memory, CPU and I/O the engine measures for the same container', async () => {
    // 20 MiB in tmpfs (charged to the container's memory), then a busy loop under a 0.5 CPU cap.
    const { uuid, id } = await run(
      'statter',
      ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/ballast bs=1M count=20; while :; do :; done'],
      { memory: '64', cpu: '0.5' },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const r = await stack.call<Stats>('GET', `/v1/containers/${uuid}/stats`);
    expect(r.status).toBe(200);
    const engine = (await stack.docker.getContainer(id).stats({ stream: false })) as unknown as {
      memory_stats: { usage: number; limit: number; stats: Record<string, number> };
      cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
      precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number };
      networks: Record<string, { rx_bytes: number; tx_bytes: number }>;
      blkio_stats: { io_service_bytes_recursive: { op: string; value: number }[] | null };
    };
    expect(r.body.CONTAINER).toBe('statter');
    expect(r.body['MEM LIMIT(MiB)']).toBe(64);
    expect(r.body['MEM LIMIT(MiB)']).toBe(engine.memory_stats.limit / 1024 / 1024);
    const engineUsage =
      (engine.memory_stats.usage - (engine.memory_stats.stats.total_inactive_file ?? 0)) / 1024 / 1024;
    expect(r.body['MEM USAGE(MiB)']).toBeGreaterThanOrEqual(20);
    expect(Math.abs(Number(r.body['MEM USAGE(MiB)']) - engineUsage)).toBeLessThan(4);
    expect(r.body['MEM %']).toBeCloseTo((Number(r.body['MEM USAGE(MiB)']) / 64) * 100, 2);

    const c = engine.cpu_stats;
    const p = engine.precpu_stats;
    const engineCpu =
      ((c.cpu_usage.total_usage - p.cpu_usage.total_usage) / (c.system_cpu_usage - p.system_cpu_usage)) *
      c.online_cpus *
      100;
    // A busy loop capped at half a CPU reads at most ~50 %. How much of its cap it gets depends on
    // what else the two cores run at that moment (CI measured 14.9 % once while other suites ran,
    // and 40 % against the engine's 7 % a second later), so the floor only proves a real, non-zero
    // measurement and the cap carries the precision, for our reading and the engine's alike; two
    // samples taken at different instants are not compared with each other.
    expect(r.body['CPU %']).toBeGreaterThan(1);
    expect(r.body['CPU %']).toBeLessThan(60);
    expect(engineCpu).toBeLessThan(60);

    const [rx, tx] = String(r.body['NET I/O(B)']).split('/').map(Number);
    const net = Object.values(engine.networks ?? {});
    expect(rx).toBeLessThanOrEqual(net.reduce((s, n) => s + n.rx_bytes, 0));
    expect(tx).toBeLessThanOrEqual(net.reduce((s, n) => s + n.tx_bytes, 0));
    const blk = engine.blkio_stats.io_service_bytes_recursive ?? [];
    const sum = (op: string) => blk.filter((e) => e.op.toLowerCase() === op).reduce((s, e) => s + e.value, 0);
    const [read, write] = String(r.body['BLOCK I/O(B)']).split('/').map(Number);
    expect(read).toBeLessThanOrEqual(sum('read'));
    expect(write).toBeLessThanOrEqual(sum('write'));
  });

  it('put_archive copies a file into the container and get_archive copies it back out (base64 ≥1.25)', async () => {
    const { uuid, id } = await run('copier', ['sleep', '600']);
    const content = `payload-${randomBytes(8).toString('hex')}\n`;
    writeFileSync(path.join(work, 'hello.txt'), content);
    const tar = tarOf(work, 'hello.txt');

    const put = await stack.call('POST', `/v1/containers/${uuid}/put_archive?path=/tmp`, {
      body: { data: tar.toString('base64') },
    });
    expect(put.status).toBe(200);
    expect(put.body).toBeNull();
    expect(docker('exec', id, 'cat', '/tmp/hello.txt')).toBe(content);

    docker('exec', id, 'sh', '-c', 'printf "made inside\\n" > /tmp/inside.txt');
    const got = await stack.call<{ data: string; stat: Record<string, unknown> }>(
      'GET',
      `/v1/containers/copier/get_archive?path=/tmp/inside.txt`,
    );
    expect(got.status).toBe(200);
    expect(got.body.stat).toMatchObject({ name: 'inside.txt', size: 12, linkTarget: '' });
    expect(typeof got.body.stat.mode).toBe('number');
    const out = mkdtempSync(path.join(work, 'out-'));
    untar(Buffer.from(got.body.data, 'base64'), out);
    expect(readFileSync(path.join(out, 'inside.txt'), 'utf8')).toBe('made inside\n');

    // A few hundred KiB (past the default JSON body limit), with the optional trailing slash.
    const big = randomBytes(300 * 1024);
    writeFileSync(path.join(work, 'big.bin'), big);
    const bigPut = await stack.call('POST', `/v1/containers/${uuid}/put_archive/?path=/tmp`, {
      body: { data: tarOf(work, 'big.bin').toString('base64') },
    });
    expect(bigPut.status).toBe(200);
    expect(docker('exec', id, 'md5sum', '/tmp/big.bin').split(' ')[0]).toBe(
      createHash('md5').update(big).digest('hex'),
    );

    // Before 1.25 the archive is the raw bytes as a JSON string, both ways.
    const old = await stack.call<{ data: string }>(
      'GET',
      `/v1/containers/${uuid}/get_archive?path=/tmp/hello.txt`,
      {
        version: '1.24',
      },
    );
    expect(old.status).toBe(200);
    const out2 = mkdtempSync(path.join(work, 'out-'));
    untar(Buffer.from(old.body.data, 'utf8'), out2);
    expect(readFileSync(path.join(out2, 'hello.txt'), 'utf8')).toBe(content);
    writeFileSync(path.join(work, 'old.txt'), 'old client\n');
    const oldPut = await stack.call('POST', `/v1/containers/${uuid}/put_archive?path=/tmp`, {
      body: { data: tarOf(work, 'old.txt').toString('utf8') },
      version: '1.24',
    });
    expect(oldPut.status).toBe(200);
    expect(docker('exec', id, 'cat', '/tmp/old.txt')).toBe('old client\n');

    // Stopped containers still allow copying; top and stats need it running.
    expect((await stack.call('POST', `/v1/containers/${uuid}/stop?timeout=0`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Stopped');
    const stopped = await stack.call('GET', `/v1/containers/${uuid}/get_archive?path=/tmp/hello.txt`);
    expect(stopped.status).toBe(200);
    for (const verb of ['top', 'stats']) {
      const r = await stack.call<ErrorBody>('GET', `/v1/containers/${uuid}/${verb}`);
      expect(r.status).toBe(409);
      expect(r.body.errors[0].code).toBe('container.invalid-state-exception');
      expect(r.body.errors[0].title).toContain('Stopped');
    }
  });

  it('archive input errors are 400s that leave nothing in the container', async () => {
    const { uuid, id } = await run('guarded', ['sleep', '600']);
    writeFileSync(path.join(work, 'nope.txt'), 'must not arrive\n');
    const tar = tarOf(work, 'nope.txt').toString('base64');
    const cases: [string, unknown][] = [
      [`/v1/containers/${uuid}/put_archive?path=/does/not/exist`, { data: tar }],
      [`/v1/containers/${uuid}/put_archive?path=/tmp`, { data: '***not base64***' }],
      [
        `/v1/containers/${uuid}/put_archive?path=/tmp`,
        { data: Buffer.from('not a tar at all').toString('base64') },
      ],
      [`/v1/containers/${uuid}/put_archive?path=/tmp`, { data: 42 }],
      [`/v1/containers/${uuid}/put_archive`, { data: tar }],
      [`/v1/containers/${uuid}/put_archive?path=/tmp&other=1`, { data: tar }],
    ];
    for (const [url, body] of cases) {
      const r = await stack.call<ErrorBody>('POST', url, { body });
      expect([url, r.status]).toEqual([url, 400]);
      expect(r.body.errors[0].status).toBe(400);
    }
    expect(docker('exec', id, 'sh', '-c', 'ls /tmp /does 2>/dev/null; true')).not.toContain('nope.txt');
    const missing = await stack.call<ErrorBody>(
      'GET',
      `/v1/containers/${uuid}/get_archive?path=/no/such/file`,
    );
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].title).toContain('/no/such/file');
    expect((await stack.call('GET', `/v1/containers/${uuid}/get_archive`)).status).toBe(400);
    // Another project's container is invisible.
    expect(
      (await stack.call('GET', `/v1/containers/${uuid}/get_archive?path=/tmp`, { user: 'admin' })).status,
    ).toBe(200);
    const created = await stack.call<View>('POST', '/v1/containers', {
      body: { image: BUSYBOX, name: 'fresh', command: ['true'] },
      user: 'admin',
    });
    await stack.waitFor(String(created.body.uuid), (c) => c.status === 'Created');
    expect((await stack.call('GET', `/v1/containers/${String(created.body.uuid)}/stats`)).status).toBe(404);
  });

  it("commit makes an image of the container, kept on the host in the project's namespace without a default registry", async () => {
    const { uuid } = await run('committer', ['sh', '-c', 'echo baked-in > /baked.txt; sleep 600']);
    const project = String((await stack.call<View>('GET', `/v1/containers/${uuid}`)).body.project_id);
    const local = `zun-commit-test-${randomBytes(4).toString('hex')}`;
    const r = await stack.call<{ uuid: string }>(
      'POST',
      `/v1/containers/${uuid}/commit?repository=${local}&tag=t1`,
    );
    expect(r.status).toBe(202);
    expect(r.body.uuid).toMatch(/^[0-9a-f-]{36}$/);
    images.push(`${project}/${local}:t1`);
    await waitForAction(uuid, 'commit');
    const labels = JSON.parse(
      docker('image', 'inspect', '--format', '{{json .Config.Labels}}', `${project}/${local}:t1`),
    ) as Record<string, string>;
    expect(labels['org.openstack.zun.image.uuid']).toBe(r.body.uuid);
    expect(labels['org.openstack.zun.managed']).toBe('false');
    expect(docker('run', '--rm', `${project}/${local}:t1`, 'cat', '/baked.txt')).toBe('baked-in\n');
    // Paused for the copy only.
    expect((await stack.waitFor(uuid, (c) => c.status === 'Running')).status).toBe('Running');
    expect(docker('inspect', '--format', '{{.State.Status}}', `zun-${uuid}`).trim()).toBe('running');
    // A name already in the namespace is not prefixed twice.
    const twice = await stack.call(
      'POST',
      `/v1/containers/${uuid}/commit?repository=${project}/${local}&tag=t2`,
    );
    expect(twice.status).toBe(202);
    images.push(`${project}/${local}:t2`);
    await waitForAction(uuid, 'commit', 2);
    expect(docker('run', '--rm', `${project}/${local}:t2`, 'cat', '/baked.txt')).toBe('baked-in\n');

    // Without a default registry, no registry host is the project's (it has no registries).
    const [host, port] = REGISTRY.split(':');
    const refused = await stack.call<ErrorBody>(
      'POST',
      `/v1/containers/committer/commit?repository=${host}&tag=${encodeURIComponent(`${port}/${project}/x`)}`,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].title).toContain(
      `${REGISTRY} is not one of project ${project}'s registries`,
    );
  });

  it('commit of a paused container leaves it paused', async () => {
    const { uuid, id } = await run('frozen', ['sh', '-c', 'echo cold > /cold.txt; sleep 600']);
    docker('pause', id);
    await stack.waitFor(uuid, (c) => c.status === 'Paused');
    const project = String((await stack.call<View>('GET', `/v1/containers/${uuid}`)).body.project_id);
    const repo = `zun-commit-test-${randomBytes(4).toString('hex')}`;
    images.push(`${project}/${repo}:latest`);
    const r = await stack.call<{ uuid: string }>('POST', `/v1/containers/frozen/commit?repository=${repo}`);
    expect(r.status).toBe(202);
    await waitForAction(uuid, 'commit');
    expect(docker('inspect', '--format', '{{.State.Status}}', id).trim()).toBe('paused');
    expect(docker('run', '--rm', `${project}/${repo}:latest`, 'cat', '/cold.txt')).toBe('cold\n');
    docker('unpause', id);
  });

  it('a Docker container removed behind our back makes the call a 409 and the row Error', async () => {
    const { uuid, id } = await run('vanishing', ['sleep', '600']);
    docker('rm', '-f', id);
    const r = await stack.call<ErrorBody>('GET', `/v1/containers/${uuid}/stats`);
    expect(r.status).toBe(409);
    const row = await stack.waitFor(uuid, (c) => c.status === 'Error');
    expect(String(row.status_reason)).toContain(id.slice(0, 12));
  });

  it('commit refuses bad names and wrong states with nothing queued', async () => {
    const created = await stack.call<View>('POST', '/v1/containers', {
      body: { image: BUSYBOX, name: 'notyet', command: ['true'] },
    });
    const uuid = String(created.body.uuid);
    await stack.waitFor(uuid, (c) => c.status === 'Created');
    const before = await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${uuid}'`);
    const wrongState = await stack.call<ErrorBody>('POST', `/v1/containers/${uuid}/commit?repository=fine`);
    expect(wrongState.status).toBe(409);
    expect(wrongState.body.errors[0].title).toContain('Created');
    for (const q of [
      'repository=UPPER',
      'repository=a%20b',
      'repository=ok&tag=bad%20tag',
      'tag=x',
      'repository=ok&x=1',
    ]) {
      const r = await stack.call<ErrorBody>('POST', `/v1/containers/${uuid}/commit?${q}`);
      expect([q, r.status]).toEqual([q, 400]);
    }
    expect(await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${uuid}'`)).toBe(
      before,
    );
    expect(
      await count(
        `SELECT COUNT(*) AS n FROM container_actions WHERE container_uuid = '${uuid}' AND action = 'commit'`,
      ),
    ).toBe(0);
  });

  /** Waits until `n` commit actions of the container have finished, and checks they succeeded. */
  async function waitForAction(uuid: string, action: string, n = 1): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const rows = await db.sequelize.query<{ finish_time: Date | null; message: string | null }>(
        `SELECT finish_time, message FROM container_actions WHERE container_uuid = :uuid AND action = :action`,
        { type: QueryTypes.SELECT, replacements: { uuid, action } },
      );
      const finished = rows.filter((row) => row.finish_time !== null);
      if (finished.length >= n) {
        const events = await db.sequelize.query<{ event: string; result: string; traceback: string | null }>(
          `SELECT e.event, e.result, e.traceback FROM container_action_events e
             JOIN container_actions a ON a.id = e.action_id WHERE a.container_uuid = :uuid AND a.action = :action`,
          { type: QueryTypes.SELECT, replacements: { uuid, action } },
        );
        expect(events.map((e) => [e.event, e.result, e.traceback])).toEqual(
          Array.from({ length: finished.length }, () => [`compute__do_container_${action}`, 'Success', null]),
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${action} of ${uuid} did not finish`);
  }
});
