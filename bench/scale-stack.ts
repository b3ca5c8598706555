/**
 * The stack of the control-plane scale bench (bench/scale.ts): a fresh embedded PostgreSQL, a
 * real zun-api process and hollow compute hosts (packages/compute/src/hollow/) in a few processes,
 * all on the bench's own ports and state folder, torn down after each run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { LocalPostgres } from '../packages/aio/src/local-postgres';

const repo = path.resolve(__dirname, '..');

export interface StackOptions {
  state: string;
  pgPort: number;
  apiPort: number;
  hosts: number;
  heartbeatInterval: number;
}

export interface Stack {
  apiUrl: string;
  adminPassword: string;
  /** Each fleet process's control URL (GET /stats, POST /stats/reset). */
  fleetUrls: string[];
  db: Client;
  registrationMs: number;
  stop(): Promise<void>;
}

const PASSWORD = 'scale-bench';
/** The fleet processes' nice value (BENCH_SCALE_FLEET_NICE; 0 runs them beside the API). */
export const FLEET_NICE = Number(process.env.BENCH_SCALE_FLEET_NICE ?? 10);

function daemon(script: string, env: NodeJS.ProcessEnv, log: string, nodeFlags: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, path.join(repo, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(log);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up in ${ms} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startStack(o: StackOptions): Promise<Stack> {
  rmSync(o.state, { recursive: true, force: true });
  mkdirSync(o.state, { recursive: true });
  // Connections: the API's pool (20), the fleets' pools (150 in all), their LISTEN and liveness
  // connections (one per 5 hosts), the bench's own.
  const pg = await LocalPostgres.create({
    dataDir: path.join(o.state, 'pg'),
    user: 'zun',
    password: PASSWORD,
    port: o.pgPort,
    // pg_stat_statements: the bench reports each phase's most expensive statements.
    flags: [
      '-c',
      'max_connections=400',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'track_io_timing=on',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'pg_stat_statements.track=all',
    ],
  });
  await pg.initialise();
  await pg.start();
  const admin = new Client({
    host: '127.0.0.1',
    port: o.pgPort,
    user: 'zun',
    password: PASSWORD,
    database: 'postgres',
  });
  await admin.connect();
  await admin.query('CREATE DATABASE zun');
  await admin.end();
  const conf = path.join(o.state, 'zun.conf');
  writeFileSync(
    conf,
    `[DEFAULT]
host = scale-api
log_format = json
auth_encryption_key = ${'0'.repeat(64)}

[database]
connection = postgres://zun:${PASSWORD}@127.0.0.1:${o.pgPort}/zun

[api]
host_ip = 127.0.0.1
port = ${o.apiPort}

[identity]
admin_password = ${PASSWORD}
demo_password = ${PASSWORD}

[compute]
listen_host = 127.0.0.1
service_token = ${PASSWORD}-service
heartbeat_interval = ${o.heartbeatInterval}

[docker]
default_registry = 127.0.0.1:5000

[quota]
containers = -1
memory = -1
cpu = -1
disk = -1
`,
  );
  const env = { ZUN_CONFIG: conf };
  const apiUrl = `http://127.0.0.1:${o.apiPort}`;
  // BENCH_SCALE_PROFILE=1: CPU profiles of zun-api and each fleet process, written to
  // <state>/prof when they stop (one file per process id).
  const profile = process.env.BENCH_SCALE_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(o.state, 'prof')}`]
    : [];
  const api = daemon('packages/api/dist/main.js', env, path.join(o.state, 'api.log'), profile);
  await waitFor('zun-api', async () => (await fetch(`${apiUrl}/`)).ok, 60_000);

  // Hosts are spread over several fleet processes: one Node process for 500 hosts stalled its
  // event loop for seconds (every host's timers, claims and task runs on one thread), which
  // showed as missed heartbeats of the bench's own making, not the API's.
  const perFleet = Number(process.env.BENCH_SCALE_HOSTS_PER_FLEET ?? 100);
  const count = Math.max(1, Math.ceil(o.hosts / perFleet));
  const fleets: ChildProcess[] = [];
  const started = Date.now();
  const ready = await Promise.all(
    Array.from({ length: count }, (_, k) => {
      const first = Math.floor((k * o.hosts) / count) + 1;
      const hosts = Math.floor(((k + 1) * o.hosts) / count) + 1 - first;
      const fleet = daemon(
        'packages/compute/dist/hollow/main.js',
        {
          ...env,
          ZUN_HOLLOW_FLEET: 'bench',
          ZUN_HOLLOW_COUNT: String(hosts),
          ZUN_HOLLOW_FIRST: String(first),
          ZUN_HOLLOW_PREFIX: 'hollow',
          // Each fleet has one pool for its hosts (the models are bound to one): as large as a
          // real agent's (40) per 100 hosts, since each running task holds two connections and
          // heartbeats queue behind them; 500 real agents would hold 40 each.
          ZUN_HOLLOW_POOL: String(Math.max(10, Math.ceil((150 * hosts) / 500))),
          // Hollow hosts log only trouble: 500 hosts' routine lines would cost more than they do.
          ZUN_LOG_LEVEL: 'warn',
        },
        path.join(o.state, `fleet-${k + 1}.log`),
        profile,
      );
      fleets.push(fleet);
      // The hollow hosts stand for machines elsewhere: their own CPU (timers, JSON, the simulated
      // engine) runs below the control plane's priority, so zun-api and PostgreSQL are measured
      // with first call on the cores, as on a real deployment. What they ask of the control
      // plane (heartbeats, claims, task polls, reconciles) is still served at normal priority.
      if (FLEET_NICE > 0 && fleet.pid !== undefined) setPriority(fleet.pid, FLEET_NICE);
      return new Promise<number>((resolve, reject) => {
        let buf = '';
        fleet.stdout?.on('data', (chunk: Buffer) => {
          buf += chunk.toString();
          const m = /HOLLOW_READY (\d+) (\d+) (\d+)/.exec(buf);
          if (m) resolve(Number(m[1]));
        });
        fleet.once('exit', (code) =>
          reject(new Error(`hollow fleet ${k + 1} exited (${code}); see ${o.state}/fleet-${k + 1}.log`)),
        );
      });
    }),
  );
  const registrationMs = Date.now() - started;
  const db = new Client({
    host: '127.0.0.1',
    port: o.pgPort,
    user: 'zun',
    password: PASSWORD,
    database: 'zun',
  });
  await db.connect();
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return {
    apiUrl,
    adminPassword: PASSWORD,
    fleetUrls: ready.map((port) => `http://127.0.0.1:${port}`),
    db,
    registrationMs,
    async stop() {
      await db.end().catch(() => undefined);
      await Promise.all(fleets.map(stopChild));
      await stopChild(api);
      await pg.stop();
    },
  };
}
