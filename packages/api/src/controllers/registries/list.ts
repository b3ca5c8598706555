import { Registry, type ZunConfig } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import { keysetPage, pageQuery } from '../paging';
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
  return keysetPage(Registry, {
    where: [filters, allProjects ? {} : { project_id: ctx.projectId }],
    markerScope: ctx.isAdmin ? {} : { project_id: ctx.projectId },
    marker: q.marker,
    page: { limit, sortKey, sortDir },
    maxLimit: config.api.maxLimit,
    // As for containers, the scope and filters travel with the link.
    link: {
      url: `${base}/v1/registries`,
      before: { ...filters, ...(allProjects ? { all_projects: 'True' } : {}) },
    },
  });
}
