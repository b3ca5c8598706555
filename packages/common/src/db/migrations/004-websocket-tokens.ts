import { DataTypes, QueryInterface } from 'sequelize';

/**
 * Attach/exec tokens for the websocket proxy: only the SHA-256 of the token is stored, bound to
 * one container (and exec), with an expiry and a use mark so each token opens one session.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.createTable('websocket_tokens', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    container_uuid: { type: DataTypes.STRING(36), allowNull: false },
    project_id: { type: DataTypes.STRING(255), allowNull: false },
    exec_id: { type: DataTypes.STRING(64) },
    expires_at: { type: DataTypes.DATE, allowNull: false },
    used_at: { type: DataTypes.DATE },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await q.addIndex('websocket_tokens', ['expires_at']);
}

export async function down(q: QueryInterface): Promise<void> {
  await q.dropTable('websocket_tokens');
}
