import {
  CreationOptional,
  DataTypes,
  InferAttributes,
  InferCreationAttributes,
  Model,
  Sequelize,
} from 'sequelize';

/** Where an image record stands: being pulled, on the host, or not (with the reason). */
export const ImageStatus = {
  Pulling: 'Pulling',
  Pulled: 'Pulled',
  Error: 'Error',
} as const;
export type ImageStatus = (typeof ImageStatus)[keyof typeof ImageStatus];

/** An image pulled onto one compute host (`repo` normalised, registry host included). */
export class Image extends Model<InferAttributes<Image>, InferCreationAttributes<Image>> {
  declare id: CreationOptional<number>;
  declare uuid: string;
  declare project_id: string;
  declare user_id: string;
  declare repo: string;
  declare tag: string;
  declare host: string;
  declare image_id: CreationOptional<string | null>;
  /** Bytes; PostgreSQL's BIGINT arrives as a string. */
  declare size: CreationOptional<string | null>;
  declare status: ImageStatus;
  declare status_reason: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export function initImageModels(sequelize: Sequelize): void {
  Image.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      uuid: DataTypes.STRING,
      project_id: DataTypes.STRING,
      user_id: DataTypes.STRING,
      repo: DataTypes.STRING,
      tag: DataTypes.STRING,
      host: DataTypes.STRING,
      image_id: DataTypes.STRING,
      size: DataTypes.BIGINT,
      status: DataTypes.STRING,
      status_reason: DataTypes.TEXT,
      created_at: DataTypes.DATE,
      updated_at: DataTypes.DATE,
    },
    { sequelize, tableName: 'images', underscored: true },
  );
}
