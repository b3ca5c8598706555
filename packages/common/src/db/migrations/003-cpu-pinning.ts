import { DataTypes, QueryInterface } from 'sequelize';

/**
 * Dedicated CPUs: a host reports its NUMA topology; a claim records the CPUs (and node) it pinned,
 * so the pinned set is rebuilt from the claims after a restart, like every other resource.
 */
export async function up(q: QueryInterface): Promise<void> {
  await q.addColumn('compute_nodes', 'numa_topology', { type: DataTypes.JSONB });
  await q.addColumn('resource_claims', 'cpuset', { type: DataTypes.JSONB });
  await q.addColumn('resource_claims', 'numa_node', { type: DataTypes.INTEGER });
}

export async function down(q: QueryInterface): Promise<void> {
  await q.removeColumn('resource_claims', 'numa_node');
  await q.removeColumn('resource_claims', 'cpuset');
  await q.removeColumn('compute_nodes', 'numa_topology');
}
