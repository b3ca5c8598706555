import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { Client } from 'pg';
import { migrate, openDatabase } from '@zun/common';
import { freePort } from '../../../../test/support/aio-stack';
import { healthy, settle, takeCensus } from '../../../../test/support/census';
import { results, saveResults } from '../../../../test/support/fault-stack';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';
import type { TestDatabase } from '../../../../test/support/db';
import { LocalPostgres } from '../local-postgres';

/**
 * Outages of what zun-ts depends on: its PostgreSQL stopped for 30 s under load, and the Docker
 * engine restarted. zun-api runs in this process, zun-compute as a real child, each scenario on
 * a PostgreSQL (and, for the engine restart, a Docker engine) of its own that it can stop.
 */
const run = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTAGE_MS = Number(process.env.FAULT_DB_OUTAGE_MS ?? 30_000);

async function ownDatabase(): Promise<{ pg: LocalPostgres; db: TestDatabase; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zun-fault-pg-'));
  const pg = await LocalPostgres.create({
    dataDir: path.join(dir, 'pg'),
    user: 'zun',
    password: 'zun',
    port: await freePort(),
    flags: ['-c', 'fsync=off'],
  });
  await pg.initialise();
  await pg.start();
  const base = `postgres://zun:zun@127.0.0.1:${pg.port}`;
  const admin = new Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE zun');
  await admin.end();
  const url = `${base}/zun`;
  const sequelize = openDatabase(url);
  await migrate(sequelize);
  return { pg, dir, db: { url, sequelize, drop: () => sequelize.close() } };
}

afterAll(() => saveResults());

describe('PostgreSQL stopped under load', () => {
  let pg: LocalPostgres;
  let db: TestDatabase;
  let dir: string;
  let stack: TestStack;

  beforeAll(async () => {
    ({ pg, db, dir } = await ownDatabase());
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
  }, 120_000);

  afterAll(async () => {
    // The agent's own account of the outage, for whoever reads a failure.
    if (process.env.FAULT_SHOW_AGENT) process.stdout.write(stack?.agentOutput.slice(-20_000) ?? '');
    await stack?.stop();
    await db?.drop().catch(() => undefined);
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it(`answers 503 while the database is down for ${OUTAGE_MS / 1000} s and recovers without a manual step`, async () => {
    const token = await stack.token('demo'); // before the outage: tokens live in the database
    const statuses: Record<string, number> = {};
    const acknowledged: string[] = [];
    // Requests begun while PostgreSQL is stopping or starting may get either answer: only those
    // begun and answered while it is wholly down count as 'down'.
    let phase: 'before' | 'stopping' | 'down' | 'starting' | 'after' = 'before';
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i += 1) {
        const create = i % 3 === 0;
        const t0 = phase;
        const r = await stack
          .call<{ uuid?: string }>(
            create ? 'POST' : 'GET',
            create ? '/v1/containers?run=true' : '/v1/containers',
            {
              token,
              body: create
                ? { name: `w${w}-${i}`, image: BUSYBOX, command: ['sleep', '600'], memory: '16' }
                : undefined,
            },
          )
          .catch(() => ({ status: 0, body: {} as { uuid?: string } }));
        if (t0 === phase) statuses[`${phase} ${r.status}`] = (statuses[`${phase} ${r.status}`] ?? 0) + 1;
        if (r.status === 202 && r.body.uuid) acknowledged.push(r.body.uuid);
        await sleep(create ? 300 : 100);
      }
    };
    const workers = [0, 1, 2].map(worker);
    await sleep(2_000);
    phase = 'stopping';
    await pg.stop();
    phase = 'down';
    await sleep(OUTAGE_MS);
    phase = 'starting';
    await pg.start();
    const backAt = Date.now();
    phase = 'after';
    // Full recovery: the API answers again without a restart of anything.
    let recoveredMs = -1;
    while (Date.now() - backAt < 60_000) {
      const r = await stack.call('GET', '/v1/containers', { token }).catch(() => ({ status: 0 }));
      if (r.status === 200) {
        recoveredMs = Date.now() - backAt;
        break;
      }
      await sleep(100);
    }
    await sleep(5_000); // creates after recovery
    stop = true;
    await Promise.all(workers);

    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    // While down: clear 503s, never a 500 (and never a hang: the call returned).
    const downAnswers = Object.keys(statuses).filter((k) => k.startsWith('down '));
    expect(downAnswers.length).toBeGreaterThan(0);
    for (const k of downAnswers) expect(k).toBe('down 503');
    expect(statuses['after 500'] ?? 0).toBe(0);
    expect(statuses['after 202'] ?? 0).toBeGreaterThan(0);

    const census = await settle(
      () => takeCensus(db.url, stack.docker, stack.host, acknowledged),
      healthy,
      120_000,
    );
    expect(census.lostRequests).toEqual([]);
    expect(census.unsettled).toEqual([]);
    expect(census.leakedEngineContainers).toEqual([]);
    expect(census.leakedClaims).toEqual([]);
    // Every acknowledged create ran (the engine was never down).
    const mine = new Set(acknowledged);
    expect(census.described.filter((r) => mine.has(r.uuid) && r.status !== 'Running')).toEqual([]);
    expect(census.byStatus.Running ?? 0).toBe(acknowledged.length);
    results['PostgreSQL stopped under load'] = {
      outageMs: OUTAGE_MS,
      recoveredMs,
      statuses,
      acknowledged: acknowledged.length,
    };
  }, 300_000);
});

describe('Docker engine restarted', () => {
  const engines = mkdtempSync(path.join(tmpdir(), 'zun-fault-engine-'));
  const env = { ...process.env, ZUN_ENGINE_BASE: '5' };
  let stack: TestStack;
  let db: TestDatabase;
  let pg: LocalPostgres;
  let dir: string;
  let docker: Docker;
  let socket = '';

  beforeAll(async () => {
    const { stdout } = await run('bash', [path.join(repo, 'scripts/engines.sh'), 'up', '1', engines], {
      env,
    });
    socket = stdout.trim();
    docker = new Docker({ socketPath: socket });
    ({ pg, db, dir } = await ownDatabase());
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent({ ZUN_DOCKER_SOCKET_PATH: socket });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    const ours = await docker.listContainers({ all: true }).catch(() => []);
    for (const c of ours)
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    await run('bash', [path.join(repo, 'scripts/engines.sh'), 'down', engines], { env }).catch(
      () => undefined,
    );
    rmSync(engines, { recursive: true, force: true });
    await db?.drop().catch(() => undefined);
    await pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('container states are true within seconds after the engine is back, and new work runs', async () => {
    const uuids: string[] = [];
    for (const name of ['aa', 'bb']) {
      const r = await stack.call<{ uuid: string }>('POST', '/v1/containers?run=true', {
        body: { name, image: BUSYBOX, command: ['sleep', '600'], memory: '16' },
      });
      expect(`${r.status} ${JSON.stringify(r.body)}`).toMatch(/^202 /);
      uuids.push(r.body.uuid);
    }
    for (const u of uuids) await stack.waitFor(u, (c) => c.status === 'Running', 60_000);

    await run('bash', [path.join(repo, 'scripts/engines.sh'), 'down', engines], { env });
    await run('bash', [path.join(repo, 'scripts/engines.sh'), 'up', '1', engines], { env });
    const backAt = Date.now();
    // The engine stopped every container when it went down (no live-restore): the rows say so.
    for (const u of uuids) await stack.waitFor(u, (c) => c.status === 'Stopped', 30_000);
    const trueAfterMs = Date.now() - backAt;

    // The agent follows the new engine: a start and a new container work.
    const start = await stack.call('POST', `/v1/containers/${uuids[0]}/start`);
    expect(start.status).toBe(202);
    await stack.waitFor(uuids[0], (c) => c.status === 'Running', 60_000);
    const fresh = await stack.call<{ uuid: string }>('POST', '/v1/containers?run=true', {
      body: { name: 'cc', image: BUSYBOX, command: ['sleep', '600'], memory: '16' },
    });
    expect(fresh.status).toBe(202);
    await stack.waitFor(fresh.body.uuid, (c) => c.status === 'Running', 60_000);
    // A kill behind our back is seen on the new engine too.
    await docker.getContainer(`zun-${fresh.body.uuid}`).kill();
    await stack.waitFor(fresh.body.uuid, (c) => c.status === 'Stopped', 30_000);
    results['Docker engine restarted'] = { statesTrueAfterMs: trueAfterMs };
  }, 300_000);
});
