import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { ResourceClaim, type Container } from '@zun/common';

export class InsufficientResourcesError extends Error {}

export interface Usage {
  cpu: number;
  memory: number;
  disk: number;
}

export interface Limits {
  cpu: number;
  memory: number;
  disk: number;
}

const EPSILON = 1e-9;

/**
 * The host's claims. This agent is the only writer of claims for its host, so the check and
 * reservation happen in memory, synchronously (atomic in the event loop: concurrent creates
 * never over-commit and never wait on each other), and the claim is then written to
 * resource_claims together with the container's host in one statement. The database is the
 * record: load() rebuilds the tally from it at start-up, so claims survive restarts. A release
 * leaves the tally only once its transaction has committed.
 */
export class ResourceTracker {
  private readonly claims = new Map<string, Usage>();
  private used: Usage = { cpu: 0, memory: 0, disk: 0 };
  private limits: Limits = { cpu: 0, memory: 0, disk: 0 };

  constructor(
    private readonly sequelize: Sequelize,
    private readonly host: string,
  ) {}

  setLimits(limits: Limits): void {
    this.limits = limits;
  }

  async load(): Promise<void> {
    const rows = await ResourceClaim.findAll({ where: { host: this.host }, raw: true });
    this.claims.clear();
    for (const r of rows) this.claims.set(r.container_uuid, { cpu: r.cpu, memory: r.memory, disk: r.disk });
    this.recount();
  }

  usage(): Usage {
    return { ...this.used };
  }

  currentLimits(): Limits {
    return { ...this.limits };
  }

  /**
   * The API's claim, made while it places a container and before the container's row exists:
   * checked and reserved in memory, then recorded. Re-claiming the same uuid replaces its claim.
   * Throws InsufficientResourcesError, leaving nothing behind, when the host cannot take it.
   */
  async claimFor(uuid: string, want: Usage): Promise<void> {
    this.reserve(uuid, want);
    try {
      await ResourceClaim.upsert({ container_uuid: uuid, host: this.host, ...want });
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

  /** Claims the container's resources on this host and, in the same statement, sets `then`. */
  async claim(c: Container, then: { host: string; task_state: string | null }): Promise<void> {
    const want: Usage = { cpu: c.cpu ?? 0, memory: Number(c.memory ?? 0), disk: c.disk ?? 0 };
    this.reserve(c.uuid, want);
    try {
      await this.sequelize.query(
        `WITH claim AS (
           INSERT INTO resource_claims (container_uuid, host, cpu, memory, disk, created_at, updated_at)
           VALUES (:uuid, :host, :cpu, :memory, :disk, now(), now())
           ON CONFLICT (container_uuid) DO UPDATE
             SET host = EXCLUDED.host, cpu = EXCLUDED.cpu, memory = EXCLUDED.memory, disk = EXCLUDED.disk,
                 updated_at = now()
           RETURNING container_uuid)
         UPDATE containers SET host = :host, task_state = :taskState, updated_at = now()
          WHERE uuid = (SELECT container_uuid FROM claim)`,
        {
          replacements: { uuid: c.uuid, host: this.host, ...want, taskState: then.task_state },
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
    this.reserve(c.uuid, next);
    try {
      await apply();
      await this.sequelize.transaction(async (transaction) => {
        await ResourceClaim.upsert({ container_uuid: c.uuid, host: this.host, ...next }, { transaction });
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
    return u ? { ...u } : undefined;
  }

  /** Deletes the claim (in `transaction` if given); the tally follows once it is committed. */
  async release(uuid: string, transaction?: Transaction): Promise<void> {
    await ResourceClaim.destroy({ where: { container_uuid: uuid }, transaction });
    if (transaction) transaction.afterCommit(() => this.forget(uuid));
    else this.forget(uuid);
  }

  private reserve(uuid: string, want: Usage): void {
    // A retried create replaces its own earlier claim rather than adding to it.
    const prev = this.claims.get(uuid) ?? { cpu: 0, memory: 0, disk: 0 };
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
    if (problems.length)
      throw new InsufficientResourcesError(`Insufficient compute resources: ${problems.join('; ')}.`);
    this.claims.set(uuid, want);
    this.recount();
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
