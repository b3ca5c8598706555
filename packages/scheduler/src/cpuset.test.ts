import { dedicatedCpuCount, isDedicated, pickNumaNode } from './cpuset';
import type { HostState, NumaNode, RequestSpec } from './types';

function host(numaNodes: NumaNode[] | undefined, enableCpuPinning = true): HostState {
  return {
    uuid: 'u',
    hostname: 'h',
    availabilityZone: 'nova',
    serviceUp: true,
    disabled: false,
    cpus: 8,
    cpuUsed: 0,
    cpuLimit: 8,
    memTotal: 8192,
    memUsed: 0,
    memLimit: 8192,
    diskTotal: 0,
    diskUsed: 0,
    diskLimit: 0,
    diskQuotaSupported: false,
    runtimes: ['runc'],
    labels: {},
    enableCpuPinning,
    numaNodes,
  };
}

function dedicated(cpu: number, memory: number): RequestSpec {
  return {
    cpu,
    memory,
    disk: 0,
    runtime: null,
    availabilityZone: null,
    requestedHost: null,
    hints: {},
    cpuPolicy: 'dedicated',
  };
}

describe('isDedicated', () => {
  it('is true only for an explicit dedicated policy', () => {
    expect(isDedicated(dedicated(1, 1))).toBe(true);
    expect(isDedicated({ ...dedicated(1, 1), cpuPolicy: 'shared' })).toBe(false);
    expect(isDedicated({ ...dedicated(1, 1), cpuPolicy: null })).toBe(false);
    expect(isDedicated({ ...dedicated(1, 1), cpuPolicy: undefined })).toBe(false);
  });
});

describe('dedicatedCpuCount', () => {
  it.each([
    [0.1, 1],
    [1, 1],
    [1.5, 2],
    [2, 2],
    [0.1 + 0.2 + 0.7, 1], // 1.0000000000000002 is one cpu, not two
    [0, 1],
  ])('%s vCPU -> %s pinned cpus', (cpu, n) => {
    expect(dedicatedCpuCount(cpu)).toBe(n);
  });
});

describe('pickNumaNode', () => {
  it('takes the first fitting node and its lowest free cpu ids, ascending', () => {
    const nodes: NumaNode[] = [
      { id: 0, cpus: [0, 1, 2, 3], pinned: [0, 1, 2], memAvailable: 4096 },
      { id: 1, cpus: [7, 5, 6, 4], pinned: [5], memAvailable: 4096 },
      { id: 2, cpus: [8, 9, 10, 11], pinned: [], memAvailable: 4096 },
    ];
    const h = host(nodes);
    const pick = pickNumaNode(h, dedicated(2.5, 1024));
    expect(pick).not.toBeNull();
    expect(pick?.node).toBe(nodes[1]);
    expect(pick?.cpus).toEqual([4, 6, 7]);
    expect(pickNumaNode(h, dedicated(1, 10))?.cpus).toEqual([3]);
  });
  it('skips a node without enough memory', () => {
    const nodes: NumaNode[] = [
      { id: 0, cpus: [0, 1], pinned: [], memAvailable: 100 },
      { id: 1, cpus: [2, 3], pinned: [], memAvailable: 200 },
    ];
    expect(pickNumaNode(host(nodes), dedicated(2, 200))?.node.id).toBe(1);
    expect(pickNumaNode(host(nodes), dedicated(2, 201))).toBeNull();
  });
  it('is null for shared requests, hosts without pinning and unknown topology', () => {
    const nodes: NumaNode[] = [{ id: 0, cpus: [0, 1], pinned: [], memAvailable: 100 }];
    expect(pickNumaNode(host(nodes), { ...dedicated(1, 1), cpuPolicy: 'shared' })).toBeNull();
    expect(pickNumaNode(host(nodes, false), dedicated(1, 1))).toBeNull();
    expect(pickNumaNode(host(undefined), dedicated(1, 1))).toBeNull();
    expect(pickNumaNode(host([]), dedicated(1, 1))).toBeNull();
  });
  it('does not modify the host', () => {
    const nodes: NumaNode[] = [{ id: 0, cpus: [0, 1], pinned: [1], memAvailable: 100 }];
    const h = host(nodes);
    const before = JSON.stringify(h);
    pickNumaNode(h, dedicated(1, 50));
    expect(JSON.stringify(h)).toBe(before);
  });
  it('does not use a node that has fewer distinct free ids than it counts', () => {
    // Duplicate ids break the agent's invariant: counted free 4 - 1 = 3, but only cpu 0 is free.
    const nodes: NumaNode[] = [
      { id: 0, cpus: [0, 0, 1, 1], pinned: [1], memAvailable: 100 },
      { id: 1, cpus: [2, 3], pinned: [], memAvailable: 100 },
    ];
    expect(pickNumaNode(host(nodes), dedicated(2, 1))).toEqual({ node: nodes[1], cpus: [2, 3] });
  });
});
