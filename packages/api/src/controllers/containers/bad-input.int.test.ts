import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { QueryTypes } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type Errors = { errors: { status: number; code: string; title: string; detail: string }[] };

/**
 * Input the API cannot store or the engine refuses: a 4xx in Zun's envelope, never a 500, and
 * nothing left behind. Action parameters from a JSON body, as raw clients send them.
 */
describe('bad input and action parameters (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let work: string;
  const count = async (sql: string): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT }))[0].n);
  const footprint = async () => ({
    containers: await count('SELECT COUNT(*) AS n FROM containers'),
    tasks: await count('SELECT COUNT(*) AS n FROM compute_tasks'),
    claims: await count('SELECT COUNT(*) AS n FROM resource_claims'),
    registries: await count('SELECT COUNT(*) AS n FROM registries'),
    engine: (await stack.engineContainers()).length,
  });
  /** A request with exactly these headers and body (stack.call always sends JSON). */
  const raw = async (
    method: string,
    urlPath: string,
    headers: Record<string, string> = {},
    body?: Buffer | string,
  ) => {
    const res = await fetch(`${stack.api.url}${urlPath}`, {
      method,
      headers: {
        'X-Auth-Token': await stack.token('demo'),
        'OpenStack-API-Version': 'container 1.40',
        ...headers,
      },
      body,
    });
    return { status: res.status, body: (await res.json()) as Errors };
  };
  const expectError = (r: { status: number; body: Errors | null }, status: number, detail: RegExp) => {
    expect(r.status).toBe(status);
    expect(r.body?.errors[0]).toMatchObject({ status });
    expect(r.body?.errors[0].detail).toMatch(detail);
  };

  async function running(name: string, command = ['sleep', '300']): Promise<string> {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, name, command, memory: 32 },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    return uuid;
  }
  const lastTask = async (uuid: string) =>
    (
      await db.sequelize.query<{ action: string; params: Record<string, unknown> }>(
        'SELECT action, params FROM compute_tasks WHERE container_uuid = :uuid ORDER BY id DESC LIMIT 1',
        { type: QueryTypes.SELECT, replacements: { uuid } },
      )
    )[0];

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    work = mkdtempSync(path.join(tmpdir(), 'zun-bad-input-'));
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('NUL characters anywhere in what is stored or passed on: 400 naming the field, nothing created', async () => {
    const before = await footprint();
    const cases: [View, RegExp][] = [
      [{ command: ['sh', 'a\u0000b'] }, /field\/attribute command\[1\]: NUL/],
      [{ environment: { A: 'x\u0000' } }, /field\/attribute environment\.A: NUL/],
      [{ labels: { 'k\u0000': 'v' } }, /field\/attribute labels: NUL/],
      [{ workdir: '/x\u0000' }, /field\/attribute workdir: NUL/],
      [{ entrypoint: ['/bin/sh\u0000'] }, /field\/attribute entrypoint\[0\]: NUL/],
      [{ image: `${BUSYBOX}\u0000` }, /field\/attribute image: NUL/],
    ];
    for (const [extra, detail] of cases) {
      const r = await stack.call<Errors>('POST', '/v1/containers?run=true', {
        body: { image: BUSYBOX, name: 'nul', ...extra },
      });
      expectError(r, 400, detail);
    }
    const reg = await stack.call<Errors>('POST', '/v1/registries', {
      body: { registry: { domain: 'reg\u0000.example:5000' } },
    });
    expectError(reg, 400, /registry\.domain: NUL/);
    expectError(
      await stack.call<Errors>('GET', '/v1/containers?name=a%00b'),
      400,
      /query parameter name: NUL/,
    );
    expectError(await stack.call<Errors>('GET', '/v1/containers/a%00b'), 400, /NUL/);
    expect(await footprint()).toEqual(before);

    const uuid = await running('nul-exec');
    const exec = await stack.call<Errors>('POST', `/v1/containers/${uuid}/execute?command=ls%00`);
    expectError(exec, 400, /query parameter command: NUL/);
  });

  it('unsupported charsets and content encodings: 415, not 500, nothing created', async () => {
    const before = await footprint();
    const body = JSON.stringify({ image: BUSYBOX, name: 'enc' });
    const latin = await raw(
      'POST',
      '/v1/containers',
      { 'Content-Type': 'application/json; charset=latin7' },
      body,
    );
    expectError(latin, 415, /charset "latin7"/);
    for (const [encoding, data] of [
      ['gzip', gzipSync(body)],
      ['br', Buffer.from(body)],
      ['x-foo', Buffer.from(body)],
    ] as const) {
      const r = await raw(
        'POST',
        '/v1/containers',
        { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
        data,
      );
      expectError(r, 415, new RegExp(`Content-Encoding "${encoding}"`));
    }
    expect(await footprint()).toEqual(before);
  });

  it('malformed percent-encoding in the path: 400', async () => {
    for (const p of ['/v1/containers/%E0%A4%A', '/v1/containers/%zz', '/v1/containers/%zz/logs']) {
      expectError(await raw('GET', p), 400, /Malformed percent-encoding/);
    }
    expectError(await raw('POST', '/v1/containers/%zz/stop'), 400, /Malformed percent-encoding/);
  });

  it('put_archive of archives the engine would refuse: 400 with the reason, nothing extracted', async () => {
    const uuid = await running('archives');
    const put = (tar: Buffer) =>
      stack.call<Errors>('POST', `/v1/containers/${uuid}/put_archive?path=/tmp`, {
        body: { data: tar.toString('base64') },
      });
    const tarOf = (setup: string, ...names: string[]): Buffer => {
      const dir = mkdtempSync(path.join(work, 't-'));
      execFileSync('sh', ['-c', setup], { cwd: dir });
      return execFileSync('tar', ['-cf', '-', '-C', dir, ...names]);
    };
    expectError(
      await put(tarOf('ln -s ../../../../etc esc', 'esc')),
      400,
      /cannot be extracted: entry "esc" is a symbolic link to "..\/..\/..\/..\/etc", outside the target directory/,
    );
    const big = tarOf('head -c 5000 /dev/urandom > blob', 'blob');
    expectError(await put(big.subarray(0, 2048)), 400, /cannot be extracted: it is truncated/);
    const gz = gzipSync(big);
    expectError(
      await put(gz.subarray(0, gz.length - 16)),
      400,
      /cannot be extracted: it is not a valid gzip stream/,
    );
    expect(execFileSync('docker', ['exec', `zun-${uuid}`, 'ls', '-A', '/tmp'], { encoding: 'utf8' })).toBe(
      '',
    );
    // The same archive whole is extracted.
    expect((await put(gz)).status).toBe(200);
    expect(execFileSync('docker', ['exec', `zun-${uuid}`, 'ls', '-A', '/tmp'], { encoding: 'utf8' })).toBe(
      'blob\n',
    );
  });

  it('logs since/tail out of range: 400', async () => {
    const uuid = await running('logs-range', ['sh', '-c', 'echo hi; sleep 300']);
    for (const q of ['since=1e23', 'since=99999999999999999999', 'since=-5', 'tail=99999999999999999999']) {
      expectError(
        await stack.call<Errors>('GET', `/v1/containers/${uuid}/logs?${q}`),
        400,
        /Invalid (since|tail) value/,
      );
    }
    const ok = await stack.call<string>('GET', `/v1/containers/${uuid}/logs?since=0&tail=5`);
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('hi\n');
  });

  it('a memory update the engine refuses is a 400 with its reason; row, claim and Docker keep the old value', async () => {
    const uuid = await running('mem-refused');
    const claim = () =>
      db.sequelize.query<{ memory: number }>(
        'SELECT memory FROM resource_claims WHERE container_uuid = :uuid',
        {
          type: QueryTypes.SELECT,
          replacements: { uuid },
        },
      );
    const engineMemory = async () =>
      (await stack.docker.getContainer(`zun-${uuid}`).inspect()).HostConfig.Memory;
    const dockerBefore = await engineMemory();
    // 4 MiB is within Zun's range (minimum_memory) but below the engine's own minimum.
    const r = await stack.call<Errors>('PATCH', `/v1/containers/${uuid}`, { body: { memory: 4 } });
    expectError(r, 400, /Cannot update container .*: .*[Mm]inimum memory/);
    const row = await stack.call<View>('GET', `/v1/containers/${uuid}`);
    expect(row.body.memory).toBe('32');
    expect(await claim()).toEqual([{ memory: 32 }]);
    expect(await engineMemory()).toBe(dockerBefore);
  });

  it('action parameters in a JSON body count as in the query, validated the same way', async () => {
    const uuid = await running('body-params');
    const tasks = await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${uuid}'`);
    const bogus = await stack.call<Errors>('POST', `/v1/containers/${uuid}/kill`, {
      body: { signal: 'BOGUS' },
    });
    expectError(bogus, 400, /Bad signal: BOGUS/);
    const both = await stack.call<Errors>('POST', `/v1/containers/${uuid}/kill?signal=TERM`, {
      body: { signal: 'KILL' },
    });
    expectError(both, 400, /field\/attribute signal/);
    const badTimeout = await stack.call<Errors>('POST', `/v1/containers/${uuid}/stop`, {
      body: { timeout: -1 },
    });
    expect(badTimeout.status).toBe(400);
    expect(await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = '${uuid}'`)).toBe(
      tasks,
    );

    const exec = await stack.call<{ output: string; exit_code: number }>(
      'POST',
      `/v1/containers/${uuid}/execute`,
      {
        body: { command: 'echo from-body', run: true },
      },
    );
    expect(exec.status).toBe(200);
    expect(exec.body).toMatchObject({ output: 'from-body\n', exit_code: 0 });

    const renamed = await stack.call<View>('POST', `/v1/containers/${uuid}/rename`, {
      body: { name: 'renamed-by-body' },
      version: '1.13',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('renamed-by-body');

    expect((await stack.call('POST', `/v1/containers/${uuid}/stop`, { body: { timeout: 0 } })).status).toBe(
      202,
    );
    expect(await lastTask(uuid)).toEqual({ action: 'stop', params: { timeout: 0 } });
    await stack.waitFor(uuid, (c) => c.status === 'Stopped' && c.task_state === null);
    expect((await stack.call('POST', `/v1/containers/${uuid}/start`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    expect(
      (await stack.call('POST', `/v1/containers/${uuid}/kill`, { body: { signal: 'SIGTERM' } })).status,
    ).toBe(202);
    expect(await lastTask(uuid)).toEqual({ action: 'kill', params: { signal: 'SIGTERM' } });
  });
});
