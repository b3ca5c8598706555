import { DataTypes, QueryInterface } from 'sequelize';

/**
 * Quotas: a project's own limits (quotas) and named classes of limits (quota_classes; the
 * class `default` gives every project its limits unless it has its own). One row per resource.
 */
export async function up(q: QueryInterface): Promise<void> {
  const stamps = {
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  };
  await q.createTable('quotas', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    project_id: { type: DataTypes.STRING(255), allowNull: false },
    resource: { type: DataTypes.STRING(255), allowNull: false },
    hard_limit: { type: DataTypes.BIGINT, allowNull: false },
    ...stamps,
  });
  await q.addIndex('quotas', ['project_id', 'resource'], { unique: true, name: 'quotas_project_resource' });
  await q.createTable('quota_classes', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    class_name: { type: DataTypes.STRING(255), allowNull: false },
    resource: { type: DataTypes.STRING(255), allowNull: false },
    hard_limit: { type: DataTypes.BIGINT, allowNull: false },
    ...stamps,
  });
  await q.addIndex('quota_classes', ['class_name', 'resource'], {
    unique: true,
    name: 'quota_classes_class_resource',
  });
}

export async function down(q: QueryInterface): Promise<void> {
  await q.dropTable('quota_classes');
  await q.dropTable('quotas');
}
