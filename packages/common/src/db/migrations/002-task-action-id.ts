import { DataTypes, QueryInterface } from 'sequelize';

/** The task carries its audit action's id, so the agent adds events without looking it up. */
export async function up(q: QueryInterface): Promise<void> {
  await q.addColumn('compute_tasks', 'action_id', {
    type: DataTypes.INTEGER,
    references: { model: 'container_actions', key: 'id' },
    onDelete: 'SET NULL',
  });
}

export async function down(q: QueryInterface): Promise<void> {
  await q.removeColumn('compute_tasks', 'action_id');
}
