import { pickNumaNode } from './cpuset';
import { AVAILABLE_FILTERS, FILTERS, type FilterName } from './filters';
import { FilterScheduler } from './scheduler';
import { consume, release } from './usage';
import type { HostState, NumaNode, RequestSpec, ScheduleResult, Weigher } from './types';

const DEFAULT_FILTERS = [
  'AvailabilityZoneFilter',
  'ComputeFilter',
  'RuntimeFilter',
  'CPUFilter',
  'RamFilter',
];

function host(hostname: string, over: Partial<HostState> = {}): HostState {
  return {
    uuid: `uuid-${hostname}`,
    hostname,
    availabilityZone: 'nova',
    serviceUp: true,
    disabled: false,
    cpus: 8,
    cpuUsed: 0,
    cpuLimit: 8,
    memTotal: 8192,
    memUsed: 0,
    memLimit: 8192,
    diskTotal: 100,
    diskUsed: 0,
    diskLimit: 100,
    diskQuotaSupported: true,
    runtimes: ['runc'],
    labels: {},
    enableCpuPinning: false,
    ...over,
  };
}

function request(over: Partial<RequestSpec> = {}): RequestSpec {
  return {
    cpu: 1,
    memory: 512,
    disk: 0,
    runtime: null,
    availabilityZone: null,
    requestedHost: null,
    hints: {},
    ...over,
  };
}

function names(res: ScheduleResult): string[] {
  if (!res.ok) throw new Error(`expected success, got: ${res.explanation}`);
  return res.hosts.map((h) => h.hostname);
}

describe('FilterScheduler configuration', () => {
  it('rejects an unknown filter name', () => {
    expect(() => new FilterScheduler({ enabledFilters: ['ComputeFilter', 'NoSuchFilter'] })).toThrow(
      /NoSuchFilter/,
    );
  });
  it('rejects a filter listed twice', () => {
    expect(() => new FilterScheduler({ enabledFilters: ['RamFilter', 'RamFilter'] })).toThrow(
      /more than once/,
    );
  });
  it('rejects an unknown weigher and a bad candidate count', () => {
    expect(() => new FilterScheduler({ enabledFilters: [], weigher: 'random' as Weigher })).toThrow(
      /weigher/,
    );
    expect(() => new FilterScheduler({ enabledFilters: [], maxCandidates: 0 })).toThrow(/maxCandidates/);
    expect(() => new FilterScheduler({ enabledFilters: [], maxCandidates: 1.5 })).toThrow(/maxCandidates/);
  });
  it('accepts every available filter and no filter at all', () => {
    const s = new FilterScheduler({ enabledFilters: [...AVAILABLE_FILTERS] });
    expect(s.filterNames).toEqual(AVAILABLE_FILTERS);
    expect(names(new FilterScheduler({ enabledFilters: [] }).schedule([host('a')], request()))).toEqual([
      'a',
    ]);
  });
});

describe('FilterScheduler.schedule explanations', () => {
  it('reports an empty cluster', () => {
    const res = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS }).schedule([], request());
    expect(res).toEqual({ ok: false, explanation: 'No valid host: 0 hosts', total: 0, removedBy: {} });
  });

  it('lists the filters that removed hosts, in the order they ran', () => {
    const hosts = [
      host('a', { memLimit: 256 }),
      host('b', { memLimit: 256, serviceUp: false }), // fails both: charged to RamFilter, which runs first
      host('c', { disabled: true }),
    ];
    const res = new FilterScheduler({ enabledFilters: ['RamFilter', 'ComputeFilter'] }).schedule(
      hosts,
      request(),
    );
    expect(res).toEqual({
      ok: false,
      explanation: 'No valid host: 3 hosts, RamFilter removed 2, ComputeFilter removed 1',
      total: 3,
      removedBy: { RamFilter: 2, ComputeFilter: 1 },
    });
  });

  it('charges by configured order, not by the order the checks are made in', () => {
    // Each host fails both filters; only the first configured one may be charged.
    const hosts = [host('a', { memLimit: 1, cpuLimit: 0 }), host('b', { memLimit: 1, cpuLimit: 0 })];
    const cpuFirst = new FilterScheduler({ enabledFilters: ['CPUFilter', 'RamFilter'] }).schedule(
      hosts,
      request(),
    );
    const ramFirst = new FilterScheduler({ enabledFilters: ['RamFilter', 'CPUFilter'] }).schedule(
      hosts,
      request(),
    );
    expect(cpuFirst.ok || cpuFirst.explanation).toBe('No valid host: 2 hosts, CPUFilter removed 2');
    expect(ramFirst.ok || ramFirst.explanation).toBe('No valid host: 2 hosts, RamFilter removed 2');
  });

  it('omits filters that removed nothing and stops counting once no host is left', () => {
    const hosts = [host('a', { availabilityZone: 'az-2' }), host('b', { availabilityZone: 'az-3' })];
    const res = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS }).schedule(
      hosts,
      request({ availabilityZone: 'nova', runtime: 'kata' }),
    );
    expect(res).toEqual({
      ok: false,
      explanation: 'No valid host: 2 hosts, AvailabilityZoneFilter removed 2',
      total: 2,
      removedBy: { AvailabilityZoneFilter: 2 },
    });
  });

  it('uses the singular for one host', () => {
    const res = new FilterScheduler({ enabledFilters: ['ComputeFilter'] }).schedule(
      [host('a', { serviceUp: false })],
      request(),
    );
    expect(res.ok || res.explanation).toBe('No valid host: 1 host, ComputeFilter removed 1');
  });
});

describe('requested host', () => {
  const hosts = [host('a'), host('b', { memUsed: 4096 }), host('c', { memLimit: 100 })];
  const s = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS });

  it('considers only the requested host even when others rank higher', () => {
    expect(names(s.schedule(hosts, request({ requestedHost: 'b' })))).toEqual(['b']);
  });
  it('says so when the requested host does not exist', () => {
    const res = s.schedule(hosts, request({ requestedHost: 'zz' }));
    expect(res).toEqual({
      ok: false,
      explanation: 'No valid host: requested host zz not found among 3 hosts',
      total: 0,
      removedBy: {},
    });
    expect(s.schedule([], request({ requestedHost: 'zz' }))).toMatchObject({
      explanation: 'No valid host: requested host zz not found among 0 hosts',
    });
  });
  it('explains why the requested host was filtered out', () => {
    const res = s.schedule(hosts, request({ requestedHost: 'c' }));
    expect(res).toEqual({
      ok: false,
      explanation: 'No valid host: 1 host, RamFilter removed 1 (requested host c)',
      total: 1,
      removedBy: { RamFilter: 1 },
    });
    const down = s.schedule([...hosts, host('h1', { serviceUp: false })], request({ requestedHost: 'h1' }));
    expect(down.ok || down.explanation).toBe(
      'No valid host: 1 host, ComputeFilter removed 1 (requested host h1)',
    );
  });
  it('is not rescued by other hosts that would pass', () => {
    const res = s.schedule(
      [host('x'), host('h1', { disabled: true }), host('y')],
      request({ requestedHost: 'h1' }),
    );
    expect(res).toMatchObject({ ok: false, total: 1, removedBy: { ComputeFilter: 1 } });
  });
  it('treats empty strings as nothing requested, as upstream does', () => {
    const res = s.schedule(hosts, request({ requestedHost: '', availabilityZone: '', runtime: '' }));
    expect(names(res)).toEqual(['a', 'b']);
  });
  it('keeps every host of that name when several share it', () => {
    const twins = [host('t', { uuid: 'u2' }), host('other'), host('t', { uuid: 'u1', memUsed: 4096 })];
    const res = s.schedule(twins, request({ requestedHost: 't' }));
    expect(res.ok && res.hosts.map((h) => h.uuid)).toEqual(['u2', 'u1']);
  });
});

describe('weighers', () => {
  // Free memory ratio: a 0.75, b 0.25, c 0.5, d 0.5 (d has more free cpu), e 0.5 (ties d fully).
  const hosts = [
    host('e', { memUsed: 4096, cpuUsed: 2 }),
    host('b', { memUsed: 6144 }),
    host('d', { memUsed: 4096, cpuUsed: 2 }),
    host('a', { memUsed: 2048 }),
    host('c', { memUsed: 2048, memLimit: 4096, cpuUsed: 4 }),
  ];

  it('spread puts the most free memory first, then free cpu, then hostname', () => {
    const s = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS });
    expect(names(s.schedule(hosts, request()))).toEqual(['a', 'd', 'e', 'c', 'b']);
  });
  it('pack puts the least free first with the same hostname tie-break', () => {
    const s = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS, weigher: 'pack' });
    expect(names(s.schedule(hosts, request()))).toEqual(['b', 'c', 'd', 'e', 'a']);
  });
  it('breaks ties between equal hostnames by node uuid', () => {
    const twins = [host('t', { uuid: 'u3' }), host('t', { uuid: 'u1' }), host('t', { uuid: 'u2' })];
    for (const weigher of ['spread', 'pack'] as const) {
      const s = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS, weigher });
      for (const order of [twins, [...twins].reverse()]) {
        const res = s.schedule(order, request());
        expect(res.ok && res.hosts.map((h) => h.uuid)).toEqual(['u1', 'u2', 'u3']);
      }
    }
  });
  it('is independent of the input order', () => {
    const s = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS });
    expect(names(s.schedule([...hosts].reverse(), request()))).toEqual(['a', 'd', 'e', 'c', 'b']);
  });
  it('returns at most maxCandidates, the best ones', () => {
    const s = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS, maxCandidates: 2 });
    expect(names(s.schedule(hosts, request()))).toEqual(['a', 'd']);
    const many = Array.from({ length: 25 }, (_, i) => host(`n${String(i).padStart(2, '0')}`));
    expect(names(new FilterScheduler({ enabledFilters: [] }).schedule(many, request()))).toHaveLength(10);
  });
  it('treats a host with no memory limit as full instead of ranking NaN', () => {
    const s = new FilterScheduler({ enabledFilters: [] });
    expect(names(s.schedule([host('z', { memLimit: 0 }), host('y', { memUsed: 8000 })], request()))).toEqual([
      'y',
      'z',
    ]);
  });
});

describe('consume', () => {
  it('adds the request to the host usage', () => {
    const h = host('a', { cpuUsed: 0.5, memUsed: 100, diskUsed: 1 });
    consume(h, request({ cpu: 0.25, memory: 28, disk: 2 }));
    expect([h.cpuUsed, h.memUsed, h.diskUsed]).toEqual([0.75, 128, 3]);
  });

  it('fills a cluster to exactly its capacity and then explains the RamFilter rejection', () => {
    // Three hosts with room for 4, 3 and 5 containers of 256 MiB: K = 12 placements.
    const hosts = [
      host('a', { memLimit: 1024 }),
      host('b', { memLimit: 768 }),
      host('c', { memLimit: 1280 }),
    ];
    const s = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS });
    const req = request({ cpu: 0.1, memory: 256 });
    const placed: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = s.schedule(hosts, req);
      if (!res.ok) throw new Error(`placement ${i + 1} failed: ${res.explanation}`);
      consume(res.hosts[0], req);
      placed.push(res.hosts[0].hostname);
    }
    expect(placed.filter((n) => n === 'a')).toHaveLength(4);
    expect(placed.filter((n) => n === 'b')).toHaveLength(3);
    expect(placed.filter((n) => n === 'c')).toHaveLength(5);
    expect(s.schedule(hosts, req)).toEqual({
      ok: false,
      explanation: 'No valid host: 3 hosts, RamFilter removed 3',
      total: 3,
      removedBy: { RamFilter: 3 },
    });
  });

  it.each([
    [1, 0.1, 10],
    [0.3, 0.1, 3], // 0.3 - (0.1 + 0.1) = 0.09999999999999998
    [0.3, 0.15, 2],
  ])(
    'fills a %s vCPU limit with %s vCPU containers exactly %s times despite float rounding',
    (limit, cpu, k) => {
      const hosts = [host('a', { cpuLimit: limit })];
      const s = new FilterScheduler({ enabledFilters: ['CPUFilter'] });
      const req = request({ cpu, memory: 1 });
      for (let i = 0; i < k; i++) {
        const res = s.schedule(hosts, req);
        expect(res.ok).toBe(true);
        consume(hosts[0], req);
      }
      expect(s.schedule(hosts, req)).toMatchObject({ ok: false, removedBy: { CPUFilter: 1 } });
    },
  );
});

describe('CpuSetFilter in the scheduler', () => {
  const WITH_CPUSET = [...DEFAULT_FILTERS, 'CpuSetFilter'];
  const nodes = (): NumaNode[] => [
    { id: 0, cpus: [0, 1, 2, 3], pinned: [], memAvailable: 2048 },
    { id: 1, cpus: [4, 5, 6, 7], pinned: [], memAvailable: 2048 },
  ];
  const dedicated = (cpu: number, memory: number): RequestSpec =>
    request({ cpuPolicy: 'dedicated', cpu, memory });

  it('places dedicated requests only on pinning hosts with room on one node', () => {
    const hosts = [
      host('plain', { numaNodes: nodes() }),
      host('pin', { enableCpuPinning: true, numaNodes: nodes() }),
      host('pin-unknown', { enableCpuPinning: true, numaNodes: [] }),
    ];
    const s = new FilterScheduler({ enabledFilters: WITH_CPUSET });
    expect(names(s.schedule(hosts, dedicated(2, 512)))).toEqual(['pin']);
    expect(s.schedule(hosts, dedicated(5, 512))).toEqual({
      ok: false,
      explanation: 'No valid host: 3 hosts, CpuSetFilter removed 3',
      total: 3,
      removedBy: { CpuSetFilter: 3 },
    });
    // Shared requests ignore pinning entirely (unlike upstream, see README).
    expect(names(s.schedule(hosts, request({ cpuPolicy: 'shared' })))).toHaveLength(3);
    expect(names(s.schedule(hosts, request({ cpuPolicy: null })))).toHaveLength(3);
  });

  it('charges CpuSetFilter by configured order', () => {
    const hosts = [host('a', { memLimit: 1 })]; // fails RamFilter and CpuSetFilter
    const s = new FilterScheduler({ enabledFilters: ['CpuSetFilter', 'RamFilter'] });
    expect(s.schedule(hosts, dedicated(1, 512))).toMatchObject({ removedBy: { CpuSetFilter: 1 } });
  });

  it('has no effect on dedicated requests when not enabled', () => {
    const s = new FilterScheduler({ enabledFilters: DEFAULT_FILTERS });
    expect(names(s.schedule([host('plain')], dedicated(1, 512)))).toEqual(['plain']);
  });

  it('consume pins the lowest free cpus of the first fitting node until the host is full', () => {
    const h = host('pin', { enableCpuPinning: true, numaNodes: nodes() });
    const s = new FilterScheduler({ enabledFilters: WITH_CPUSET });
    const req = dedicated(1.5, 1024); // 2 cpus each: 2 fit per node by cpus and by memory
    const picks: [number, number[]][] = [];
    for (let i = 0; i < 4; i++) {
      const res = s.schedule([h], req);
      if (!res.ok) throw new Error(res.explanation);
      const pick = consume(res.hosts[0], req);
      picks.push([pick?.node.id ?? -1, pick?.cpus ?? []]);
    }
    expect(picks).toEqual([
      [0, [0, 1]],
      [0, [2, 3]],
      [1, [4, 5]],
      [1, [6, 7]],
    ]);
    expect(h.numaNodes?.map((n) => [n.pinned, n.memAvailable])).toEqual([
      [[0, 1, 2, 3], 0],
      [[4, 5, 6, 7], 0],
    ]);
    expect([h.cpuUsed, h.memUsed]).toEqual([6, 4096]);
    expect(s.schedule([h], req)).toMatchObject({ ok: false, removedBy: { CpuSetFilter: 1 } });
  });

  it('consume leaves NUMA nodes alone for shared requests and returns null', () => {
    const h = host('pin', { enableCpuPinning: true, numaNodes: nodes() });
    expect(consume(h, request({ cpu: 2, memory: 1024 }))).toBeNull();
    expect(h.numaNodes).toEqual(nodes());
    expect([h.cpuUsed, h.memUsed]).toEqual([2, 1024]);
  });

  it('release undoes consume, pinned cpus included', () => {
    const h = host('pin', { enableCpuPinning: true, numaNodes: nodes(), cpuUsed: 1, memUsed: 100 });
    const before = JSON.parse(JSON.stringify(h)) as HostState;
    const first = consume(h, dedicated(2, 512));
    const second = consume(h, dedicated(1, 256));
    expect(second?.cpus).toEqual([2]);
    release(h, dedicated(2, 512), first);
    expect(h.numaNodes?.[0]).toEqual({ id: 0, cpus: [0, 1, 2, 3], pinned: [2], memAvailable: 2048 - 256 });
    expect(pickNumaNode(h, dedicated(2, 512))?.cpus).toEqual([0, 1]);
    release(h, dedicated(1, 256), second);
    expect(h).toEqual(before);
    const shared = request({ cpu: 0.5, memory: 64, disk: 1 });
    release(h, shared, consume(h, shared));
    expect(h).toEqual(before);
  });
});

describe('scheduler hints', () => {
  const hosts = [host('a', { labels: { type: 'ssd' } }), host('b')];
  const s = new FilterScheduler({ enabledFilters: [...DEFAULT_FILTERS, 'LabelFilter'] });

  it.each([null, undefined, 'label:type=ssd', ['label:type'], 3])(
    'treats non-object hints (%p) as none',
    (hints) => {
      expect(names(s.schedule(hosts, request({ hints: hints as Record<string, unknown> })))).toEqual([
        'a',
        'b',
      ]);
    },
  );
  it('filters on label hints and ignores group, same_host and different_host', () => {
    const hints = { 'label:type': 'ssd', group: 'g', same_host: 'b', different_host: 'a' };
    expect(names(s.schedule(hosts, request({ hints })))).toEqual(['a']);
    expect(names(s.schedule(hosts, request({ hints: { same_host: ['b'], different_host: ['a'] } })))).toEqual(
      ['a', 'b'],
    );
  });
  it('explains a label rejection', () => {
    expect(s.schedule(hosts, request({ hints: { 'label:type': 'hdd' } }))).toMatchObject({
      explanation: 'No valid host: 2 hosts, LabelFilter removed 2',
    });
  });
});

// The scheduler has a hand-tuned single pass; this checks it against the obvious implementation:
// run each Filter object over the list in order, then fully sort.
describe('equivalence with a naive filter-then-sort scheduler', () => {
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

  function naive(
    filters: FilterName[],
    weigher: Weigher,
    max: number,
    hosts: HostState[],
    req: RequestSpec,
  ): ScheduleResult {
    let left = !req.requestedHost ? hosts : hosts.filter((h) => h.hostname === req.requestedHost);
    const total = left.length;
    const removedBy: Record<string, number> = {};
    for (const name of filters) {
      if (left.length === 0) break;
      const kept = left.filter((h) => FILTERS[name].hostPasses(h, req));
      if (kept.length < left.length) removedBy[name] = left.length - kept.length;
      left = kept;
    }
    if (left.length === 0) return { ok: false, explanation: '', total, removedBy };
    const free = (limit: number, used: number): number => (limit > 0 ? (limit - used) / limit : 0);
    const sign = weigher === 'spread' ? 1 : -1;
    const sorted = [...left].sort(
      (x, y) =>
        sign * (free(y.memLimit, y.memUsed) - free(x.memLimit, x.memUsed)) ||
        sign * (free(y.cpuLimit, y.cpuUsed) - free(x.cpuLimit, x.cpuUsed)) ||
        (x.hostname < y.hostname ? -1 : x.hostname > y.hostname ? 1 : 0) ||
        (x.uuid < y.uuid ? -1 : x.uuid > y.uuid ? 1 : 0),
    );
    return { ok: true, hosts: sorted.slice(0, max) };
  }

  function pick<T>(rand: () => number, items: readonly T[]): T {
    return items[Math.floor(rand() * items.length)];
  }

  function randomHosts(rand: () => number, n: number): HostState[] {
    return Array.from({ length: n }, (_, i) =>
      // Some hostnames repeat so that the uuid tie-break is exercised.
      host(rand() < 0.2 ? 'dup' : `h${String(Math.floor(rand() * 1e6)).padStart(6, '0')}-${i}`, {
        uuid: `u${String(Math.floor(rand() * 1e6)).padStart(6, '0')}-${i}`,
        availabilityZone: pick(rand, ['nova', 'az-2']),
        serviceUp: rand() > 0.1,
        disabled: rand() < 0.1,
        // Few distinct values so that ratio ties (and the hostname tie-break) are common.
        cpuLimit: pick(rand, [0, 2, 4, 8]),
        cpuUsed: pick(rand, [0, 0.5, 1, 2, 0.1 + 0.2]),
        memLimit: pick(rand, [0, 1024, 2048]),
        memUsed: pick(rand, [0, 512, 1024, 1536]),
        diskLimit: pick(rand, [0, 10, 20]),
        diskUsed: pick(rand, [0, 5, 10]),
        diskQuotaSupported: rand() > 0.3,
        runtimes: pick(rand, [['runc'], ['runc', 'kata'], [], ['kata']]),
        labels: pick<Record<string, string>>(rand, [
          {},
          { type: 'ssd' },
          { type: 'hdd', rack: 'r1' },
          { type: 'ssd', rack: 'r1' },
        ]),
        enableCpuPinning: rand() < 0.6,
        numaNodes: pick<NumaNode[]>(rand, [
          [],
          [{ id: 0, cpus: [0, 1], pinned: [0], memAvailable: 1024 }],
          [
            { id: 0, cpus: [0, 1, 2, 3], pinned: [], memAvailable: 256 },
            { id: 1, cpus: [4, 5, 6, 7], pinned: [4, 5], memAvailable: 2048 },
          ],
        ]),
      }),
    );
  }

  function randomRequest(rand: () => number, hosts: HostState[]): RequestSpec {
    return request({
      cpu: pick(rand, [0.1, 0.3, 1, 2, 4]),
      memory: pick(rand, [128, 512, 1024]),
      disk: pick(rand, [0, 0, 5, 10]),
      runtime: pick(rand, [null, 'runc', 'kata', '']),
      availabilityZone: pick(rand, [null, 'nova', 'az-2', 'az-x', '']),
      requestedHost:
        rand() < 0.15 && hosts.length > 0
          ? pick(rand, hosts).hostname
          : pick(rand, [null, null, null, null, null, null, null, null, 'x', '']),
      hints: pick(rand, [
        {},
        { 'label:type': 'ssd' },
        { 'label:rack': 'r1', 'label:type': 'hdd' },
        { a: 1 },
        null,
      ]),
      cpuPolicy: pick(rand, [undefined, null, 'shared', 'dedicated', 'dedicated'] as const),
    });
  }

  it('agrees on hosts, order and removal counts over random clusters and configs', () => {
    const rand = rng(42);
    for (let round = 0; round < 400; round++) {
      const filters = [...(AVAILABLE_FILTERS as FilterName[])]
        .filter(() => rand() < 0.7)
        .sort(() => rand() - 0.5);
      const weigher = pick(rand, ['spread', 'pack'] as const);
      const max = pick(rand, [1, 3, 10]);
      const s = new FilterScheduler({ enabledFilters: filters, weigher, maxCandidates: max });
      const hosts = randomHosts(rand, Math.floor(rand() * 40));
      for (let r = 0; r < 5; r++) {
        const req = randomRequest(rand, hosts);
        const got = s.schedule(hosts, req);
        const want = naive(filters, weigher, max, hosts, req);
        const context = JSON.stringify({ round, r, filters, weigher, req });
        expect([context, got.ok]).toEqual([context, want.ok]);
        if (got.ok && want.ok) {
          expect([context, got.hosts]).toEqual([context, want.hosts]);
        } else if (!got.ok && !want.ok) {
          expect([context, got.removedBy, got.total]).toEqual([context, want.removedBy, want.total]);
        }
      }
    }
  });
});
