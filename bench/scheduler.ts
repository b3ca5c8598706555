/**
 * Placements per second of the pure scheduler at several cluster sizes.
 *
 *   npx ts-node --transpile-only -P bench/tsconfig.json bench/scheduler.ts [seconds-per-run] [host-count...]
 *
 * The hosts are a HostTable's, as zun-api builds its snapshot; BENCH_SCHEDULER_INPUT=plain schedules
 * over the plain HostState objects instead (the path any other array takes).
 *
 * Every size runs twice: with the default filters, and with CpuSetFilter added on a cluster where every
 * host enables pinning and reports two NUMA nodes, with a quarter of the requests `dedicated` (each of
 * those checks the NUMA nodes of every host that passes the other filters, and pins CPUs on the winner).
 *
 * Each placement is schedule() followed by consume() on the winner, as the API does against its cached
 * snapshot, so usage drifts between placements as it would in production. Containers are released
 * again once `LIVE_PER_HOST * hosts` are running, so the cluster stays at a steady fill instead of
 * running out of room during the measurement. The request mix varies AZ (none / 'nova', a third of the
 * hosts), runtime (none / 'runc' / 'kata-runtime', which a fifth of the hosts lack) and size, so every
 * default filter rejects some hosts and the requests without an AZ scan every host in full.
 */
import {
  FilterScheduler,
  HostTable,
  consume,
  release,
  type HostState,
  type NumaNode,
  type NumaPick,
  type RequestSpec,
} from '../packages/scheduler/src';

const DEFAULT_FILTERS = [
  'AvailabilityZoneFilter',
  'ComputeFilter',
  'RuntimeFilter',
  'CPUFilter',
  'RamFilter',
];
const SIZES = [1_000, 10_000, 100_000];

interface Scenario {
  name: string;
  filters: string[];
  /** Hosts enable pinning and report NUMA nodes; every fourth request is `dedicated`. */
  pinning: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'default filters', filters: DEFAULT_FILTERS, pinning: false },
  { name: '+CpuSetFilter, 1/4 dedicated', filters: [...DEFAULT_FILTERS, 'CpuSetFilter'], pinning: true },
];
const AZS = ['nova', 'az-b', 'az-c'];
const LIVE_PER_HOST = 4;
const PLAIN = process.env.BENCH_SCHEDULER_INPUT === 'plain';

// Deterministic PRNG (mulberry32) so runs are comparable.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two nodes splitting the host's cpus and memory, a few cpus already pinned on each. */
function makeNuma(cpus: number, memTotal: number, rand: () => number): NumaNode[] {
  const per = cpus / 2;
  return [0, 1].map((id) => {
    const ids = Array.from({ length: per }, (_, c) => id * per + c);
    return {
      id,
      cpus: ids,
      pinned: ids.slice(0, Math.floor(rand() * per * 0.25)),
      memAvailable: Math.floor((memTotal / 2) * (1 - rand() * 0.25)),
    };
  });
}

function makeHosts(n: number, rand: () => number, pinning: boolean): HostState[] {
  const hosts: HostState[] = [];
  for (let i = 0; i < n; i++) {
    const cpus = [16, 32, 64][i % 3];
    const memTotal = cpus * 4096;
    const cpuLimit = (cpus - 1) * 16;
    const memLimit = (memTotal - 512) * 1.5;
    hosts.push({
      uuid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      hostname: `node-${i.toString().padStart(6, '0')}`,
      availabilityZone: AZS[i % AZS.length],
      serviceUp: rand() > 0.02,
      disabled: rand() < 0.01,
      cpus,
      cpuUsed: Math.floor(rand() * cpuLimit * 0.5),
      cpuLimit,
      memTotal,
      memUsed: Math.floor(rand() * memLimit * 0.5),
      memLimit,
      diskTotal: 500,
      diskUsed: 0,
      diskLimit: 475,
      diskQuotaSupported: false,
      runtimes: i % 5 === 0 ? ['runc'] : ['runc', 'kata-runtime'],
      labels: {},
      enableCpuPinning: pinning,
      numaNodes: pinning ? makeNuma(cpus, memTotal, rand) : [],
    });
  }
  return hosts;
}

function makeRequests(rand: () => number, pinning: boolean): RequestSpec[] {
  const reqs: RequestSpec[] = [];
  for (let i = 0; i < 64; i++) {
    reqs.push({
      cpu: [0.1, 0.5, 1, 2][i % 4],
      memory: [128, 512, 1024, 2048][Math.floor(rand() * 4)],
      disk: 0,
      runtime: [null, 'runc', 'kata-runtime'][i % 3],
      availabilityZone: i % 4 === 0 ? 'nova' : null,
      requestedHost: null,
      hints: {},
      cpuPolicy: pinning && i % 4 === 1 ? 'dedicated' : 'shared',
    });
  }
  return reqs;
}

function run(
  n: number,
  seconds: number,
  scenario: Scenario,
): { placements: number; failures: number; elapsedMs: number; cpuMs: number } {
  const rand = rng(n);
  const states = makeHosts(n, rand, scenario.pinning);
  const hosts = PLAIN ? states : new HostTable(states).hosts;
  const reqs = makeRequests(rand, scenario.pinning);
  const scheduler = new FilterScheduler({ enabledFilters: scenario.filters });

  // Ring of running placements; the oldest is released once the ring is full.
  const live = LIVE_PER_HOST * n;
  const placed: HostState[] = new Array<HostState>(live);
  const placedReq: RequestSpec[] = new Array<RequestSpec>(live);
  const placedPick: (NumaPick | null)[] = new Array<NumaPick | null>(live).fill(null);
  let next = 0;
  const place = (i: number): boolean => {
    const req = reqs[i % reqs.length];
    const res = scheduler.schedule(hosts, req);
    if (!res.ok) return false;
    const pick = consume(res.hosts[0], req);
    const old = placed[next];
    if (old !== undefined) release(old, placedReq[next], placedPick[next]);
    placed[next] = res.hosts[0];
    placedReq[next] = req;
    placedPick[next] = pick;
    next = (next + 1) % live;
    return true;
  };

  // Warm up so the JIT has optimised the hot loop before timing starts.
  for (let i = 0; i < Math.max(50, 200_000 / n); i++) place(i);

  let placements = 0;
  let failures = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  // Check the clock in batches so timing overhead stays out of the per-placement cost.
  const batch = Math.max(1, Math.floor(100_000 / n));
  while (now < deadline) {
    for (let b = 0; b < batch; b++) {
      if (!place(placements + failures)) failures++;
      else placements++;
    }
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpuStart);
  return { placements, failures, elapsedMs: Number(now - start) / 1e6, cpuMs: (cpu.user + cpu.system) / 1e3 };
}

function main(): void {
  const seconds = Number(process.argv[2] ?? 2);
  const sizes = process.argv.length > 3 ? process.argv.slice(3).map(Number) : SIZES;
  // Per CPU second too: on a machine shared with other work the wall clock also counts the time this
  // process waited for a core, which says nothing about the scheduler.
  console.log(`hosts given as ${PLAIN ? 'plain HostState objects' : 'a HostTable'}`);
  const rows: string[][] = [['hosts', 'filters', 'placements/s', 'per CPU-s', 'µs/placement', 'failed']];
  for (let s = 0; s < SCENARIOS.length; s++) {
    for (const n of sizes) {
      const { placements, failures, elapsedMs, cpuMs } = run(n, seconds, SCENARIOS[s]);
      const count = placements + failures;
      rows.push([
        n.toLocaleString('en-US'),
        SCENARIOS[s].name,
        Math.round((count * 1000) / elapsedMs).toLocaleString('en-US'),
        Math.round((count * 1000) / cpuMs).toLocaleString('en-US'),
        ((elapsedMs * 1000) / count).toFixed(1),
        String(failures),
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  // Index loop rather than rows.entries(): without bench/tsconfig.json ts-node falls back to an ES5
  // target, where for-of over an iterator silently runs zero times.
  for (let i = 0; i < rows.length; i++) {
    console.log(rows[i].map((cell, c) => cell.padStart(widths[c])).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

main();
