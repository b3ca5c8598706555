import {
  CreationOptional,
  DataTypes,
  InferAttributes,
  InferCreationAttributes,
  Model,
  Sequelize,
} from 'sequelize';

export class Project extends Model<InferAttributes<Project>, InferCreationAttributes<Project>> {
  declare id: string;
  declare name: string;
  declare domain_id: string;
  declare description: CreationOptional<string>;
  declare enabled: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/** Attributes a user carries without a column of their own (email, description...). */
export type UserExtra = Record<string, string | number | boolean | null>;

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: string;
  declare name: string;
  declare domain_id: string;
  declare password_hash: string;
  declare default_project_id: string | null;
  declare extra: CreationOptional<UserExtra>;
  declare enabled: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class Role extends Model<InferAttributes<Role>, InferCreationAttributes<Role>> {
  declare id: string;
  declare name: string;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class RoleAssignment extends Model<
  InferAttributes<RoleAssignment>,
  InferCreationAttributes<RoleAssignment>
> {
  declare user_id: string;
  declare project_id: string;
  declare role_id: string;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class Token extends Model<InferAttributes<Token>, InferCreationAttributes<Token>> {
  declare token_hash: string;
  declare user_id: string;
  declare project_id: string | null;
  declare audit_id: string;
  declare expires_at: Date;
  declare revoked_at: Date | null;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

const opts = (sequelize: Sequelize, tableName: string) => ({ sequelize, tableName, underscored: true });

export function initIdentityModels(sequelize: Sequelize): void {
  const stamps = { created_at: DataTypes.DATE, updated_at: DataTypes.DATE };
  Project.init(
    {
      id: { type: DataTypes.STRING, primaryKey: true },
      name: DataTypes.STRING,
      domain_id: DataTypes.STRING,
      description: { type: DataTypes.TEXT, defaultValue: '' },
      enabled: { type: DataTypes.BOOLEAN, defaultValue: true },
      ...stamps,
    },
    opts(sequelize, 'projects'),
  );
  User.init(
    {
      id: { type: DataTypes.STRING, primaryKey: true },
      name: DataTypes.STRING,
      domain_id: DataTypes.STRING,
      password_hash: DataTypes.STRING,
      default_project_id: DataTypes.STRING,
      extra: { type: DataTypes.JSONB, defaultValue: {} },
      enabled: { type: DataTypes.BOOLEAN, defaultValue: true },
      ...stamps,
    },
    opts(sequelize, 'users'),
  );
  Role.init(
    { id: { type: DataTypes.STRING, primaryKey: true }, name: DataTypes.STRING, ...stamps },
    opts(sequelize, 'roles'),
  );
  RoleAssignment.init(
    {
      user_id: { type: DataTypes.STRING, primaryKey: true },
      project_id: { type: DataTypes.STRING, primaryKey: true },
      role_id: { type: DataTypes.STRING, primaryKey: true },
      ...stamps,
    },
    opts(sequelize, 'role_assignments'),
  );
  Token.init(
    {
      token_hash: { type: DataTypes.STRING, primaryKey: true },
      user_id: DataTypes.STRING,
      project_id: DataTypes.STRING,
      audit_id: DataTypes.STRING,
      expires_at: DataTypes.DATE,
      revoked_at: DataTypes.DATE,
      ...stamps,
    },
    opts(sequelize, 'tokens'),
  );
}
