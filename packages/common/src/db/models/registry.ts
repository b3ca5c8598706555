import {
  CreationOptional,
  DataTypes,
  InferAttributes,
  InferCreationAttributes,
  Model,
  Sequelize,
} from 'sequelize';

/** A private registry of a project; `password` is the sealed value, never the clear text. */
export class Registry extends Model<InferAttributes<Registry>, InferCreationAttributes<Registry>> {
  declare id: CreationOptional<number>;
  declare uuid: string;
  declare name: string | null;
  declare domain: string;
  declare username: string | null;
  declare password: string | null;
  declare project_id: string;
  declare user_id: string;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export function initRegistryModels(sequelize: Sequelize): void {
  Registry.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      uuid: DataTypes.STRING,
      name: DataTypes.STRING,
      domain: DataTypes.STRING,
      username: DataTypes.STRING,
      password: DataTypes.TEXT,
      project_id: DataTypes.STRING,
      user_id: DataTypes.STRING,
      created_at: DataTypes.DATE,
      updated_at: DataTypes.DATE,
    },
    { sequelize, tableName: 'registries', underscored: true },
  );
}
