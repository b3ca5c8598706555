/**
 * A compute node as the scheduler sees it: a snapshot assembled by the caller from the DB
 * (compute_node + service rows). All derived values (limits, AZ default, liveness) are
 * computed by the caller so this library stays pure and config-free.
 */
export interface HostState {
  /** Compute node uuid. */
  uuid: string;
  hostname: string;
  /** Service availability zone, already defaulted (to 'nova') by the caller. */
  availabilityZone: string;
  /** Heartbeat recent and not forced down. */
  serviceUp: boolean;
  /** Service disabled by an operator. */
  disabled: boolean;
  cpus: number;
  cpuUsed: number;
  /** (cpus - reserved) * cpu_allocation_ratio. */
  cpuLimit: number;
  /** MiB. */
  memTotal: number;
  memUsed: number;
  /** (mem_total - reserved) * ram_allocation_ratio, MiB. */
  memLimit: number;
  /** GiB. */
  diskTotal: number;
  diskUsed: number;
  diskLimit: number;
  diskQuotaSupported: boolean;
  runtimes: string[];
  labels: Record<string, string>;
  enableCpuPinning: boolean;
  /**
   * NUMA topology for CpuSetFilter and dedicated placements; absent or empty when unknown (such a host
   * takes no `dedicated` container). Optional so that callers built before it keep compiling; a caller
   * that knows the topology of some hosts should set it (possibly `[]`) on every host, so all host
   * objects share one shape and the scheduler loop stays monomorphic.
   */
  numaNodes?: NumaNode[];
}

/**
 * One NUMA node as the compute agent reports it. Invariant kept by the agent: `cpus` and `pinned` hold
 * distinct ids and `pinned` is a subset of `cpus`, so `cpus.length - pinned.length` is the free count
 * (upstream's `len(cpuset) - len(pinned_cpus)`).
 */
export interface NumaNode {
  id: number;
  /** Host CPU ids on this node. */
  cpus: number[];
  /** Those already pinned to `dedicated` containers. */
  pinned: number[];
  /** MiB of this node's memory not yet given to `dedicated` containers. */
  memAvailable: number;
}

/** Container `cpu_policy`; null or absent in the API means 'shared'. */
export type CpuPolicy = 'shared' | 'dedicated';

/** The node and concrete CPU ids a `dedicated` request gets on a host (see pickNumaNode). */
export interface NumaPick {
  /** The host's own NumaNode object (consume() updates it in place). */
  node: NumaNode;
  /** Lowest free CPU ids of that node, ascending, as many as dedicatedCpuCount(req.cpu). */
  cpus: number[];
}

export interface RequestSpec {
  /** vCPUs, may be fractional. */
  cpu: number;
  /** MiB. */
  memory: number;
  /** GiB; 0 means no disk was requested. */
  disk: number;
  runtime: string | null;
  availabilityZone: string | null;
  /**
   * Hostname the container must land on (admin-only in the API), or null. For this field, `runtime`
   * and `availabilityZone` an empty string means not requested, as in upstream's truthiness tests.
   */
  requestedHost: string | null;
  /**
   * Scheduler hints as the client sent them. `label:<key>` entries are used by LabelFilter; `group`,
   * `same_host` and `different_host` are accepted and have no effect (README.md). Anything that is not
   * a plain object (null, an array, a string...) counts as no hints rather than an error.
   */
  hints: Record<string, unknown> | null;
  /**
   * Container `cpu_policy`; null or absent means 'shared'. Optional so that callers built before it
   * keep compiling.
   */
  cpuPolicy?: CpuPolicy | null;
}

export interface Filter {
  readonly name: string;
  hostPasses(host: HostState, req: RequestSpec): boolean;
}

export type Weigher = 'spread' | 'pack';

export interface SchedulerOptions {
  /** Filter names, run in this order. */
  enabledFilters: string[];
  /** 'spread' (default) prefers the emptiest hosts, 'pack' the fullest. */
  weigher?: Weigher;
  /**
   * How many candidates a successful schedule() returns, best first (default 10). Only this many are
   * ranked (partial selection), so callers get alternates for retries without paying for a full sort.
   */
  maxCandidates?: number;
}

export type ScheduleResult =
  /** Candidates best first; at most `maxCandidates` of them, never empty. */
  | { ok: true; hosts: HostState[] }
  /**
   * `total` is the number of hosts that entered the filter chain (after the requested-host narrowing);
   * `removedBy` holds only the filters that removed at least one host.
   */
  | { ok: false; explanation: string; total: number; removedBy: Record<string, number> };
