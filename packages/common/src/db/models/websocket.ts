import {
  CreationOptional,
  DataTypes,
  InferAttributes,
  InferCreationAttributes,
  Model,
  Sequelize,
} from 'sequelize';

/** A single-use attach/exec token for zun-wsproxy; the token itself is never stored. */
export class WebsocketToken extends Model<
  InferAttributes<WebsocketToken>,
  InferCreationAttributes<WebsocketToken>
> {
  declare id: CreationOptional<number>;
  declare token_hash: string;
  declare container_uuid: string;
  declare project_id: string;
  declare exec_id: string | null;
  declare expires_at: Date;
  declare used_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export function initWebsocketModels(sequelize: Sequelize): void {
  WebsocketToken.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      token_hash: DataTypes.STRING,
      container_uuid: DataTypes.STRING,
      project_id: DataTypes.STRING,
      exec_id: DataTypes.STRING,
      expires_at: DataTypes.DATE,
      used_at: DataTypes.DATE,
      created_at: DataTypes.DATE,
      updated_at: DataTypes.DATE,
    },
    { sequelize, tableName: 'websocket_tokens', underscored: true },
  );
}
