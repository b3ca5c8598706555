import {
  DataTypes,
  InferAttributes,
  InferCreationAttributes,
  Model,
  Sequelize,
  type CreationOptional,
} from 'sequelize';

/** What quotas limit: containers (a count), memory (MiB), cpu (vCPUs) and disk (GiB). */
export const QUOTA_RESOURCES = ['containers', 'memory', 'cpu', 'disk'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** A project's own limit for one resource (-1: unlimited). */
export class Quota extends Model<InferAttributes<Quota>, InferCreationAttributes<Quota>> {
  declare id: CreationOptional<number>;
  declare project_id: string;
  declare resource: QuotaResource;
  declare hard_limit: number;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/** A named class's limit for one resource; the class `default` applies to every project. */
export class QuotaClass extends Model<InferAttributes<QuotaClass>, InferCreationAttributes<QuotaClass>> {
  declare id: CreationOptional<number>;
  declare class_name: string;
  declare resource: QuotaResource;
  declare hard_limit: number;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export function initQuotaModels(sequelize: Sequelize): void {
  // BIGINT comes back from pg as a string; limits are small, so read them as numbers.
  const limit = {
    type: DataTypes.BIGINT,
    get(this: Model): number {
      return Number(this.getDataValue('hard_limit'));
    },
  };
  const stamps = { created_at: DataTypes.DATE, updated_at: DataTypes.DATE };
  Quota.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      project_id: DataTypes.STRING,
      resource: DataTypes.STRING,
      hard_limit: limit,
      ...stamps,
    },
    { sequelize, tableName: 'quotas', underscored: true },
  );
  QuotaClass.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      class_name: DataTypes.STRING,
      resource: DataTypes.STRING,
      hard_limit: limit,
      ...stamps,
    },
    { sequelize, tableName: 'quota_classes', underscored: true },
  );
}
