import type { WhereOptions } from 'sequelize';
import { CONTAINER_TYPE, Container, type ZunConfig } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { allowed } from '../../policy';
import { parseBool } from '../../validation/schema';
import { keysetPage, pageQuery } from '../paging';

const SORT_KEYS = new Set([
  'id',
  'uuid',
  'name',
  'project_id',
  'user_id',
  'status',
  'cpu',
  'memory',
  'host',
  'created_at',
  'updated_at',
]);

export interface CapsulePage {
  sandboxes: Container[];
  next: string | null;
}

/**
 * GET /v1/capsules/: the caller's project's capsules, every project's for an admin asking with
 * all_projects (for anybody else all_projects changes nothing, as upstream: no 403). Paged by
 * limit/marker/sort_key/sort_dir; other query keys are ignored.
 */
export async function listCapsules(
  q: Record<string, string>,
  ctx: RequestContext,
  config: ZunConfig,
  base: string,
): Promise<CapsulePage> {
  const allProjects =
    parseBool('all_projects', q.all_projects, false) && allowed(ctx, 'capsule:get_all_all_projects');
  const { limit, sortKey, sortDir } = pageQuery(q, SORT_KEYS, config.api.maxLimit);
  const scope: WhereOptions<Container> = {
    container_type: CONTAINER_TYPE.capsule,
    ...(allProjects ? {} : { project_id: ctx.projectId }),
  };
  const { items: sandboxes, next } = await keysetPage(Container, {
    where: [scope],
    markerScope: scope,
    marker: q.marker,
    page: { limit, sortKey, sortDir },
    maxLimit: config.api.maxLimit,
    // The scope travels with the link, as for containers, so a second page lists the same set.
    link: { url: `${base}/v1/capsules/`, before: allProjects ? { all_projects: 'True' } : {} },
  });
  return { sandboxes, next };
}
