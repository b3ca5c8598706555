import { DataTypes, QueryInterface } from 'sequelize';

/**
 * The mounts the agent made for a container (named volumes, sized volumes, injected files),
 * so a container recreated without its predecessor (auto_heal, rebuild of a vanished one)
 * gets them back. Mounts were request-only before; older rows keep null.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.addColumn('containers', 'mounts', { type: DataTypes.JSONB });
}

export async function down(q: QueryInterface): Promise<void> {
  await q.removeColumn('containers', 'mounts');
}
