import { DataTypes, QueryInterface } from 'sequelize';

/**
 * Private registries (/v1/registries): credentials a container's image pull uses. The password
 * is stored sealed (see secret-box.ts), never in the clear. Containers keep the registry's
 * uuid in their existing registry_id column.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.createTable('registries', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    uuid: { type: DataTypes.STRING(36), allowNull: false, unique: true },
    name: { type: DataTypes.STRING(255) },
    domain: { type: DataTypes.STRING(255), allowNull: false },
    username: { type: DataTypes.STRING(255) },
    password: { type: DataTypes.TEXT },
    project_id: { type: DataTypes.STRING(255), allowNull: false },
    user_id: { type: DataTypes.STRING(255), allowNull: false },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await q.addIndex('registries', ['project_id', 'name']);
}

export async function down(q: QueryInterface): Promise<void> {
  await q.dropTable('registries');
}
