import { AVAILABLE_FILTERS, type FilterName } from './filters';
import { FilterScheduler } from './scheduler';
import { HostTable, tableOf } from './table';
import type { HostState, NumaNode, NumaPick, RequestSpec, ScheduleResult } from './types';
import { consume, release } from './usage';

// Deterministic PRNG (mulberry32), so a failure is reproducible from its round number.
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

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function numa(rand: () => number): NumaNode[] | undefined {
  return pick(rand, [
    undefined,
    [],
    [{ id: 0, cpus: [0, 1], pinned: [0], memAvailable: 1024 }],
    [
      { id: 0, cpus: [0, 1, 2, 3], pinned: [], memAvailable: 256 },
      { id: 1, cpus: [4, 5, 6, 7], pinned: [4, 5], memAvailable: 2048 },
    ],
  ]);
}

function randomHost(rand: () => number, i: number): HostState {
  const nodes = numa(rand);
  const h: HostState = {
    uuid: `u${String(Math.floor(rand() * 1e6)).padStart(6, '0')}-${i}`,
    // Repeated hostnames exercise the uuid tie-break.
    hostname: rand() < 0.2 ? 'dup' : `h${Math.floor(rand() * 1000)}-${i}`,
    availabilityZone: pick(rand, ['nova', 'az-2']),
    serviceUp: rand() > 0.1,
    disabled: rand() < 0.1,
    cpus: 8,
    // Few distinct values so that key ties are common; NaN usage must reject and rank as on objects.
    cpuLimit: pick(rand, [0, 2, 4, 8]),
    cpuUsed: pick(rand, [0, 0.5, 1, 2, 0.1 + 0.2, NaN]),
    memTotal: 8192,
    memLimit: pick(rand, [0, 1024, 2048]),
    memUsed: pick(rand, [0, 512, 1024, 1536, NaN]),
    diskTotal: 100,
    diskLimit: pick(rand, [0, 10, 20]),
    diskUsed: pick(rand, [0, 5, 10]),
    diskQuotaSupported: rand() > 0.3,
    runtimes: pick(rand, [['runc'], ['runc', 'kata'], [], ['kata']]),
    labels: pick<Record<string, string>>(rand, [{}, { type: 'ssd' }, { type: 'hdd', rack: 'r1' }]),
    enableCpuPinning: rand() < 0.6,
  };
  // Deep copies: the plain cluster and the table must not share node objects.
  if (nodes !== undefined)
    h.numaNodes = nodes.map((n) => ({ ...n, cpus: [...n.cpus], pinned: [...n.pinned] }));
  return h;
}

function clone(h: HostState): HostState {
  const c: HostState = { ...h, runtimes: [...h.runtimes], labels: { ...h.labels } };
  if (h.numaNodes !== undefined) {
    c.numaNodes = h.numaNodes.map((n) => ({ ...n, cpus: [...n.cpus], pinned: [...n.pinned] }));
  }
  return c;
}

function randomRequest(rand: () => number, hosts: readonly HostState[]): RequestSpec {
  return {
    cpu: pick(rand, [0.1, 0.3, 1, 2, 4]),
    memory: pick(rand, [128, 512, 1024]),
    disk: pick(rand, [0, 0, 5, 10]),
    runtime: pick(rand, [null, 'runc', 'kata', '', 'none']),
    availabilityZone: pick(rand, [null, 'nova', 'az-2', 'az-x', '']),
    requestedHost:
      rand() < 0.15 && hosts.length > 0 ? pick(rand, hosts).hostname : pick(rand, [null, null, null, 'x']),
    hints: pick(rand, [{}, { 'label:type': 'ssd' }, { 'label:rack': 'r1', 'label:type': 'hdd' }, null]),
    cpuPolicy: pick(rand, [undefined, null, 'shared', 'dedicated', 'dedicated'] as const),
  };
}

/** A result with hosts as positions in their own array, so results over the two copies compare. */
function comparable(res: ScheduleResult, hosts: readonly HostState[]): unknown {
  return res.ok ? { ok: true, at: res.hosts.map((h) => hosts.indexOf(h)) } : res;
}

/** One random change, applied the same way to the plain host and to its table twin. */
function mutate(rand: () => number, a: HostState, b: HostState): void {
  switch (Math.floor(rand() * 9)) {
    case 0: {
      const v = pick(rand, [0, 0.5, 3, NaN]);
      a.cpuUsed = v;
      b.cpuUsed = v;
      break;
    }
    case 1: {
      const v = pick(rand, [0, 512, 2048]);
      a.memUsed = v;
      b.memUsed = v;
      break;
    }
    case 2: {
      const v = rand() < 0.5;
      a.serviceUp = v;
      b.serviceUp = v;
      break;
    }
    case 3: {
      const v = rand() < 0.5;
      a.disabled = v;
      b.disabled = v;
      break;
    }
    case 4: {
      const v = pick(rand, ['nova', 'az-2', 'az-new']);
      a.availabilityZone = v;
      b.availabilityZone = v;
      break;
    }
    case 5: {
      const v = pick(rand, [['runc'], ['kata', 'none'], []]);
      a.runtimes = [...v];
      b.runtimes = [...v];
      break;
    }
    case 6: {
      const v = numa(rand);
      a.numaNodes = v?.map((n) => ({ ...n, cpus: [...n.cpus], pinned: [...n.pinned] }));
      b.numaNodes = v?.map((n) => ({ ...n, cpus: [...n.cpus], pinned: [...n.pinned] }));
      break;
    }
    case 7: {
      const v = rand() < 0.5;
      a.enableCpuPinning = v;
      b.enableCpuPinning = v;
      a.diskQuotaSupported = !v;
      b.diskQuotaSupported = !v;
      break;
    }
    default: {
      const v = pick(rand, [0, 1024, 4096]);
      a.memLimit = v;
      b.memLimit = v;
      a.diskUsed = v / 512;
      b.diskUsed = v / 512;
    }
  }
}

describe('HostTable', () => {
  it('schedules exactly as the plain objects do, through placements, releases and updates', () => {
    const rand = rng(7);
    for (let round = 0; round < 300; round++) {
      const filters = [...(AVAILABLE_FILTERS as FilterName[])]
        .filter(() => rand() < 0.7)
        .sort(() => rand() - 0.5);
      const weigher = pick(rand, ['spread', 'pack'] as const);
      const s = new FilterScheduler({
        enabledFilters: filters,
        weigher,
        maxCandidates: pick(rand, [1, 3, 10]),
      });
      const plain = Array.from({ length: Math.floor(rand() * 40) }, (_, i) => randomHost(rand, i));
      const table = new HostTable(plain.map(clone)).hosts;
      const placed: { at: number; req: RequestSpec; a: NumaPick | null; b: NumaPick | null }[] = [];
      for (let step = 0; step < 12; step++) {
        const req = randomRequest(rand, plain);
        const want = s.schedule(plain, req);
        const got = s.schedule(table, req);
        const context = JSON.stringify({ round, step, filters, weigher, req });
        expect([context, comparable(got, table)]).toEqual([context, comparable(want, plain)]);
        if (want.ok && got.ok) {
          const at = plain.indexOf(want.hosts[0]);
          placed.push({ at, req, a: consume(plain[at], req), b: consume(table[at], req) });
        }
        if (placed.length > 0 && rand() < 0.3) {
          const p = placed.splice(Math.floor(rand() * placed.length), 1)[0];
          release(plain[p.at], p.req, p.a);
          release(table[p.at], p.req, p.b);
        }
        if (plain.length > 0 && rand() < 0.5) {
          const at = Math.floor(rand() * plain.length);
          mutate(rand, plain[at], table[at]);
        }
      }
      expect(JSON.parse(JSON.stringify(table))).toEqual(JSON.parse(JSON.stringify(plain)));
    }
  });

  it('keeps the fields as given and serialises like the plain object', () => {
    const rand = rng(3);
    const plain = Array.from({ length: 20 }, (_, i) => randomHost(rand, i));
    const table = new HostTable(plain).hosts;
    expect(JSON.parse(JSON.stringify(table))).toEqual(JSON.parse(JSON.stringify(plain)));
    for (let i = 0; i < plain.length; i++) {
      expect(table[i].cpuUsed).toBe(plain[i].cpuUsed);
      expect(table[i].numaNodes === undefined).toBe(plain[i].numaNodes === undefined);
    }
  });

  it('is found from its hosts array only', () => {
    const plain = [randomHost(rng(1), 0)];
    const table = new HostTable(plain);
    expect(tableOf(table.hosts)).toBe(table);
    expect(tableOf(plain)).toBeUndefined();
    expect(tableOf([...table.hosts])).toBeUndefined();
  });

  it('refuses in-place changes it could not see', () => {
    const h = randomHost(rng(2), 0);
    h.numaNodes = [{ id: 0, cpus: [0, 1], pinned: [], memAvailable: 100 }];
    const table = new HostTable([h]);
    const [t] = table.hosts;
    expect(() => t.runtimes.push('kata')).toThrow(TypeError);
    expect(() => t.numaNodes?.[0].pinned.push(0)).toThrow(TypeError);
    expect(() => t.numaNodes?.push({ id: 1, cpus: [], pinned: [], memAvailable: 0 })).toThrow(TypeError);
    expect(() => (table.hosts as HostState[]).push(h)).toThrow(TypeError);
  });

  it('sees a runtime past the 32 it keeps bits for', () => {
    const names = Array.from({ length: 40 }, (_, i) => `rt${i}`);
    const hosts = names.map((rt, i) => ({ ...randomHost(rng(i), i), runtimes: [rt] }));
    for (const h of hosts) Object.assign(h, { serviceUp: true, disabled: false, cpuUsed: 0, cpuLimit: 8 });
    const table = new HostTable(hosts).hosts;
    const s = new FilterScheduler({ enabledFilters: ['RuntimeFilter'] });
    for (const rt of ['rt0', 'rt31', 'rt32', 'rt39', 'nope']) {
      const req = randomRequest(rng(5), []);
      const r = { ...req, runtime: rt, requestedHost: null };
      expect(comparable(s.schedule(table, r), table)).toEqual(comparable(s.schedule(hosts, r), hosts));
    }
  });

  it('sees NUMA nodes replaced on a host, and pins on the new ones', () => {
    const base = randomHost(rng(9), 0);
    Object.assign(base, { serviceUp: true, disabled: false, enableCpuPinning: true, numaNodes: [] });
    const plain = [base, { ...clone(base), uuid: 'other', hostname: 'other' }];
    const table = new HostTable(plain.map(clone)).hosts;
    const s = new FilterScheduler({ enabledFilters: ['CpuSetFilter'] });
    const req: RequestSpec = { ...randomRequest(rng(1), []), cpu: 2, memory: 100, cpuPolicy: 'dedicated' };
    const both = (): unknown[] => [
      comparable(s.schedule(plain, req), plain),
      comparable(s.schedule(table, req), table),
    ];
    expect(both()).toEqual([expect.objectContaining({ ok: false }), expect.objectContaining({ ok: false })]);
    for (const hosts of [plain, table])
      hosts[1].numaNodes = [{ id: 0, cpus: [0, 1, 2], pinned: [], memAvailable: 300 }];
    const [p, t] = both();
    expect(t).toEqual(p);
    expect(t).toEqual({ ok: true, at: [1] });
    consume(table[1], req);
    consume(plain[1], req);
    // One cpu left on the only node: a second 2-cpu request fits nowhere.
    expect(both()).toEqual([expect.objectContaining({ ok: false }), expect.objectContaining({ ok: false })]);
  });
});
