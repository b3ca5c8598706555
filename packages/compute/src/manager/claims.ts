import { QueryTypes, Transaction, type Sequelize } from 'sequelize';
import { ComputeNode, ResourceClaim, type Container } from '@zun/common';

export class InsufficientResourcesError extends Error {}

export interface Usage {
  cpu: number;
  memory: number;
  disk: number;
}

/**
 * Claims are rows in resource_claims, written under a row lock on this host's compute node,
 * so concurrent creates can never promise more than the node's limits; they live in the
 * database, so they survive agent restarts, and are released in the same transaction that
 * fails or deletes the container.
 */
export class ResourceTracker {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly host: string,
  ) {}

  /** Claims the container's resources on this host and, in the same transaction, writes `then`. */
  async claim(container: Container, then: Partial<Pick<Container, 'host' | 'task_state'>> = {}): Promise<void> {
    const want = { cpu: container.cpu ?? 0, memory: Number(container.memory ?? 0), disk: container.disk ?? 0 };
    await this.sequelize.transaction(async (t) => {
      const node = await ComputeNode.findOne({
        where: { hostname: this.host },
        lock: Transaction.LOCK.UPDATE,
        transaction: t,
      });
      if (!node) throw new InsufficientResourcesError(`compute node ${this.host} is not registered`);
      // A retried create must not count its own earlier claim (the upsert below replaces it).
      const used = await this.usage(t, container.uuid);
      const problems: string[] = [];
      if (used.cpu + want.cpu > node.cpu_limit + 1e-9) {
        problems.push(`Free vcpu ${round(node.cpu_limit - used.cpu)} < requested ${want.cpu}`);
      }
      if (used.memory + want.memory > node.mem_limit) {
        problems.push(`Free memory ${node.mem_limit - used.memory} MiB < requested ${want.memory} MiB`);
      }
      if (want.disk > 0 && used.disk + want.disk > node.disk_limit) {
        problems.push(`Free disk ${node.disk_limit - used.disk} GiB < requested ${want.disk} GiB`);
      }
      if (problems.length) throw new InsufficientResourcesError(`Insufficient compute resources: ${problems.join('; ')}.`);
      await ResourceClaim.upsert({ container_uuid: container.uuid, host: this.host, ...want }, { transaction: t });
      await container.update(then, { transaction: t });
    });
  }

  async release(uuid: string, transaction?: Transaction): Promise<void> {
    await ResourceClaim.destroy({ where: { container_uuid: uuid }, transaction });
  }

  async usage(transaction?: Transaction, excluding = ''): Promise<Usage> {
    const [row] = await this.sequelize.query<{ cpu: number | null; memory: string | null; disk: string | null }>(
      `SELECT SUM(cpu) AS cpu, SUM(memory) AS memory, SUM(disk) AS disk FROM resource_claims
        WHERE host = :host AND container_uuid <> :excluding`,
      { replacements: { host: this.host, excluding }, type: QueryTypes.SELECT, transaction },
    );
    return { cpu: Number(row?.cpu ?? 0), memory: Number(row?.memory ?? 0), disk: Number(row?.disk ?? 0) };
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
