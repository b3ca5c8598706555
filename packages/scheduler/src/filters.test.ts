import { AVAILABLE_FILTERS, FILTERS, labelRequirements, type FilterName } from './filters';
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
  it('extracts requirements with the prefix stripped', () => {
    expect(labelRequirements({ 'label:a': 'x', b: 'y', 'label:c:d': 'z', 'label:n': 1 })).toEqual([
      ['a', 'x'],
      ['c:d', 'z'],
      ['n', null],
    ]);
  });
});
