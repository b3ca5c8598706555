import { DataTypes, QueryInterface } from 'sequelize';

/**
 * Image records (/v1/images): an image pulled onto one compute host. The row is the pull's
 * durable work item too: a row `Pulling` on a host is pulled by that host's agent, also after a
 * restart. `image_id` and `size` follow the engine; `status_reason` says why a pull failed or
 * what happened to an image removed outside the service.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.createTable('images', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    uuid: { type: DataTypes.STRING(36), allowNull: false, unique: true },
    project_id: { type: DataTypes.STRING(255), allowNull: false },
    user_id: { type: DataTypes.STRING(255), allowNull: false },
    repo: { type: DataTypes.STRING(255), allowNull: false },
    tag: { type: DataTypes.STRING(255), allowNull: false },
    host: { type: DataTypes.STRING(255), allowNull: false },
    image_id: { type: DataTypes.STRING(255) },
    size: { type: DataTypes.BIGINT },
    status: { type: DataTypes.STRING(20), allowNull: false },
    status_reason: { type: DataTypes.TEXT },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await q.addIndex('images', ['repo', 'tag', 'host'], { unique: true, name: 'images_repo_tag_host' });
  await q.addIndex('images', ['host', 'status']);
  await q.addIndex('images', ['project_id']);
}

export async function down(q: QueryInterface): Promise<void> {
  await q.dropTable('images');
}
