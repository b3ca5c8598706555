import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AVAILABLE_FILTERS, FILTERS, type FilterName } from './filters';
import { labelRequirements } from './hints';
import type { HostState, RequestSpec } from './types';

function host(over: Partial<HostState> = {}): HostState {
  return {
    uuid: 'uuid-1',
    hostname: 'node-1',
    availabilityZone: 'nova',
    serviceUp: true,
    disabled: false,
    cpus: 4,
    cpuUsed: 0,
    cpuLimit: 4,
    memTotal: 4096,
    memUsed: 0,
    memLimit: 4096,
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

function passes(name: FilterName, h: HostState, r: RequestSpec): boolean {
  return FILTERS[name].hostPasses(h, r);
}

describe('filter registry', () => {
  it('exposes the upstream Zun filter names', () => {
    expect([...AVAILABLE_FILTERS].sort()).toEqual(
      [
        'AvailabilityZoneFilter',
        'CPUFilter',
        'ComputeFilter',
        'CpuSetFilter',
        'DiskFilter',
        'LabelFilter',
        'RamFilter',
        'RuntimeFilter',
      ].sort(),
    );
    for (const name of AVAILABLE_FILTERS) expect(FILTERS[name as FilterName].name).toBe(name);
  });
});

describe('AvailabilityZoneFilter', () => {
  it('passes any host when no zone is requested', () => {
    expect(passes('AvailabilityZoneFilter', host({ availabilityZone: 'az-9' }), request())).toBe(true);
  });
  it('passes only hosts in the requested zone', () => {
    const r = request({ availabilityZone: 'nova' });
    expect(passes('AvailabilityZoneFilter', host({ availabilityZone: 'nova' }), r)).toBe(true);
    expect(passes('AvailabilityZoneFilter', host({ availabilityZone: 'az-2' }), r)).toBe(false);
  });
  it('compares zone names exactly', () => {
    const r = request({ availabilityZone: 'Nova' });
    expect(passes('AvailabilityZoneFilter', host({ availabilityZone: 'nova' }), r)).toBe(false);
  });
});

describe('ComputeFilter', () => {
  it.each([
    [true, false, true],
    [false, false, false],
    [true, true, false],
    [false, true, false],
  ])('serviceUp=%s disabled=%s -> %s', (serviceUp, disabled, expected) => {
    expect(passes('ComputeFilter', host({ serviceUp, disabled }), request())).toBe(expected);
  });
});

describe('RuntimeFilter', () => {
  it('passes any host when no runtime is requested', () => {
    expect(passes('RuntimeFilter', host({ runtimes: [] }), request())).toBe(true);
  });
  it('requires the host to offer the requested runtime', () => {
    const r = request({ runtime: 'kata-runtime' });
    expect(passes('RuntimeFilter', host({ runtimes: ['runc', 'kata-runtime'] }), r)).toBe(true);
    expect(passes('RuntimeFilter', host({ runtimes: ['runc'] }), r)).toBe(false);
    expect(passes('RuntimeFilter', host({ runtimes: [] }), r)).toBe(false);
  });
});

describe('CPUFilter', () => {
  it('passes an exact fit and rejects one vCPU fraction more', () => {
    const h = host({ cpuLimit: 4, cpuUsed: 3 });
    expect(passes('CPUFilter', h, request({ cpu: 1 }))).toBe(true);
    expect(passes('CPUFilter', h, request({ cpu: 1.01 }))).toBe(false);
  });
  it('treats float usage sums that equal the limit as an exact fit', () => {
    // 0.1 + 0.2 = 0.30000000000000004, so the 0.2 request would not fit without the epsilon.
    const h = host({ cpuLimit: 0.3, cpuUsed: 0.1 });
    expect(passes('CPUFilter', h, request({ cpu: 0.2 }))).toBe(true);
    let used = 0;
    for (let i = 0; i < 9; i++) used += 0.1;
    expect(passes('CPUFilter', host({ cpuLimit: 1, cpuUsed: used }), request({ cpu: 0.1 }))).toBe(true);
    expect(passes('CPUFilter', host({ cpuLimit: 1, cpuUsed: used + 0.1 }), request({ cpu: 0.1 }))).toBe(
      false,
    );
  });
  it('uses the overcommitted limit, not the physical cpu count', () => {
    const h = host({ cpus: 2, cpuLimit: 32, cpuUsed: 30 });
    expect(passes('CPUFilter', h, request({ cpu: 2 }))).toBe(true);
  });
  it('rejects a host already over its limit even for a tiny request', () => {
    expect(passes('CPUFilter', host({ cpuLimit: 2, cpuUsed: 2.5 }), request({ cpu: 0.01 }))).toBe(false);
  });
});

describe('RamFilter', () => {
  it('passes an exact fit and rejects 1 MiB more', () => {
    const h = host({ memLimit: 2048, memUsed: 1536 });
    expect(passes('RamFilter', h, request({ memory: 512 }))).toBe(true);
    expect(passes('RamFilter', h, request({ memory: 513 }))).toBe(false);
  });
  it('accepts a fractional limit from the allocation ratio', () => {
    const h = host({ memLimit: (1001 - 512) * 1.5, memUsed: 0 });
    expect(passes('RamFilter', h, request({ memory: 733 }))).toBe(true);
    expect(passes('RamFilter', h, request({ memory: 734 }))).toBe(false);
  });
});

describe('DiskFilter', () => {
  it('passes every host when no disk is requested, even without quota support', () => {
    expect(passes('DiskFilter', host({ diskQuotaSupported: false, diskLimit: 0 }), request())).toBe(true);
  });
  it('requires quota support for a disk request', () => {
    expect(passes('DiskFilter', host({ diskQuotaSupported: false }), request({ disk: 1 }))).toBe(false);
  });
  it('passes an exact fit and rejects 1 GiB more', () => {
    const h = host({ diskLimit: 50, diskUsed: 40 });
    expect(passes('DiskFilter', h, request({ disk: 10 }))).toBe(true);
    expect(passes('DiskFilter', h, request({ disk: 11 }))).toBe(false);
  });
});

describe('LabelFilter', () => {
  const labelled = host({ labels: { type: 'ssd', rack: 'r1' } });
  it('passes when the request has no label hints', () => {
    expect(passes('LabelFilter', host(), request({ hints: { foo: 'bar' } }))).toBe(true);
  });
  it('requires every label hint to match', () => {
    expect(passes('LabelFilter', labelled, request({ hints: { 'label:type': 'ssd' } }))).toBe(true);
    expect(
      passes('LabelFilter', labelled, request({ hints: { 'label:type': 'ssd', 'label:rack': 'r1' } })),
    ).toBe(true);
    expect(
      passes('LabelFilter', labelled, request({ hints: { 'label:type': 'ssd', 'label:rack': 'r2' } })),
    ).toBe(false);
    expect(passes('LabelFilter', labelled, request({ hints: { 'label:gpu': 'yes' } }))).toBe(false);
  });
  it('ignores hints without the label: prefix', () => {
    expect(passes('LabelFilter', labelled, request({ hints: { type: 'hdd', 'label:type': 'ssd' } }))).toBe(
      true,
    );
  });
  it('never matches a non-string hint value', () => {
    const h = host({ labels: { count: '3' } });
    expect(passes('LabelFilter', h, request({ hints: { 'label:count': 3 } }))).toBe(false);
  });
  it('does not match inherited object properties', () => {
    expect(passes('LabelFilter', host(), request({ hints: { 'label:constructor': 'Object' } }))).toBe(false);
  });
  it.each([null, undefined, 'label:type', ['label:type'], 42, true])(
    'treats non-object hints (%p) as no hints instead of crashing',
    (hints) => {
      const r = request({ hints: hints as unknown as Record<string, unknown> });
      expect(passes('LabelFilter', labelled, r)).toBe(true);
      expect(labelRequirements(hints)).toEqual([]);
    },
  );
  it('accepts group, same_host and different_host without filtering on them', () => {
    const r = request({ hints: { group: 'g1', same_host: ['x'], different_host: 'y' } });
    expect(passes('LabelFilter', host(), r)).toBe(true);
  });
  it('extracts requirements with the prefix stripped', () => {
    expect(labelRequirements({ 'label:a': 'x', b: 'y', 'label:c:d': 'z', 'label:n': 1 })).toEqual([
      ['a', 'x'],
      ['c:d', 'z'],
      ['n', null],
    ]);
  });
});

describe('CpuSetFilter', () => {
  const numa = (
    free: number,
    memAvailable: number,
    id = 0,
  ): { id: number; cpus: number[]; pinned: number[]; memAvailable: number } => ({
    id,
    cpus: [0, 1, 2, 3].map((c) => c + 4 * id),
    pinned: [0, 1, 2, 3].slice(0, 4 - free).map((c) => c + 4 * id),
    memAvailable,
  });
  const pinning = host({ enableCpuPinning: true, numaNodes: [numa(1, 4096, 0), numa(3, 1024, 1)] });

  it.each([undefined, null, 'shared'] as const)('passes any host for cpu policy %p', (cpuPolicy) => {
    const r = request({ cpuPolicy, cpu: 64, memory: 1e6 });
    expect(passes('CpuSetFilter', host(), r)).toBe(true);
    expect(passes('CpuSetFilter', host({ enableCpuPinning: true, numaNodes: [] }), r)).toBe(true);
  });
  it('rejects a dedicated request on a host without pinning, whatever its NUMA nodes', () => {
    const r = request({ cpuPolicy: 'dedicated', cpu: 1, memory: 1 });
    expect(passes('CpuSetFilter', { ...pinning, enableCpuPinning: false }, r)).toBe(false);
  });
  it('rejects a dedicated request on a pinning host with unknown topology', () => {
    const r = request({ cpuPolicy: 'dedicated', cpu: 1, memory: 1 });
    expect(passes('CpuSetFilter', host({ enableCpuPinning: true }), r)).toBe(false);
    expect(passes('CpuSetFilter', host({ enableCpuPinning: true, numaNodes: [] }), r)).toBe(false);
  });
  it('needs one node with both the free cpus and the memory', () => {
    const dedicated = (cpu: number, memory: number): RequestSpec =>
      request({ cpuPolicy: 'dedicated', cpu, memory });
    expect(passes('CpuSetFilter', pinning, dedicated(1, 4096))).toBe(true); // node 0
    expect(passes('CpuSetFilter', pinning, dedicated(3, 1024))).toBe(true); // node 1, exact fit
    expect(passes('CpuSetFilter', pinning, dedicated(3, 1025))).toBe(false); // cpus on 1, memory on 0
    expect(passes('CpuSetFilter', pinning, dedicated(4, 1))).toBe(false); // 4 free only across nodes
  });
  it('counts a fractional request as whole cpus (ceil)', () => {
    const r = request({ cpuPolicy: 'dedicated', cpu: 2.5, memory: 1 });
    expect(passes('CpuSetFilter', host({ enableCpuPinning: true, numaNodes: [numa(3, 10)] }), r)).toBe(true);
    expect(passes('CpuSetFilter', host({ enableCpuPinning: true, numaNodes: [numa(2, 10)] }), r)).toBe(false);
  });
});

describe('README', () => {
  it('documents every available filter in its filters table', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const name of AVAILABLE_FILTERS) expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  });
});
