import { pickNumaNode } from './cpuset';
import type { HostState, NumaPick, RequestSpec } from './types';

/**
 * Charges a placement to a host snapshot so that the next schedule() against the same cached hosts
 * sees the capacity as taken, before the compute agent reports the real usage. A `dedicated` request on
 * a pinning host also pins CPUs and takes memory on the node pickNumaNode() chooses, and that pick is
 * returned (the same one the agent computes from the same snapshot); null otherwise, including for a
 * dedicated request that no node fits (possible only when CpuSetFilter is not enabled).
 */
export function consume(host: HostState, req: RequestSpec): NumaPick | null {
  host.cpuUsed += req.cpu;
  host.memUsed += req.memory;
  host.diskUsed += req.disk;
  const pick = pickNumaNode(host, req);
  if (pick !== null) {
    // A new array rather than push(): a HostTable's node sees the assignment (its arrays are frozen).
    pick.node.pinned = [...pick.node.pinned, ...pick.cpus];
    pick.node.memAvailable -= req.memory;
  }
  return pick;
}

/**
 * Undoes consume() on a snapshot, e.g. when the agent refused the claim and the API tries the next
 * candidate: give back what consume() returned as `pick` (its CPUs are unpinned, its memory returned).
 */
export function release(host: HostState, req: RequestSpec, pick: NumaPick | null = null): void {
  host.cpuUsed -= req.cpu;
  host.memUsed -= req.memory;
  host.diskUsed -= req.disk;
  if (pick === null) return;
  const freed = new Set(pick.cpus);
  pick.node.pinned = pick.node.pinned.filter((c) => !freed.has(c));
  pick.node.memAvailable += req.memory;
}
