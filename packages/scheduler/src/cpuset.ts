import { EPSILON } from './tolerance';
import type { HostState, NumaNode, NumaPick, RequestSpec } from './types';

/** 'dedicated' only when asked for explicitly: null, absent (and anything else) mean 'shared'. */
export function isDedicated(req: RequestSpec): boolean {
  return req.cpuPolicy === 'dedicated';
}

/**
 * Whole CPUs a `dedicated` container is pinned to: ceil(cpu), at least 1 (a fractional request still
 * needs a CPU of its own; upstream's compute side takes int(cpu), which under-pins 1.5 to 1).
 */
export function dedicatedCpuCount(cpu: number): number {
  return Math.max(1, Math.ceil(cpu - EPSILON));
}

export function numaNodeFits(node: NumaNode, cpus: number, memory: number): boolean {
  return node.cpus.length - node.pinned.length >= cpus && node.memAvailable >= memory - EPSILON;
}

/**
 * CpuSetFilter's test for a `dedicated` request: the host enables pinning and one NUMA node alone has
 * `cpus` free CPUs and `memory` MiB (a container is pinned to one node, its CPUs and its memory).
 */
export function cpuSetFits(host: HostState, cpus: number, memory: number): boolean {
  if (!host.enableCpuPinning) return false;
  const nodes = host.numaNodes;
  if (nodes === undefined) return false;
  for (let i = 0; i < nodes.length; i++) if (numaNodeFits(nodes[i], cpus, memory)) return true;
  return false;
}

/**
 * Where a `dedicated` request goes on a host: the first NUMA node (in the host's order) that fits, and
 * its lowest free CPU ids. Null for a 'shared' request, a host without pinning, or no fitting node.
 * Pure: the compute agent uses it to choose the concrete cpuset, consume() to charge the snapshot, and
 * both agree with CpuSetFilter, which (given the agent's invariant on NumaNode) passes a host exactly
 * when this returns a node.
 */
export function pickNumaNode(host: HostState, req: RequestSpec): NumaPick | null {
  if (!isDedicated(req) || !host.enableCpuPinning || host.numaNodes === undefined) return null;
  const count = dedicatedCpuCount(req.cpu);
  for (const node of host.numaNodes) {
    if (!numaNodeFits(node, count, req.memory)) continue;
    const taken = new Set(node.pinned);
    const free: number[] = [];
    for (const c of node.cpus) {
      if (taken.has(c)) continue;
      taken.add(c); // a repeated id is one cpu
      free.push(c);
    }
    free.sort((a, b) => a - b);
    // Fewer than counted only if the agent broke the subset invariant; such a node is not used.
    if (free.length >= count) return { node, cpus: free.slice(0, count) };
  }
  return null;
}
