/**
 * Container start latency and throughput: zun-ts vs. the raw Docker engine, same run, same image
 * (already on the host), same limits. Run with `npm run bench` (scripts/bench.sh starts an
 * all-in-one stack on its own state and ports and passes its URL and credentials here).
 *
 *   latency:    POST /v1/containers?run=true  → the moment the service records status Running
 *               (its updated_at; the client polls every BENCH_POLL_MS to find it, and the
 *               client-observed time is reported too) vs. engine create + start
 *   throughput: N containers at concurrency C, containers per second (until the last one is
 *               Running, by the same clock as the latency)
 * Both sides start the container on a user-defined bridge network (see RAW_NETWORK).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { api, login } from './api-client';
import { median, parsePyDate, quantile as pct } from './stats';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
// Sequential latency samples; more than the throughput batch because single starts vary a lot here.
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 40);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
// The client's polling is load on the same 2 cores the engine needs; 50 ms keeps it light.
let POLL_MS = Number(process.env.BENCH_POLL_MS ?? 50);
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

const SPEC = { cpu: 0.1, memory: 32, cmd: ['sleep', '300'] };
/**
 * zun-ts puts every container on its project's own bridge network (the isolation between
 * projects), and Docker itself takes longer to start a container on a user-defined network than
 * on the default bridge (~50 ms here). The raw side does the same, so the ratio is the service's
 * overhead for the same work.
 */
const RAW_NETWORK = 'zun-bench-raw';

async function ensureRawNetwork(): Promise<void> {
  const found = await docker.listNetworks({ filters: { name: [RAW_NETWORK] } });
  if (!found.some((n) => n.Name === RAW_NETWORK)) {
    await docker.createNetwork({ Name: RAW_NETWORK, Driver: 'bridge', Labels: { 'zun-bench': 'raw' } });
  }
}

async function rawStart(): Promise<number> {
  const t0 = performance.now();
  const c = await docker.createContainer({
    Image: IMAGE,
    Cmd: SPEC.cmd,
    Labels: { 'zun-bench': 'raw' },
    HostConfig: {
      Memory: SPEC.memory * 1024 * 1024,
      NanoCpus: SPEC.cpu * 1e9,
      CpuShares: Math.round(1024 * SPEC.cpu),
      NetworkMode: RAW_NETWORK,
    },
    NetworkingConfig: { EndpointsConfig: { [RAW_NETWORK]: {} } },
  });
  await c.start();
  return performance.now() - t0;
}

const observed: number[] = [];

/**
 * Waiting like a sane client would, without putting the bench's own load on the 2 cores the
 * engine needs. The latency is taken from the service's own record of the Running status.
 */
const waiters = new Map<
  string,
  { wall0: number; t0: number; resolve: (ms: number) => void; reject: (e: Error) => void }
>();
let ticking = false;
async function tick(): Promise<void> {
  if (ticking) return;
  ticking = true;
  while (waiters.size) {
    // One GET per container while few are in flight, one list call when many are.
    type Row = { uuid: string; status: string; status_reason: string; updated_at: string };
    const rows: Row[] =
      waiters.size <= 2
        ? (await Promise.all([...waiters.keys()].map((u) => api<Row>('GET', `/v1/containers/${u}`)))).map(
            (r) => r.body,
          )
        : ((await api<{ containers: Row[] }>('GET', '/v1/containers')).body.containers ?? []);
    for (const c of rows) {
      const w = waiters.get(c.uuid);
      if (!w) continue;
      if (c.status === 'Running') {
        waiters.delete(c.uuid);
        observed.push(performance.now() - w.t0);
        w.resolve(parsePyDate(c.updated_at) - w.wall0);
      } else if (c.status === 'Error') {
        waiters.delete(c.uuid);
        w.reject(new Error(`container failed: ${c.status_reason}`));
      }
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
  ticking = false;
}

async function zunStart(): Promise<number> {
  const t0 = performance.now();
  const wall0 = Date.now();
  const r = await api<{ uuid: string }>('POST', '/v1/containers?run=true', {
    image: IMAGE,
    command: SPEC.cmd,
    cpu: SPEC.cpu,
    memory: SPEC.memory,
    image_pull_policy: 'ifnotpresent',
    labels: { 'zun-bench': 'zun' },
  });
  if (r.status !== 202) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  const done = new Promise<number>((resolve, reject) =>
    waiters.set(r.body.uuid, { wall0, t0, resolve, reject }),
  );
  void tick();
  return done;
}

async function cleanup(): Promise<void> {
  const list = await api<{ containers: { uuid: string }[] }>('GET', '/v1/containers?all_projects=1');
  await Promise.all(list.body.containers.map((c) => api('DELETE', `/v1/containers/${c.uuid}?force=True`)));
  for (let i = 0; i < 300; i++) {
    const left = await api<{ containers: unknown[] }>('GET', '/v1/containers?all_projects=1');
    if (left.body.containers.length === 0) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const raws = await docker.listContainers({ all: true, filters: { label: ['zun-bench=raw'] } });
  await Promise.all(raws.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

/**
 * N starts with C in flight. Each fn() resolves with its latency from its own start, so the
 * batch ends at the latest (start offset + latency): for zun-ts that is the service's own
 * Running timestamp, independent of how often the bench polls.
 */
async function parallel(
  n: number,
  c: number,
  fn: () => Promise<number>,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  let end = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        next++;
        const startedAt = performance.now() - t0;
        const ms = await fn();
        latencies.push(ms);
        end = Math.max(end, startedAt + ms);
      }
    }),
  );
  return { seconds: end / 1000, latencies };
}

const f = (n: number) => n.toFixed(1);

async function main(): Promise<void> {
  await login();
  await docker
    .pull(IMAGE)
    .then((s) => new Promise((res) => docker.modem.followProgress(s as NodeJS.ReadableStream, res)));
  await cleanup();
  await ensureRawNetwork();
  // Warm-up: first runs pay for lazy initialisation on both sides (and create the project network).
  for (let i = 0; i < 3; i++) {
    await rawStart();
    await zunStart();
  }
  await cleanup();

  // Interleaved sequential runs so both sides see the same machine conditions.
  const raw: number[] = [];
  const zun: number[] = [];
  observed.length = 0;
  for (let i = 0; i < LATENCY_RUNS; i++) {
    raw.push(await rawStart());
    zun.push(await zunStart());
  }
  await cleanup();

  const zunObserved = [...observed];
  // Throughput: several alternating trials; the ratio reported is the median of the trials'.
  const trials: { raw: number; zun: number }[] = [];
  const seqPoll = POLL_MS;
  for (let i = 0; i < TRIALS; i++) {
    const rawPar = await parallel(RUNS, CONCURRENCY, rawStart);
    await cleanup();
    // With many in flight the bench polls less often: its own list calls would otherwise take
    // CPU from the engine on this 2-core machine, which the raw side does not pay for.
    POLL_MS = Number(process.env.BENCH_PARALLEL_POLL_MS ?? 100);
    const zunPar = await parallel(RUNS, CONCURRENCY, zunStart);
    POLL_MS = seqPoll;
    await cleanup();
    trials.push({ raw: RUNS / rawPar.seconds, zun: RUNS / zunPar.seconds });
  }
  const ratios = trials.map((t) => t.zun / t.raw);

  const result = {
    date: new Date().toISOString(),
    latency_runs: LATENCY_RUNS,
    throughput_runs: RUNS,
    trials: TRIALS,
    concurrency: CONCURRENCY,
    latency_ms: {
      raw: { median: median(raw), p90: pct(raw, 0.9) },
      zun: { median: median(zun), p90: pct(zun, 0.9) },
      zun_client_observed: { median: median(zunObserved), p90: pct(zunObserved, 0.9), poll_ms: POLL_MS },
      ratio_median: median(zun) / median(raw),
    },
    throughput_per_s: {
      trials,
      raw: median(trials.map((t) => t.raw)),
      zun: median(trials.map((t) => t.zun)),
      ratio: median(ratios),
    },
  };
  const l = result.latency_ms;
  const t = result.throughput_per_s;
  process.stdout.write(
    [
      `container start, image on host (${IMAGE}); latency: ${LATENCY_RUNS} sequential runs; throughput: ${RUNS} runs at concurrency ${CONCURRENCY}, median of ${TRIALS} trials`,
      `                      raw engine     zun-ts     ratio (target)`,
      `latency median ms   ${f(l.raw.median).padStart(10)} ${f(l.zun.median).padStart(10)}     ${l.ratio_median.toFixed(3)} (<= 1.15)`,
      `latency p90 ms      ${f(l.raw.p90).padStart(10)} ${f(l.zun.p90).padStart(10)}`,
      `  observed by a client polling every ${POLL_MS} ms: median ${f(l.zun_client_observed.median)}, p90 ${f(l.zun_client_observed.p90)}`,
      `throughput /s (c=${CONCURRENCY}) ${t.raw.toFixed(2).padStart(8)} ${t.zun.toFixed(2).padStart(10)}     ${t.ratio.toFixed(3)} (>= 0.9)`,
      `  trial ratios: ${ratios.map((r) => r.toFixed(3)).join(', ')}`,
      '',
    ].join('\n'),
  );
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'containers.json'), JSON.stringify(result, null, 2));
  await docker
    .getNetwork(RAW_NETWORK)
    .remove()
    .catch(() => undefined);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
