import { DataTypes, QueryInterface } from 'sequelize';

/**
 * Capsules (Zun's pods) live in the containers table, as upstream keeps them: a capsule is its
 * sandbox row (container_type 1) and its members point at it by capsule_id (2 regular, 3 init).
 * Plain containers stay type 0, which is every row written before this migration.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.addColumn('containers', 'container_type', {
    type: DataTypes.INTEGER,
    allowNull: false,
    defaultValue: 0,
  });
  await q.addColumn('containers', 'capsule_id', { type: DataTypes.STRING });
  await q.addColumn('containers', 'annotations', { type: DataTypes.JSONB });
  await q.addColumn('containers', 'capsule_volumes', { type: DataTypes.JSONB });
  await q.addIndex('containers', ['capsule_id'], { name: 'containers_capsule_id' });
  await q.addIndex('containers', ['project_id', 'container_type'], { name: 'containers_project_type' });
}

export async function down(q: QueryInterface): Promise<void> {
  await q.removeIndex('containers', 'containers_project_type');
  await q.removeIndex('containers', 'containers_capsule_id');
  for (const c of ['capsule_volumes', 'annotations', 'capsule_id', 'container_type'])
    await q.removeColumn('containers', c);
}
