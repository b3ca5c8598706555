import {
  CreationOptional,
  DataTypes,
  InferAttributes,
  InferCreationAttributes,
  Model,
  Sequelize,
} from 'sequelize';

export class Service extends Model<InferAttributes<Service>, InferCreationAttributes<Service>> {
  declare id: CreationOptional<number>;
  declare host: string;
  declare binary: string;
  declare disabled: CreationOptional<boolean>;
  declare disabled_reason: CreationOptional<string | null>;
  declare forced_down: CreationOptional<boolean>;
  declare report_count: CreationOptional<number>;
  declare last_seen_up: CreationOptional<Date | null>;
  declare availability_zone: CreationOptional<string | null>;
  declare endpoint: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export interface NumaCell {
  id: number;
  cpus: number[];
  memMiB: number;
}

export class ComputeNode extends Model<InferAttributes<ComputeNode>, InferCreationAttributes<ComputeNode>> {
  declare uuid: string;
  declare hostname: string;
  declare mem_total: number;
  declare mem_free: CreationOptional<number>;
  declare mem_available: CreationOptional<number>;
  declare cpus: number;
  declare disk_total: number;
  declare disk_quota_supported: boolean;
  declare total_containers: CreationOptional<number>;
  declare running_containers: CreationOptional<number>;
  declare paused_containers: CreationOptional<number>;
  declare stopped_containers: CreationOptional<number>;
  declare architecture: string | null;
  declare os_type: string | null;
  declare os: string | null;
  declare kernel_version: string | null;
  declare labels: Record<string, string> | null;
  declare runtimes: string[] | null;
  declare enable_cpu_pinning: CreationOptional<boolean>;
  /** NUMA nodes: ids, their CPUs and MiB of memory (pinned CPUs are derived from claims). */
  declare numa_topology: CreationOptional<NumaCell[] | null>;
  declare cpu_limit: number;
  declare mem_limit: number;
  declare disk_limit: number;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class ResourceClaim extends Model<
  InferAttributes<ResourceClaim>,
  InferCreationAttributes<ResourceClaim>
> {
  declare container_uuid: string;
  declare host: string;
  declare cpu: number;
  declare memory: number;
  declare disk: number;
  /** CPU ids pinned for a `dedicated` container, on NUMA node `numa_node`; null when shared. */
  declare cpuset: CreationOptional<number[] | null>;
  declare numa_node: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/**
 * 'held': a create recorded before its host's claim; the claim takes it (or, should zun-api stop
 * before claiming, the host's next drain after a grace period). 'pending': for the host's next
 * drain. 'running': taken by the host's agent (handed back if the agent stops).
 */
export type ComputeTaskState = 'held' | 'pending' | 'running' | 'done' | 'failed';

/** The states of a task not yet ended: its container is still owned by it. */
export const OPEN_TASK_STATES: ComputeTaskState[] = ['held', 'pending', 'running'];

export class ComputeTask extends Model<InferAttributes<ComputeTask>, InferCreationAttributes<ComputeTask>> {
  declare id: CreationOptional<string>;
  declare container_uuid: string;
  declare host: string;
  declare action: string;
  declare params: Record<string, unknown>;
  declare request_id: string | null;
  declare action_id: number | null;
  declare state: ComputeTaskState;
  declare error: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export function initComputeModels(sequelize: Sequelize): void {
  const stamps = { created_at: DataTypes.DATE, updated_at: DataTypes.DATE };
  Service.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      host: DataTypes.STRING,
      binary: DataTypes.STRING,
      disabled: { type: DataTypes.BOOLEAN, defaultValue: false },
      disabled_reason: DataTypes.STRING,
      forced_down: { type: DataTypes.BOOLEAN, defaultValue: false },
      report_count: { type: DataTypes.INTEGER, defaultValue: 0 },
      last_seen_up: DataTypes.DATE,
      availability_zone: DataTypes.STRING,
      endpoint: DataTypes.STRING,
      ...stamps,
    },
    { sequelize, tableName: 'services', underscored: true },
  );
  ComputeNode.init(
    {
      uuid: { type: DataTypes.STRING, primaryKey: true },
      hostname: DataTypes.STRING,
      mem_total: DataTypes.INTEGER,
      mem_free: { type: DataTypes.INTEGER, defaultValue: 0 },
      mem_available: { type: DataTypes.INTEGER, defaultValue: 0 },
      cpus: DataTypes.INTEGER,
      disk_total: DataTypes.INTEGER,
      disk_quota_supported: DataTypes.BOOLEAN,
      total_containers: { type: DataTypes.INTEGER, defaultValue: 0 },
      running_containers: { type: DataTypes.INTEGER, defaultValue: 0 },
      paused_containers: { type: DataTypes.INTEGER, defaultValue: 0 },
      stopped_containers: { type: DataTypes.INTEGER, defaultValue: 0 },
      architecture: DataTypes.STRING,
      os_type: DataTypes.STRING,
      os: DataTypes.STRING,
      kernel_version: DataTypes.STRING,
      labels: DataTypes.JSONB,
      runtimes: DataTypes.JSONB,
      enable_cpu_pinning: { type: DataTypes.BOOLEAN, defaultValue: false },
      numa_topology: DataTypes.JSONB,
      cpu_limit: DataTypes.FLOAT,
      mem_limit: DataTypes.INTEGER,
      disk_limit: DataTypes.INTEGER,
      ...stamps,
    },
    { sequelize, tableName: 'compute_nodes', underscored: true },
  );
  ResourceClaim.init(
    {
      container_uuid: { type: DataTypes.STRING, primaryKey: true },
      host: DataTypes.STRING,
      cpu: DataTypes.FLOAT,
      memory: DataTypes.INTEGER,
      disk: DataTypes.INTEGER,
      cpuset: DataTypes.JSONB,
      numa_node: DataTypes.INTEGER,
      ...stamps,
    },
    { sequelize, tableName: 'resource_claims', underscored: true },
  );
  ComputeTask.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      container_uuid: DataTypes.STRING,
      host: DataTypes.STRING,
      action: DataTypes.STRING,
      params: DataTypes.JSONB,
      request_id: DataTypes.STRING,
      action_id: DataTypes.INTEGER,
      state: DataTypes.STRING,
      error: DataTypes.TEXT,
      ...stamps,
    },
    { sequelize, tableName: 'compute_tasks', underscored: true },
  );
}
