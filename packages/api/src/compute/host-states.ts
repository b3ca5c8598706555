import { QueryTypes, type Sequelize } from 'sequelize';
import { COMPUTE_BINARY, type NumaCell, type ZunConfig } from '@zun/common';
import { HostTable, type HostState, type NumaNode } from '@zun/scheduler';

interface Row {
  uuid: string;
  hostname: string;
  cpus: number;
  mem_total: number;
  disk_total: number;
  disk_quota_supported: boolean;
  cpu_limit: number;
  mem_limit: number;
  disk_limit: number;
  runtimes: string[] | null;
  labels: Record<string, string> | null;
  enable_cpu_pinning: boolean;
  numa_topology: NumaCell[] | null;
  disabled: boolean;
  forced_down: boolean;
  last_seen_up: Date | null;
  updated_at: Date | null;
  created_at: Date | null;
  availability_zone: string | null;
  endpoint: string | null;
  cpu_used: number | null;
  mem_used: string | null;
  disk_used: string | null;
}

/** Service liveness as upstream computes it (other-resources.md §3.3). */
export function serviceIsUp(
  s: { forced_down: boolean; last_seen_up: Date | null; updated_at: Date | null; created_at: Date | null },
  downTimeSeconds: number,
  now = Date.now(),
): boolean {
  if (s.forced_down) return false;
  const seen = s.last_seen_up ?? s.updated_at ?? s.created_at;
  return !!seen && Math.abs(now - new Date(seen).getTime()) <= downTimeSeconds * 1000;
}

export interface HostSnapshot {
  /** A HostTable's hosts: the scheduler scans its columns instead of the objects (scheduler README). */
  hosts: readonly HostState[];
  /** Agent endpoint per hostname, for the claim call. */
  endpoints: Map<string, string>;
}

/** One query: every compute host with its service, endpoint and claimed usage. */
export async function loadHostStates(sequelize: Sequelize, config: ZunConfig): Promise<HostSnapshot> {
  const rows = await sequelize.query<Row>(
    `SELECT n.uuid, n.hostname, n.cpus, n.mem_total, n.disk_total, n.disk_quota_supported, n.cpu_limit,
            n.mem_limit, n.disk_limit, n.runtimes, n.labels, n.enable_cpu_pinning, n.numa_topology,
            s.disabled, s.forced_down, s.last_seen_up, s.updated_at, s.created_at, s.availability_zone, s.endpoint,
            u.cpu AS cpu_used, u.memory AS mem_used, u.disk AS disk_used
       FROM compute_nodes n
       JOIN services s ON s.host = n.hostname AND s.binary = :binary
       LEFT JOIN (SELECT host, SUM(cpu) AS cpu, SUM(memory) AS memory, SUM(disk) AS disk
                    FROM resource_claims GROUP BY host) u ON u.host = n.hostname
      ORDER BY n.uuid`,
    { replacements: { binary: COMPUTE_BINARY }, type: QueryTypes.SELECT },
  );
  const pins = await sequelize.query<{ host: string; numa_node: number; cpuset: number[]; memory: number }>(
    'SELECT host, numa_node, cpuset, memory FROM resource_claims WHERE cpuset IS NOT NULL',
    { type: QueryTypes.SELECT },
  );
  // Pins grouped once by host and node, not searched per host: the snapshot covers every host.
  const pinned = new Map<string, { cpus: number[]; memory: number }>();
  for (const p of pins) {
    const key = `${p.host}\u0000${p.numa_node}`;
    const g = pinned.get(key) ?? { cpus: [], memory: 0 };
    g.cpus.push(...p.cpuset);
    g.memory += Number(p.memory);
    pinned.set(key, g);
  }
  const numaOf = (r: Row): NumaNode[] => {
    // Every host gets the field (empty when it pins nothing) so host objects keep one shape.
    if (!r.enable_cpu_pinning || !r.numa_topology) return [];
    return r.numa_topology.map((cell) => {
      const g = pinned.get(`${r.hostname}\u0000${cell.id}`);
      return {
        id: cell.id,
        cpus: cell.cpus,
        pinned: g?.cpus ?? [],
        memAvailable: cell.memMiB - (g?.memory ?? 0),
      };
    });
  };
  const now = Date.now();
  const endpoints = new Map<string, string>();
  for (const r of rows) if (r.endpoint) endpoints.set(r.hostname, r.endpoint);
  const states = rows.map((r): HostState => ({
    uuid: r.uuid,
    hostname: r.hostname,
    availabilityZone: r.availability_zone || config.defaultAvailabilityZone,
    serviceUp: serviceIsUp(r, config.serviceDownTime, now),
    disabled: r.disabled,
    cpus: r.cpus,
    cpuUsed: Number(r.cpu_used ?? 0),
    cpuLimit: r.cpu_limit,
    memTotal: r.mem_total,
    memUsed: Number(r.mem_used ?? 0),
    memLimit: r.mem_limit,
    diskTotal: r.disk_total,
    diskUsed: Number(r.disk_used ?? 0),
    diskLimit: r.disk_limit,
    diskQuotaSupported: r.disk_quota_supported,
    runtimes: r.runtimes ?? ['runc'],
    labels: r.labels ?? {},
    enableCpuPinning: r.enable_cpu_pinning,
    numaNodes: numaOf(r),
  }));
  return { hosts: new HostTable(states).hosts, endpoints };
}

/**
 * The scheduler's view of the hosts without a query per request: a snapshot reloaded when
 * older than `ttlMs` (concurrent callers share one reload) and bumped by this API's own
 * placements in between. The agent's claim stays the authority; a stale view at worst sends a
 * container to a host that then refuses the claim with a clear reason.
 *
 * While creates keep coming, the snapshot is reloaded shortly before it expires, so a create
 * finds it fresh instead of waiting for the reload (two queries, a few ms on the path of every
 * create that arrives more than `ttlMs` after the last reload, e.g. one a second). Reloading
 * ahead stops once nobody has asked for the snapshot for ten of its lifetimes: an idle API
 * queries nothing.
 */
export class HostStateCache {
  private snapshot: HostSnapshot = { hosts: [], endpoints: new Map() };
  private loadedAt = 0;
  private loading: Promise<HostSnapshot> | null = null;
  private askedAt = 0;
  private ahead: NodeJS.Timeout | null = null;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly config: ZunConfig,
    private readonly ttlMs = 1_000,
  ) {}

  async get(): Promise<readonly HostState[]> {
    return (await this.cached()).hosts;
  }

  /** The hosts as they are now: a reload begun after this call, for a decision that refuses. */
  async fresh(): Promise<readonly HostState[]> {
    // A reload already under way may have read the rows before the change we must see.
    await this.loading?.catch(() => undefined);
    return (await this.reload()).hosts;
  }

  async endpoint(hostname: string): Promise<string | null> {
    return (await this.cached()).endpoints.get(hostname) ?? null;
  }

  /**
   * An agent's own count (from a claim answer) replaces the snapshot's guess for that host, so a
   * refused claim is not repeated against the same stale numbers.
   */
  observe(hostname: string, usage: { cpu: number; memory: number; disk: number }): void {
    const h = this.snapshot.hosts.find((x) => x.hostname === hostname);
    if (!h) return;
    h.cpuUsed = usage.cpu;
    h.memUsed = usage.memory;
    h.diskUsed = usage.disk;
  }

  private async cached(): Promise<HostSnapshot> {
    this.askedAt = Date.now();
    if (Date.now() - this.loadedAt < this.ttlMs) return this.snapshot;
    return this.reload();
  }

  private reload(): Promise<HostSnapshot> {
    this.loading ??= loadHostStates(this.sequelize, this.config)
      .then((snap) => {
        this.snapshot = snap;
        this.loadedAt = Date.now();
        this.scheduleAhead();
        return snap;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** After each reload: reload again just before expiry while the snapshot is in use. */
  private scheduleAhead(): void {
    if (this.ahead) clearTimeout(this.ahead);
    this.ahead = setTimeout(
      () => {
        this.ahead = null;
        if (Date.now() - this.askedAt < 10 * this.ttlMs) this.reload().catch(() => undefined);
      },
      Math.max(0, this.ttlMs - Math.min(100, this.ttlMs / 5)),
    );
    this.ahead.unref();
  }

  /** Forget the snapshot, e.g. after an operator changed a service. */
  invalidate(): void {
    this.loadedAt = 0;
  }
}
