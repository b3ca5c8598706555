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
  /** Hostname the container must land on (admin-only in the API), or null. */
  requestedHost: string | null;
  /** Scheduler hints; `label:<key>` entries are used by LabelFilter. */
  hints: Record<string, unknown>;
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
