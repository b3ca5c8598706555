import { DataTypes, QueryInterface } from 'sequelize';

/**
 * Identity management: a project's description, and a user's free attributes (Keystone keeps
 * what it has no column for, such as email and description, and hands it back as-is). Tokens
 * are revoked per user when a password changes or the user is disabled, hence the index.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.addColumn('projects', 'description', { type: DataTypes.TEXT, allowNull: false, defaultValue: '' });
  await q.addColumn('users', 'extra', { type: DataTypes.JSONB, allowNull: false, defaultValue: {} });
  await q.addIndex('tokens', ['user_id'], { name: 'tokens_user_id' });
}

export async function down(q: QueryInterface): Promise<void> {
  await q.removeIndex('tokens', 'tokens_user_id');
  await q.removeColumn('users', 'extra');
  await q.removeColumn('projects', 'description');
}
