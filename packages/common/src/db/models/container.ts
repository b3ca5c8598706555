import {
  CreationOptional,
  DataTypes,
  InferAttributes,
  InferCreationAttributes,
  Model,
  Sequelize,
} from 'sequelize';
import type { MountRequest } from '../../contract';
import type { ContainerStatus } from '../../states';

export interface RestartPolicy {
  Name: string;
  MaximumRetryCount: string;
}

/** A healthcheck as Zun stores it: the command in `test`, times in seconds. */
export interface Healthcheck {
  test: string;
  interval?: number;
  retries?: number;
  timeout?: number;
}

/** Upstream's container types: what a row of the containers table is. */
export const CONTAINER_TYPE = {
  /** A plain container, the only kind /v1/containers lists. */
  container: 0,
  /** A capsule's sandbox: the capsule itself (its status, claim, network and IPC namespaces). */
  capsule: 1,
  /** A regular member of a capsule, joined to the sandbox's namespaces. */
  capsuleMember: 2,
  /** An init container of a capsule: runs to completion, in order, before the members start. */
  capsuleInit: 3,
} as const;
export type ContainerType = (typeof CONTAINER_TYPE)[keyof typeof CONTAINER_TYPE];

/**
 * A volume a capsule declares, kept on its sandbox row: a new local volume of `size` GiB that
 * lives with the capsule (removed with it when `autoRemove`), or an existing project volume.
 * Members mount these by `name` (their `mounts` hold `{type:'volume', name, destination}` with
 * the capsule's volume name; the agent resolves it to the engine volume it made).
 */
export type CapsuleVolume =
  | { name: string; size: number; autoRemove: boolean }
  | { name: string; volumeId: string; autoRemove: boolean };

export class Container extends Model<InferAttributes<Container>, InferCreationAttributes<Container>> {
  declare id: CreationOptional<number>;
  declare uuid: string;
  declare name: string | null;
  declare project_id: string;
  declare user_id: string;
  declare image: string;
  declare command: string[] | null;
  declare entrypoint: string[] | null;
  declare status: ContainerStatus;
  declare status_reason: CreationOptional<string | null>;
  declare status_detail: CreationOptional<string | null>;
  declare task_state: CreationOptional<string | null>;
  declare cpu: number | null;
  declare memory: string | null;
  declare disk: CreationOptional<number>;
  declare environment: Record<string, string> | null;
  declare workdir: string | null;
  declare ports: CreationOptional<number[] | null>;
  declare hostname: string | null;
  declare labels: Record<string, string> | null;
  declare addresses: CreationOptional<Record<string, unknown> | null>;
  declare image_pull_policy: string | null;
  declare host: CreationOptional<string | null>;
  declare restart_policy: RestartPolicy | null;
  declare interactive: CreationOptional<boolean>;
  declare tty: CreationOptional<boolean>;
  declare image_driver: string | null;
  declare security_groups: CreationOptional<string[] | null>;
  declare auto_remove: CreationOptional<boolean>;
  declare runtime: string | null;
  declare auto_heal: CreationOptional<boolean>;
  declare privileged: CreationOptional<boolean>;
  declare healthcheck: CreationOptional<Healthcheck | null>;
  declare cpu_policy: CreationOptional<string>;
  declare registry_id: CreationOptional<string | null>;
  declare container_id: CreationOptional<string | null>;
  declare started_at: CreationOptional<Date | null>;
  declare exposed_ports: CreationOptional<Record<string, Record<string, never>> | null>;
  declare websocket_url: CreationOptional<string | null>;
  declare websocket_token: CreationOptional<string | null>;
  /**
   * The create's mount requests, written by the agent with the Docker container so auto_heal and
   * rebuild can make the same mounts again; null for rows created before migration 005.
   */
  declare mounts: CreationOptional<MountRequest[] | null>;
  declare container_type: CreationOptional<ContainerType>;
  /** The capsule (its sandbox row's uuid) a member or init container belongs to; null otherwise. */
  declare capsule_id: CreationOptional<string | null>;
  /** A capsule's `metadata.annotations` (sandbox row only). */
  declare annotations: CreationOptional<Record<string, string> | null>;
  /** A capsule's declared volumes (sandbox row only). */
  declare capsule_volumes: CreationOptional<CapsuleVolume[] | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class ContainerAction extends Model<
  InferAttributes<ContainerAction>,
  InferCreationAttributes<ContainerAction>
> {
  declare id: CreationOptional<number>;
  declare container_uuid: string;
  declare action: string;
  declare request_id: string | null;
  declare user_id: string | null;
  declare project_id: string | null;
  declare start_time: Date;
  declare finish_time: CreationOptional<Date | null>;
  declare message: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class ContainerActionEvent extends Model<
  InferAttributes<ContainerActionEvent>,
  InferCreationAttributes<ContainerActionEvent>
> {
  declare id: CreationOptional<number>;
  declare action_id: number;
  declare event: string;
  declare start_time: Date;
  declare finish_time: CreationOptional<Date | null>;
  declare result: CreationOptional<string | null>;
  declare traceback: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export function initContainerModels(sequelize: Sequelize): void {
  const stamps = { created_at: DataTypes.DATE, updated_at: DataTypes.DATE };
  const J = DataTypes.JSONB;
  Container.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      uuid: DataTypes.STRING,
      name: DataTypes.STRING,
      project_id: DataTypes.STRING,
      user_id: DataTypes.STRING,
      image: DataTypes.STRING,
      command: J,
      entrypoint: J,
      status: DataTypes.STRING,
      status_reason: DataTypes.TEXT,
      status_detail: DataTypes.STRING,
      task_state: DataTypes.STRING,
      cpu: DataTypes.FLOAT,
      memory: DataTypes.STRING,
      disk: { type: DataTypes.INTEGER, defaultValue: 0 },
      environment: J,
      workdir: DataTypes.STRING,
      ports: J,
      hostname: DataTypes.STRING,
      labels: J,
      addresses: J,
      image_pull_policy: DataTypes.STRING,
      host: DataTypes.STRING,
      restart_policy: J,
      interactive: { type: DataTypes.BOOLEAN, defaultValue: false },
      tty: { type: DataTypes.BOOLEAN, defaultValue: false },
      image_driver: DataTypes.STRING,
      security_groups: J,
      auto_remove: { type: DataTypes.BOOLEAN, defaultValue: false },
      runtime: DataTypes.STRING,
      auto_heal: { type: DataTypes.BOOLEAN, defaultValue: false },
      privileged: { type: DataTypes.BOOLEAN, defaultValue: false },
      healthcheck: J,
      cpu_policy: { type: DataTypes.STRING, defaultValue: 'shared' },
      registry_id: DataTypes.STRING,
      container_id: DataTypes.STRING,
      started_at: DataTypes.DATE,
      exposed_ports: J,
      websocket_url: DataTypes.STRING,
      websocket_token: DataTypes.STRING,
      mounts: J,
      container_type: { type: DataTypes.INTEGER, defaultValue: 0 },
      capsule_id: DataTypes.STRING,
      annotations: J,
      capsule_volumes: J,
      ...stamps,
    },
    { sequelize, tableName: 'containers', underscored: true },
  );
  ContainerAction.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      container_uuid: DataTypes.STRING,
      action: DataTypes.STRING,
      request_id: DataTypes.STRING,
      user_id: DataTypes.STRING,
      project_id: DataTypes.STRING,
      start_time: DataTypes.DATE,
      finish_time: DataTypes.DATE,
      message: DataTypes.STRING,
      ...stamps,
    },
    { sequelize, tableName: 'container_actions', underscored: true },
  );
  ContainerActionEvent.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      action_id: DataTypes.INTEGER,
      event: DataTypes.STRING,
      start_time: DataTypes.DATE,
      finish_time: DataTypes.DATE,
      result: DataTypes.STRING,
      traceback: DataTypes.TEXT,
      ...stamps,
    },
    { sequelize, tableName: 'container_action_events', underscored: true },
  );
}
