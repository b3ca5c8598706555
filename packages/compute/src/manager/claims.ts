import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { ResourceClaim, type Container, type NumaCell } from '@zun/common';
import { dedicatedCpuCount, numaNodeFits, type NumaNode } from '@zun/scheduler';

export class InsufficientResourcesError extends Error {}

export interface Usage {
  cpu: number;
  memory: number;
  disk: number;
}

/** Whole CPUs of one NUMA node given to a `dedicated` container. */
export interface Pinning {
  cpuset: number[];
  numaNode: number;
}

interface Held extends Usage {
  pinning: Pinning | null;
}

export type CpuPolicy = 'shared' | 'dedicated';

export interface Limits {
  cpu: number;
  memory: number;
  disk: number;
}

const EPSILON = 1e-9;

/** Records a claim (replacing the container's earlier one): `:uuid`, `:host`, amounts, pinning. */
const CLAIM_UPSERT = `
  INSERT INTO resource_claims (container_uuid, host, cpu, memory, disk, cpuset, numa_node, created_at, updated_at)
  VALUES (:uuid, :host, :cpu, :memory, :disk, CAST(:cpuset AS jsonb), :numaNode, now(), now())
  ON CONFLICT (container_uuid) DO UPDATE
    SET host = EXCLUDED.host, cpu = EXCLUDED.cpu, memory = EXCLUDED.memory, disk = EXCLUDED.disk,
        cpuset = EXCLUDED.cpuset, numa_node = EXCLUDED.numa_node, updated_at = now()`;

/**
 * The host's claims. This agent is the only writer of claims for its host, so the check and
 * reservation happen in memory, synchronously (atomic in the event loop: concurrent creates
 * never over-commit and never wait on each other), and the claim is then written to
 * resource_claims together with the container's host in one statement. The database is the
 * record: load() rebuilds the tally from it at start-up, so claims survive restarts. A release
 * leaves the tally only once its transaction has committed.
 */
export class ResourceTracker {
  private readonly claims = new Map<string, Held>();
  private used: Usage = { cpu: 0, memory: 0, disk: 0 };
  private limits: Limits = { cpu: 0, memory: 0, disk: 0 };
  private numa: NumaCell[] = [];
  private pinningEnabled = false;
  /** Claims load() had to restore from container rows (logged by the agent). */
  restored: string[] = [];
  /** Told of every check, granted or refused (the agent's metrics). */
  onCheck?: (granted: boolean) => void;

  constructor(
    private readonly sequelize: Sequelize,
    private readonly host: string,
  ) {}

  setLimits(limits: Limits): void {
    this.limits = limits;
  }

  setTopology(cells: NumaCell[], pinningEnabled: boolean): void {
    this.numa = cells;
    this.pinningEnabled = pinningEnabled;
  }

  /** The CPUs (and memory node) a claim pinned, as the container's cpuset; null when shared. */
  cpusetFor(uuid: string): { cpus: number[]; mems: number } | null {
    const p = this.claims.get(uuid)?.pinning;
    return p ? { cpus: p.cpuset, mems: p.numaNode } : null;
  }

  async load(): Promise<void> {
    // A container placed here whose claim row is missing (written before claims existed, or lost)
    // still uses the host: its claim is restored from the container's own resources. A capsule's
    // members and init containers have no claim of their own (the capsule's covers them), and a
    // row in Error without an engine container holds nothing (a failed capsule keeps its host).
    const [restored] = (await this.sequelize.query(
      `INSERT INTO resource_claims (container_uuid, host, cpu, memory, disk, created_at, updated_at)
       SELECT c.uuid, c.host, COALESCE(c.cpu, 0),
              CASE WHEN c.memory ~ '^[0-9]+$' THEN CAST(c.memory AS integer) ELSE 0 END,
              COALESCE(c.disk, 0), now(), now()
         FROM containers c
        WHERE c.host = :host AND c.status <> 'Deleted' AND c.capsule_id IS NULL
          AND NOT (c.status = 'Error' AND c.container_id IS NULL)
          AND NOT EXISTS (SELECT 1 FROM resource_claims r WHERE r.container_uuid = c.uuid)
       ON CONFLICT (container_uuid) DO NOTHING
       RETURNING container_uuid`,
      { replacements: { host: this.host } },
    )) as [{ container_uuid: string }[], unknown];
    this.restored = restored.map((r) => r.container_uuid);
    const rows = await ResourceClaim.findAll({ where: { host: this.host }, raw: true });
    this.claims.clear();
    for (const r of rows) {
      const pinning = r.cpuset && r.numa_node !== null ? { cpuset: r.cpuset, numaNode: r.numa_node } : null;
      this.claims.set(r.container_uuid, { cpu: r.cpu, memory: r.memory, disk: r.disk, pinning });
    }
    this.recount();
  }

  usage(): Usage {
    return { ...this.used };
  }

  currentLimits(): Limits {
    return { ...this.limits };
  }

  /**
   * The API's placement claim, made while it places a container: checked and reserved in
   * memory, then recorded. Re-claiming the same uuid replaces its claim. Throws
   * InsufficientResourcesError, leaving nothing behind, when the host cannot take it. `then`,
   * the rest of a statement after a WITH query `claim` (e.g. taking the container's held task),
   * runs in the same statement as the record, so both happen or neither; its rows are returned.
   */
  async claimFor<R extends object = never>(
    uuid: string,
    want: Usage,
    policy: CpuPolicy = 'shared',
    then?: { sql: string; replacements: Record<string, unknown> },
  ): Promise<R[]> {
    const pinning = this.reserve(uuid, want, policy);
    const replacements = {
      uuid,
      host: this.host,
      ...want,
      cpuset: pinning ? JSON.stringify(pinning.cpuset) : null,
      numaNode: pinning?.numaNode ?? null,
    };
    try {
      // A plain statement: it is on the path of every create's answer, and a model upsert
      // costs the agent several times the CPU for the same row.
      if (!then) {
        await this.sequelize.query(CLAIM_UPSERT, { replacements, type: QueryTypes.INSERT });
        return [];
      }
      return await this.sequelize.query<R>(
        `WITH claim AS (${CLAIM_UPSERT} RETURNING container_uuid), ${then.sql}`,
        {
          replacements: { ...replacements, ...then.replacements },
          type: QueryTypes.SELECT,
        },
      );
    } catch (err) {
      this.forget(uuid);
      throw err;
    }
  }

  /**
   * Claims the API made for containers whose row never appeared (the API failed between its
   * claim and its commit) or that are gone: released after a grace period longer than any
   * create request.
   */
  async reapOrphans(graceSeconds = 120): Promise<string[]> {
    const [rows] = (await this.sequelize.query(
      `DELETE FROM resource_claims rc
        WHERE rc.host = :host AND rc.updated_at < now() - make_interval(secs => :grace)
          AND NOT EXISTS (SELECT 1 FROM containers c
                           WHERE c.uuid = rc.container_uuid AND c.status <> 'Deleted'
                             AND (c.host = :host OR c.host IS NULL AND c.status = 'Creating'))
        RETURNING rc.container_uuid`,
      { replacements: { host: this.host, grace: graceSeconds } },
    )) as [{ container_uuid: string }[], unknown];
    for (const r of rows) this.forget(r.container_uuid);
    return rows.map((r) => r.container_uuid);
  }

  /**
   * Claims the container's resources on this host and, in the same statement, sets `then`.
   * Nothing is written when all of it is already so: the API's claim for this container (made
   * while placing it) is held as asked, and its row already says `then`.
   */
  async claim(c: Container, then: { host: string; task_state: string | null }): Promise<void> {
    const want: Usage = { cpu: c.cpu ?? 0, memory: Number(c.memory ?? 0), disk: c.disk ?? 0 };
    const dedicated = c.cpu_policy === 'dedicated';
    const held = this.claims.get(c.uuid);
    if (
      held &&
      held.cpu === want.cpu &&
      held.memory === want.memory &&
      held.disk === want.disk &&
      (held.pinning !== null) === dedicated &&
      c.host === then.host &&
      then.host === this.host &&
      c.task_state === then.task_state
    )
      return;
    const pinning = this.reserve(c.uuid, want, dedicated ? 'dedicated' : 'shared');
    try {
      await this.sequelize.query(
        `WITH claim AS (${CLAIM_UPSERT} RETURNING container_uuid)
         UPDATE containers SET host = :host, task_state = :taskState, updated_at = now()
          WHERE uuid = (SELECT container_uuid FROM claim)`,
        {
          replacements: {
            uuid: c.uuid,
            host: this.host,
            ...want,
            cpuset: pinning ? JSON.stringify(pinning.cpuset) : null,
            numaNode: pinning?.numaNode ?? null,
            taskState: then.task_state,
          },
          type: QueryTypes.UPDATE,
        },
      );
    } catch (err) {
      this.forget(c.uuid);
      throw err;
    }
    c.set({ host: then.host, task_state: then.task_state });
    c.changed('host', false);
    c.changed('task_state', false);
  }

  /**
   * Changes a live container's claim to `want` (its disk claim kept) if the host has room,
   * counting the container's current claim as free. `apply` makes the change on the engine;
   * `record` writes the container's new values in the transaction that records the claim.
   * When anything fails the tally and the recorded claim stay as they were.
   */
  async resize(
    c: Container,
    want: { cpu: number; memory: number },
    apply: () => Promise<void>,
    record: (transaction: Transaction) => Promise<void>,
  ): Promise<void> {
    const prev = this.claims.get(c.uuid);
    const next: Usage = { cpu: want.cpu, memory: want.memory, disk: prev?.disk ?? c.disk ?? 0 };
    const pinning = this.reserve(c.uuid, next, c.cpu_policy === 'dedicated' ? 'dedicated' : 'shared');
    try {
      await apply();
      await this.sequelize.transaction(async (transaction) => {
        await ResourceClaim.upsert(
          {
            container_uuid: c.uuid,
            host: this.host,
            ...next,
            cpuset: pinning?.cpuset ?? null,
            numa_node: pinning?.numaNode ?? null,
          },
          { transaction },
        );
        await record(transaction);
      });
    } catch (err) {
      if (prev) this.claims.set(c.uuid, prev);
      else this.claims.delete(c.uuid);
      this.recount();
      throw err;
    }
  }

  /** The claim this host holds for a container (undefined if none). */
  claimOf(uuid: string): Usage | undefined {
    const u = this.claims.get(uuid);
    return u ? { cpu: u.cpu, memory: u.memory, disk: u.disk } : undefined;
  }

  /** Deletes the claim (in `transaction` if given); the tally follows once it is committed. */
  async release(uuid: string, transaction?: Transaction): Promise<void> {
    await ResourceClaim.destroy({ where: { container_uuid: uuid }, transaction });
    if (transaction) transaction.afterCommit(() => this.forget(uuid));
    else this.forget(uuid);
  }

  private reserve(uuid: string, want: Usage, policy: CpuPolicy): Pinning | null {
    // A retried create replaces its own earlier claim rather than adding to it.
    const prev = this.claims.get(uuid) ?? { cpu: 0, memory: 0, disk: 0, pinning: null };
    const used = {
      cpu: this.used.cpu - prev.cpu,
      memory: this.used.memory - prev.memory,
      disk: this.used.disk - prev.disk,
    };
    const problems: string[] = [];
    if (used.cpu + want.cpu > this.limits.cpu + EPSILON) {
      problems.push(`Free vcpu ${round(this.limits.cpu - used.cpu)} < requested ${want.cpu}`);
    }
    if (used.memory + want.memory > this.limits.memory) {
      problems.push(`Free memory ${this.limits.memory - used.memory} MiB < requested ${want.memory} MiB`);
    }
    if (want.disk > 0 && used.disk + want.disk > this.limits.disk) {
      problems.push(`Free disk ${this.limits.disk - used.disk} GiB < requested ${want.disk} GiB`);
    }
    let pinning: Pinning | null = null;
    if (policy === 'dedicated') {
      pinning = this.pickCpus(uuid, want);
      if (!pinning) {
        problems.push(
          this.pinningEnabled
            ? `No NUMA node has ${dedicatedCpuCount(want.cpu)} free CPUs and ${want.memory} MiB for a dedicated container`
            : `CPU pinning is not enabled on host ${this.host}`,
        );
      }
    }
    this.onCheck?.(problems.length === 0);
    if (problems.length)
      throw new InsufficientResourcesError(`Insufficient compute resources: ${problems.join('; ')}.`);
    this.claims.set(uuid, { ...want, pinning });
    this.recount();
    return pinning;
  }

  /** Lowest free CPU ids of the first NUMA node that fits, other containers' pins excluded. */
  private pickCpus(uuid: string, want: Usage): Pinning | null {
    if (!this.pinningEnabled) return null;
    const count = dedicatedCpuCount(want.cpu);
    for (const cell of this.numa) {
      const pinned = new Set<number>();
      let memPinned = 0;
      for (const [other, held] of this.claims) {
        if (other === uuid || held.pinning?.numaNode !== cell.id) continue;
        for (const c of held.pinning.cpuset) pinned.add(c);
        memPinned += held.memory;
      }
      const node: NumaNode = {
        id: cell.id,
        cpus: cell.cpus,
        pinned: [...pinned],
        memAvailable: cell.memMiB - memPinned,
      };
      if (!numaNodeFits(node, count, want.memory)) continue;
      const free = cell.cpus.filter((c) => !pinned.has(c)).sort((a, b) => a - b);
      return { cpuset: free.slice(0, count), numaNode: cell.id };
    }
    return null;
  }

  private forget(uuid: string): void {
    if (this.claims.delete(uuid)) this.recount();
  }

  private recount(): void {
    const u: Usage = { cpu: 0, memory: 0, disk: 0 };
    for (const c of this.claims.values()) {
      u.cpu += c.cpu;
      u.memory += c.memory;
      u.disk += c.disk;
    }
    this.used = u;
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
