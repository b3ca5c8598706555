/**
 * Start overhead as a client sees it: zun-ts vs. the raw Docker engine, same run, same image (on
 * the host), same limits. Run with `npm run bench -- overhead` (scripts/bench.sh starts the stack).
 *
 *   zun (poll)       POST /v1/containers?run=true, then GET /v1/containers/<uuid> every 50 ms
 *                    until it shows Running, one poller per container (as scripts and consoles do)
 *   zun (long-poll)  the same, waiting with GET /v1/containers/<uuid>?wait_for_status_change=
 *   raw (network)    engine create + start on a user-defined bridge network: the same work, since
 *                    zun-ts puts every container on its project's own bridge network
 *   raw (bridge)     engine create + start on the default bridge, less work
 *
 * Latency: median create -> Running of sequential starts. Burst: 20 starts at concurrency 10,
 * containers per second until the last is Running. Rounds of the four are interleaved so each
 * sees the same machine; ratios are taken within a round and their median reported. The order
 * of the sides turns from one start (and one burst round) to the next: a side that always went
 * last would start beside the containers the others had just started, and after their work.
 * Then the resident memory of the idle daemons, read from their /metrics.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { api, login } from './api-client';
import { cpuSnapshot, cpuSpent } from './cpu-split';
import { median, sleep } from './stats';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LATENCY_PER_ROUND = Number(process.env.BENCH_LATENCY_PER_ROUND ?? 8);
const BURST = Number(process.env.BENCH_BURST ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const POLL_MS = 50;
const SPEC = { cpu: 0.1, memory: 32, cmd: ['sleep', '300'] };
const RAW_NETWORK = 'zun-bench-overhead';
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

type Side = 'raw_network' | 'raw_bridge' | 'zun_poll' | 'zun_longpoll';
const SIDES: Side[] = ['raw_network', 'raw_bridge', 'zun_poll', 'zun_longpoll'];

/** The sides in the order of turn `n`: each goes first, second, ... in turn. */
const inTurn = (n: number): Side[] => SIDES.map((_, i) => SIDES[(i + n) % SIDES.length]);

async function rawStart(network: string | null): Promise<number> {
  const t0 = performance.now();
  const c = await docker.createContainer({
    Image: IMAGE,
    Cmd: SPEC.cmd,
    Labels: { 'zun-bench': 'raw' },
    HostConfig: {
      Memory: SPEC.memory * 1024 * 1024,
      NanoCpus: SPEC.cpu * 1e9,
      CpuShares: Math.round(1024 * SPEC.cpu),
      ...(network ? { NetworkMode: network } : {}),
    },
    ...(network ? { NetworkingConfig: { EndpointsConfig: { [network]: {} } } } : {}),
  });
  await c.start();
  return performance.now() - t0;
}

type Row = { uuid: string; status: string; status_reason: string | null };

async function zunCreate(): Promise<string> {
  const r = await api<{ uuid: string }>('POST', '/v1/containers?run=true', {
    image: IMAGE,
    command: SPEC.cmd,
    cpu: SPEC.cpu,
    memory: SPEC.memory,
    image_pull_policy: 'ifnotpresent',
    labels: { 'zun-bench': 'zun' },
  });
  if (r.status !== 202) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.uuid;
}

function settled(row: Row): boolean {
  if (row.status === 'Error') throw new Error(`container failed: ${row.status_reason}`);
  return row.status === 'Running';
}

let requests = 0;

async function zunStartPolling(): Promise<number> {
  const t0 = performance.now();
  const uuid = await zunCreate();
  for (;;) {
    requests++;
    const r = await api<Row>('GET', `/v1/containers/${uuid}`);
    if (settled(r.body)) return performance.now() - t0;
    await sleep(POLL_MS);
  }
}

async function zunStartLongPoll(): Promise<number> {
  const t0 = performance.now();
  const uuid = await zunCreate();
  let status = 'Creating';
  for (;;) {
    requests++;
    const r = await api<Row>('GET', `/v1/containers/${uuid}?wait_for_status_change=${status}`);
    if (settled(r.body)) return performance.now() - t0;
    // A server without the long-poll answers at once with the same status: poll then.
    if (r.body.status === status) await sleep(POLL_MS);
    status = r.body.status;
  }
}

const START: Record<Side, () => Promise<number>> = {
  raw_network: () => rawStart(RAW_NETWORK),
  raw_bridge: () => rawStart(null),
  zun_poll: zunStartPolling,
  zun_longpoll: zunStartLongPoll,
};

async function cleanup(): Promise<void> {
  const list = await api<{ containers: { uuid: string }[] }>('GET', '/v1/containers?all_projects=1');
  await Promise.all(list.body.containers.map((c) => api('DELETE', `/v1/containers/${c.uuid}?force=True`)));
  for (let i = 0; i < 300; i++) {
    const left = await api<{ containers: unknown[] }>('GET', '/v1/containers?all_projects=1');
    if (left.body.containers.length === 0) break;
    await sleep(100);
  }
  const raws = await docker.listContainers({ all: true, filters: { label: ['zun-bench=raw'] } });
  await Promise.all(raws.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

/** N starts with C in flight; seconds until the last one is Running. */
async function burst(n: number, c: number, fn: () => Promise<number>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        next++;
        await fn();
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** Resident memory (MB) of each daemon, from the process metrics every daemon serves. */
async function daemonRss(): Promise<Record<string, number>> {
  const urls: Record<string, string | undefined> = {
    'zun-api': process.env.BENCH_API_URL,
    'zun-compute': process.env.BENCH_COMPUTE_URL,
    'zun-wsproxy': process.env.BENCH_WSPROXY_URL,
  };
  const out: Record<string, number> = {};
  for (const [name, url] of Object.entries(urls)) {
    if (!url) continue;
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = /^process_resident_memory_bytes\{[^}]*\} (\d+)/m.exec(text);
    if (m) out[name] = Math.round(Number(m[1]) / 1024 / 1024);
  }
  return out;
}

async function main(): Promise<void> {
  await login();
  await docker
    .pull(IMAGE)
    .then((s) => new Promise((res) => docker.modem.followProgress(s as NodeJS.ReadableStream, res)));
  // Idle: after start-up and a few requests, before any load.
  for (let i = 0; i < 5; i++) await api('GET', '/v1/containers');
  const rssIdle = await daemonRss();
  await cleanup();
  const found = await docker.listNetworks({ filters: { name: [RAW_NETWORK] } });
  if (!found.some((n) => n.Name === RAW_NETWORK))
    await docker.createNetwork({ Name: RAW_NETWORK, Driver: 'bridge', Labels: { 'zun-bench': 'raw' } });
  // Warm-up: lazy initialisation on both sides, and the project network.
  for (const side of SIDES) for (let i = 0; i < 2; i++) await START[side]();
  await cleanup();

  const latency: Record<Side, number[]> = { raw_network: [], raw_bridge: [], zun_poll: [], zun_longpoll: [] };
  const rounds: {
    latency: Record<Side, number>;
    burst: Record<Side, number>;
    /** CPU seconds per container started in the burst: the machine's, and by process group. */
    burstCpu: Record<Side, Record<string, number>>;
  }[] = [];
  let pollRequests = 0;
  let longPollRequests = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const lat = {} as Record<Side, number[]>;
    for (const side of SIDES) lat[side] = [];
    // Sides alternate start by start, so a slow moment of the machine hits all of them.
    for (let i = 0; i < LATENCY_PER_ROUND; i++) {
      for (const side of inTurn(round * LATENCY_PER_ROUND + i)) {
        const before = requests;
        lat[side].push(await START[side]());
        if (side === 'zun_poll') pollRequests += requests - before;
        if (side === 'zun_longpoll') longPollRequests += requests - before;
      }
    }
    await cleanup();
    const thr = {} as Record<Side, number>;
    const burstCpu = {} as Record<Side, Record<string, number>>;
    for (const side of inTurn(round)) {
      const before = cpuSnapshot();
      thr[side] = BURST / (await burst(BURST, CONCURRENCY, START[side]));
      const spent = cpuSpent(before, cpuSnapshot());
      burstCpu[side] = Object.fromEntries(Object.entries(spent).map(([g, s]) => [g, s / BURST]));
      await cleanup();
    }
    for (const side of SIDES) latency[side].push(...lat[side]);
    const med = {} as Record<Side, number>;
    for (const side of SIDES) med[side] = median(lat[side]);
    rounds.push({ latency: med, burst: thr, burstCpu });
    process.stdout.write(`round ${round + 1}/${ROUNDS}: ${JSON.stringify({ latency: med, burst: thr })}\n`);
  }
  await docker
    .getNetwork(RAW_NETWORK)
    .remove()
    .catch(() => undefined);
  await sleep(5_000);
  const rssAfter = await daemonRss();

  const ratio = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick));
  const result = {
    date: new Date().toISOString(),
    rounds: ROUNDS,
    latency_starts_per_round: LATENCY_PER_ROUND,
    burst: { containers: BURST, concurrency: CONCURRENCY },
    poll_ms: POLL_MS,
    latency_ms_median: Object.fromEntries(SIDES.map((s) => [s, median(latency[s])])),
    burst_per_s_median: Object.fromEntries(SIDES.map((s) => [s, median(rounds.map((r) => r.burst[s]))])),
    ratios: {
      latency_poll_vs_raw_network: ratio((r) => r.latency.zun_poll / r.latency.raw_network),
      latency_poll_vs_raw_bridge: ratio((r) => r.latency.zun_poll / r.latency.raw_bridge),
      latency_longpoll_vs_raw_network: ratio((r) => r.latency.zun_longpoll / r.latency.raw_network),
      burst_poll_vs_raw_network: ratio((r) => r.burst.zun_poll / r.burst.raw_network),
      burst_poll_vs_raw_bridge: ratio((r) => r.burst.zun_poll / r.burst.raw_bridge),
      burst_longpoll_vs_raw_network: ratio((r) => r.burst.zun_longpoll / r.burst.raw_network),
    },
    gets_per_start: {
      poll: pollRequests / (ROUNDS * LATENCY_PER_ROUND),
      long_poll: longPollRequests / (ROUNDS * LATENCY_PER_ROUND),
    },
    rss_mb: { idle: rssIdle, after_load: rssAfter },
    burst_cpu_s_per_container_median: Object.fromEntries(
      SIDES.map((side) => [
        side,
        Object.fromEntries(
          [...new Set(rounds.flatMap((r) => Object.keys(r.burstCpu[side])))].map((g) => [
            g,
            Math.round(median(rounds.map((r) => r.burstCpu[side][g] ?? 0)) * 1000) / 1000,
          ]),
        ),
      ]),
    ),
    per_round: rounds,
  };
  const f = (n: number) => n.toFixed(1).padStart(9);
  const l = result.latency_ms_median;
  const b = result.burst_per_s_median;
  const q = result.ratios;
  const total = (r: Record<string, number>) => Object.values(r).reduce((a, x) => a + x, 0);
  process.stdout.write(
    [
      `start overhead as a client sees it: ${ROUNDS} interleaved rounds, ${LATENCY_PER_ROUND} sequential starts of each per round, burst ${BURST} at concurrency ${CONCURRENCY}`,
      `                         raw network  raw bridge  zun poll  zun long-poll`,
      `latency median ms      ${f(l.raw_network)}  ${f(l.raw_bridge)} ${f(l.zun_poll)} ${f(l.zun_longpoll)}`,
      `burst /s               ${f(b.raw_network)}  ${f(b.raw_bridge)} ${f(b.zun_poll)} ${f(b.zun_longpoll)}`,
      `latency ratio (poll / raw network) ${q.latency_poll_vs_raw_network.toFixed(3)} (target <= 1.05), vs raw bridge ${q.latency_poll_vs_raw_bridge.toFixed(3)}, long-poll ${q.latency_longpoll_vs_raw_network.toFixed(3)}`,
      `burst ratio (poll / raw network)   ${q.burst_poll_vs_raw_network.toFixed(3)} (target >= 0.95), vs raw bridge ${q.burst_poll_vs_raw_bridge.toFixed(3)}, long-poll ${q.burst_longpoll_vs_raw_network.toFixed(3)}`,
      `GETs per start: poll ${result.gets_per_start.poll.toFixed(1)}, long-poll ${result.gets_per_start.long_poll.toFixed(1)}`,
      ...SIDES.map(
        (side) =>
          `burst CPU s per container, ${side}: ${JSON.stringify(result.burst_cpu_s_per_container_median[side])}`,
      ),
      `idle RSS MB: ${JSON.stringify(rssIdle)} = ${total(rssIdle)} (target <= 250); after the load: ${JSON.stringify(rssAfter)} = ${total(rssAfter)}`,
      '',
    ].join('\n'),
  );
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'overhead.json'), `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
