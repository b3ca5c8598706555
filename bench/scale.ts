/**
 * Control-plane scale (`npm run bench -- scale`): a real zun-api and PostgreSQL with 50, then
 * 500 hollow compute hosts (simulated engines, real agents' code and database traffic).
 * For each size: registration, then 10,000 creates (run=true) through the API, shows and
 * `GET /v1/containers?limit=100` reads over the 10,000 rows, and 10,000 deletes, with the hosts
 * heartbeating throughout. Per verb: API latency p50/p99 as the client sees it and the
 * database's work during that verb's phase (pg_stat_database deltas); the API's own placement
 * timings (/metrics); heartbeats missed (by the hosts' clocks and by the API's service list).
 * Results: bench/results/scale.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { cpuSnapshot, cpuSpent } from './cpu-split';
import { apiGc, apiLoopDelay, gcSince, resetStatements, topStatements } from './scale-probes';
import { FLEET_NICE, startStack, type Stack } from './scale-stack';
import { apiHeaders, login } from './api-client';
import { quantile } from './stats';

const SIZES = (process.env.BENCH_SCALE_HOSTS ?? '50,500').split(',').map(Number);
const CONTAINERS = Number(process.env.BENCH_SCALE_CONTAINERS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_SCALE_CONCURRENCY ?? 16);
const READS = Number(process.env.BENCH_SCALE_READS ?? 1_000);
const HEARTBEAT = Number(process.env.BENCH_SCALE_HEARTBEAT ?? 10);
const state = path.resolve(
  process.env.BENCH_SCALE_STATE ?? path.join(__dirname, '..', '.zun', 'bench-scale'),
);

async function call(
  s: Stack,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; ms: number; text: string }> {
  const start = performance.now();
  const res = await fetch(`${s.apiUrl}${p}`, {
    method,
    headers: apiHeaders(body !== undefined),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - start, text };
}

/** The p-th percentile to 0.01 ms; 0 of no samples. */
function pct(xs: number[], p: number): number {
  return xs.length ? Math.round(quantile(xs, p / 100) * 100) / 100 : 0;
}

const summary = (ms: number[]) => ({
  n: ms.length,
  p50_ms: pct(ms, 50),
  p99_ms: pct(ms, 99),
  max_ms: pct(ms, 100),
});

/** Runs `work(i)` for i < n, `concurrency` at a time. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const DB_COUNTERS = [
  'xact_commit',
  'xact_rollback',
  'tup_returned',
  'tup_fetched',
  'tup_inserted',
  'tup_updated',
  'tup_deleted',
  'blks_hit',
  'blks_read',
  'active_time',
] as const;
type DbCounters = Record<(typeof DB_COUNTERS)[number], number>;

async function dbCounters(s: Stack): Promise<DbCounters> {
  // The counters are sent by backends at transaction end, at most every second or so.
  await s.db.query('SELECT pg_stat_force_next_flush()');
  const r = await s.db.query(`SELECT ${DB_COUNTERS.join(', ')} FROM pg_stat_database WHERE datname = 'zun'`);
  const row = r.rows[0] as Record<string, string | number>;
  return Object.fromEntries(DB_COUNTERS.map((k) => [k, Number(row[k])])) as DbCounters;
}

/** A phase's database work: counter deltas, per API request and per second. */
async function measureDb<T>(
  s: Stack,
  requests: number,
  fn: () => Promise<T>,
): Promise<{ result: T; db: Record<string, number> }> {
  await new Promise((r) => setTimeout(r, 1_100));
  const before = await dbCounters(s);
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1_100));
  const after = await dbCounters(s);
  const db: Record<string, number> = { seconds: Math.round(seconds * 10) / 10 };
  for (const k of DB_COUNTERS) db[k] = after[k] - before[k];
  db.active_time_ms = Math.round(db.active_time);
  delete db.active_time;
  db.xact_per_request = Math.round((db.xact_commit / requests) * 10) / 10;
  db.db_active_ms_per_request = Math.round((db.active_time_ms / requests) * 100) / 100;
  db.tup_returned_per_request = Math.round(db.tup_returned / requests);
  // The machine's 1-minute load at the phase's end: on shared cores it explains most of a tail.
  db.load_average_1m = Math.round(loadavg()[0] * 10) / 10;
  return { result, db };
}

/** The API's placement histogram from /metrics: count, mean and bucket-estimated p50/p99 per step. */
async function schedulingTimes(
  s: Stack,
): Promise<Record<string, { count: number; mean_ms: number; p50_ms: number; p99_ms: number }>> {
  const text = await (await fetch(`${s.apiUrl}/metrics`)).text();
  const out: Record<string, { count: number; mean_ms: number; p50_ms: number; p99_ms: number }> = {};
  for (const step of ['snapshot', 'filter', 'claim']) {
    const buckets: [number, number][] = [];
    let sum = 0;
    let count = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith('zun_scheduling_duration_seconds') || !line.includes(`step="${step}"`)) continue;
      const value = Number(line.split(' ').pop());
      const le = /le="([^"]+)"/.exec(line);
      if (le && le[1] !== '+Inf') buckets.push([Number(le[1]), value]);
      else if (line.startsWith('zun_scheduling_duration_seconds_sum')) sum = value;
      else if (line.startsWith('zun_scheduling_duration_seconds_count')) count = value;
    }
    const at = (p: number) => {
      const b = buckets.find(([, c]) => c >= (p / 100) * count);
      return b ? b[0] * 1000 : Infinity;
    };
    out[step] = {
      count,
      mean_ms: count ? Math.round((sum / count) * 1e5) / 100 : 0,
      p50_ms: at(50),
      p99_ms: at(99),
    };
  }
  return out;
}

/** Every few seconds, how many compute services the API itself lists as down. */
function watchServices(s: Stack): { stop: () => Promise<{ samples: number; max_down: number }> } {
  let samples = 0;
  let maxDown = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const r = await call(s, 'GET', '/v1/services').catch(() => null);
      if (r?.status === 200) {
        const services = (JSON.parse(r.text) as { services: { binary: string; state: string }[] }).services;
        const down = services.filter((x) => x.binary === 'zun-compute' && x.state !== 'up').length;
        samples++;
        maxDown = Math.max(maxDown, down);
      }
      await new Promise((res) => setTimeout(res, 5_000));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, max_down: maxDown };
    },
  };
}

interface FleetStats {
  beats: number;
  failures: number;
  missed: number;
  maxGapMs: number;
  durationsMs: number[];
  event_loop_delay_p99_ms: number;
  event_loop_delay_max_ms: number;
}

/** The heartbeat figures of every fleet process together; loop delays are the worst fleet's. */
async function fleetStats(s: Stack): Promise<Record<string, number>> {
  const all = await Promise.all(
    s.fleetUrls.map(async (u) => (await (await fetch(`${u}/stats`)).json()) as FleetStats),
  );
  const sum = (k: 'beats' | 'failures' | 'missed') => all.reduce((n, st) => n + st[k], 0);
  const worst = (k: 'event_loop_delay_p99_ms' | 'event_loop_delay_max_ms' | 'maxGapMs') =>
    Math.max(...all.map((st) => st[k]));
  const durations = all.flatMap((st) => st.durationsMs);
  return {
    fleet_processes: all.length,
    fleet_event_loop_delay_p99_ms: Math.round(worst('event_loop_delay_p99_ms') * 10) / 10,
    fleet_event_loop_delay_max_ms: Math.round(worst('event_loop_delay_max_ms') * 10) / 10,
    beats: sum('beats'),
    failures: sum('failures'),
    missed: sum('missed'),
    max_gap_ms: worst('maxGapMs'),
    heartbeat_p50_ms: pct(durations, 50),
    heartbeat_p99_ms: pct(durations, 99),
  };
}

async function countByStatus(s: Stack): Promise<Record<string, number>> {
  const r = await s.db.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM containers GROUP BY status',
  );
  return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)]));
}

async function runSize(hosts: number, i: number): Promise<Record<string, unknown>> {
  const say = (m: string) => process.stdout.write(`scale ${hosts} hosts: ${m}\n`);
  const s = await startStack({
    state: path.join(state, String(hosts)),
    pgPort: Number(process.env.BENCH_SCALE_PG_PORT ?? 55480) + i,
    apiPort: Number(process.env.BENCH_SCALE_API_PORT ?? 29580) + i,
    hosts,
    heartbeatInterval: HEARTBEAT,
  });
  try {
    say(`registered in ${s.registrationMs} ms`);
    await login(s.apiUrl, s.adminPassword);
    await Promise.all(s.fleetUrls.map((u) => fetch(`${u}/stats/reset`, { method: 'POST' })));
    const services = watchServices(s);
    const errors: Record<string, number> = {};
    const fail = (verb: string, status: number) => {
      const k = `${verb} ${status}`;
      errors[k] = (errors[k] ?? 0) + 1;
    };

    const uuids: string[] = [];
    const createMs: number[] = [];
    // One client lists while the creates run, timed once half the rows exist: the list under
    // the create load, as well as after it (below).
    const listDuringMs: number[] = [];
    let creating = true;
    const listDuring = (async () => {
      while (creating) {
        const r = await call(s, 'GET', '/v1/containers?limit=100');
        if (r.status !== 200) fail('list during create', r.status);
        else if (uuids.length >= CONTAINERS / 2) listDuringMs.push(r.ms);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    await resetStatements(s.db);
    await apiLoopDelay(s.apiUrl);
    const created = await measureDb(s, CONTAINERS, () =>
      pool(CONTAINERS, CONCURRENCY, async (n) => {
        const r = await call(s, 'POST', '/v1/containers?run=true', {
          name: `scale-${n}`,
          image: 'busybox',
          command: ['sleep', '3600'],
          cpu: 0.1,
          memory: '64',
        });
        if (r.status !== 202) return fail('create', r.status);
        createMs.push(r.ms);
        uuids.push((JSON.parse(r.text) as { uuid: string }).uuid);
      }),
    );
    creating = false;
    await listDuring;
    const createLoop = await apiLoopDelay(s.apiUrl);
    const createTop = await topStatements(s.db);
    say(`${uuids.length} creates in ${created.db.seconds} s; API loop delay ${JSON.stringify(createLoop)}`);
    say(`list during creates p50 ${pct(listDuringMs, 50)} ms p99 ${pct(listDuringMs, 99)} ms`);
    const settleStart = Date.now();
    let statuses = await countByStatus(s);
    while (
      (statuses.Running ?? 0) + (statuses.Error ?? 0) < uuids.length &&
      Date.now() - settleStart < 600_000
    ) {
      await new Promise((r) => setTimeout(r, 1_000));
      statuses = await countByStatus(s);
    }
    const settledS = (Date.now() - settleStart) / 1000;
    say(`settled ${settledS} s after the last create: ${JSON.stringify(statuses)}`);
    const scheduling = await schedulingTimes(s);

    const showMs: number[] = [];
    const shown = await measureDb(s, READS, () =>
      pool(READS, 4, async (n) => {
        const r = await call(s, 'GET', `/v1/containers/${uuids[(n * 7919) % uuids.length]}`);
        if (r.status === 200) showMs.push(r.ms);
        else fail('show', r.status);
      }),
    );
    // One client at a time: the latency of the list itself, not of a queue in front of it.
    await resetStatements(s.db);
    await apiLoopDelay(s.apiUrl);
    const listMs: number[] = [];
    const listGcBefore = await apiGc(s.apiUrl);
    const listCpuBefore = cpuSnapshot();
    const listed = await measureDb(s, READS, () =>
      pool(READS, 1, async () => {
        const r = await call(s, 'GET', '/v1/containers?limit=100');
        if (r.status === 200) listMs.push(r.ms);
        else fail('list', r.status);
      }),
    );
    const listLoop = await apiLoopDelay(s.apiUrl);
    // Whether the list's tail is the API's own pauses (GC) or other processes taking the CPU.
    const listCpu = cpuSpent(listCpuBefore, cpuSnapshot());
    const listGc = gcSince(listGcBefore, await apiGc(s.apiUrl));
    const listTop = await topStatements(s.db, 5);
    const listConcurrentMs: number[] = [];
    await pool(READS, 4, async () => {
      const r = await call(s, 'GET', '/v1/containers?limit=100');
      if (r.status === 200) listConcurrentMs.push(r.ms);
    });
    say(`list p50 ${pct(listMs, 50)} ms p99 ${pct(listMs, 99)} ms`);

    const deleteMs: number[] = [];
    await resetStatements(s.db);
    await apiLoopDelay(s.apiUrl);
    const deleted = await measureDb(s, uuids.length, () =>
      pool(uuids.length, CONCURRENCY, async (n) => {
        const r = await call(s, 'DELETE', `/v1/containers/${uuids[n]}?force=True`);
        if (r.status === 204) deleteMs.push(r.ms);
        else fail('delete', r.status);
      }),
    );
    const deleteLoop = await apiLoopDelay(s.apiUrl);
    const deleteTop = await topStatements(s.db);
    const drainStart = Date.now();
    let left = Object.values(await countByStatus(s)).reduce((a, b) => a + b, 0);
    while (left > 0 && Date.now() - drainStart < 600_000) {
      await new Promise((r) => setTimeout(r, 1_000));
      left = Object.values(await countByStatus(s)).reduce((a, b) => a + b, 0);
    }
    say(
      `${deleteMs.length} deletes in ${deleted.db.seconds} s; rows gone ${(Date.now() - drainStart) / 1000} s later (${left} left)`,
    );
    const apiView = await services.stop();
    const heartbeats = await fleetStats(s);
    say(`heartbeats ${JSON.stringify(heartbeats)}; API saw at most ${apiView.max_down} down`);
    return {
      hosts,
      containers: CONTAINERS,
      concurrency: CONCURRENCY,
      fleet_nice: FLEET_NICE,
      registration_ms: s.registrationMs,
      errors,
      create: {
        ...summary(createMs),
        db: created.db,
        settled_s: settledS,
        statuses,
        api_event_loop_delay: createLoop,
        top_statements: createTop,
      },
      scheduling,
      show: { ...summary(showMs), concurrency: 4, db: shown.db },
      list_limit_100_during_creates: { ...summary(listDuringMs), concurrency: 1, rows: 'half to all' },
      list_limit_100: {
        ...summary(listMs),
        concurrency: 1,
        db: listed.db,
        api_event_loop_delay: listLoop,
        api_gc: listGc,
        cpu_s: Object.fromEntries(Object.entries(listCpu).map(([g, v]) => [g, Math.round(v * 100) / 100])),
        top_statements: listTop,
      },
      list_limit_100_concurrency_4: summary(listConcurrentMs),
      delete: {
        ...summary(deleteMs),
        db: deleted.db,
        rows_left: left,
        api_event_loop_delay: deleteLoop,
        top_statements: deleteTop,
      },
      heartbeats: {
        interval_s: HEARTBEAT,
        ...heartbeats,
        api_service_samples: apiView.samples,
        api_max_down: apiView.max_down,
      },
    };
  } finally {
    await s.stop();
  }
}

async function main(): Promise<void> {
  const runs: Record<string, unknown>[] = [];
  const out = process.env.BENCH_SCALE_OUT ?? path.join(__dirname, 'results', 'scale.json');
  mkdirSync(path.dirname(out), { recursive: true });
  for (const [i, n] of SIZES.entries()) {
    runs.push(await runSize(n, i));
    // Written after each size: a long run cut short still leaves what it measured.
    writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), runs }, null, 2)}\n`);
  }
  process.stdout.write(`results in ${out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
