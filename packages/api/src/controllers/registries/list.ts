import { Op, type WhereOptions } from 'sequelize';
import { NotFoundError, Registry, type ZunConfig } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import { afterMarker, pageQuery } from '../paging';
import { LIST_FILTERS } from './schemas';

const SORT_KEYS = new Set([
  'id',
  'uuid',
  'name',
  'domain',
  'username',
  'project_id',
  'user_id',
  'created_at',
  'updated_at',
]);

/** GET /v1/registries: the caller's project (all projects for admins who ask), filtered, paged. */
export async function listRegistries(
  q: Record<string, string>,
  ctx: RequestContext,
  config: ZunConfig,
  base: string,
): Promise<{ items: Registry[]; next: string | null }> {
  const allProjects = parseBool('all_projects', q.all_projects, false);
  if (allProjects) enforce(ctx, 'registry:get_all_all_projects');
  const { limit, sortKey, sortDir } = pageQuery(q, SORT_KEYS, config.api.maxLimit);

  const filters: Record<string, string> = {};
  for (const f of LIST_FILTERS) if (q[f] !== undefined) filters[f] = q[f];
  // The scope is an extra condition: a project_id filter never widens a non-admin's view.
  const conditions: WhereOptions<Registry>[] = [
    filters as WhereOptions<Registry>,
    allProjects ? {} : { project_id: ctx.projectId },
  ];
  if (q.marker) {
    const marker = await Registry.findOne({
      where: { uuid: q.marker, ...(ctx.isAdmin ? {} : { project_id: ctx.projectId }) },
    });
    if (!marker) throw new NotFoundError(`Marker ${q.marker} could not be found.`, 'marker-not-found');
    conditions.push(
      afterMarker<Registry>(sortKey, sortDir, marker.get(sortKey as keyof Registry) as unknown, marker.id),
    );
  }
  const dir = sortDir === 'asc' ? 'ASC' : 'DESC';
  const pageSize = Math.min(limit, config.api.maxLimit);
  const items = await Registry.findAll({
    where: { [Op.and]: conditions },
    order: [
      [sortKey, dir],
      ['id', dir],
    ],
    limit: pageSize,
  });
  let next: string | null = null;
  if (items.length === pageSize) {
    // As for containers, the scope and filters travel with the link.
    const qs = new URLSearchParams({ ...filters, ...(allProjects ? { all_projects: 'True' } : {}) });
    qs.set('sort_key', sortKey);
    qs.set('sort_dir', sortDir);
    qs.set('limit', String(pageSize));
    qs.set('marker', items[items.length - 1].uuid);
    next = `${base}/v1/registries?${qs.toString()}`;
  }
  return { items, next };
}
