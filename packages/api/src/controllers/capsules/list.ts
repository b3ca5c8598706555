import { Op, type Order, type WhereOptions } from 'sequelize';
import { CONTAINER_TYPE, Container, NotFoundError, type ZunConfig } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { allowed } from '../../policy';
import { parseBool } from '../../validation/schema';
import { afterMarker, pageQuery } from '../paging';

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
  const conditions: WhereOptions<Container>[] = [scope];
  if (q.marker) {
    const marker = await Container.findOne({ where: { ...scope, uuid: q.marker } });
    if (!marker) throw new NotFoundError(`Marker ${q.marker} could not be found.`, 'marker-not-found');
    conditions.push(
      afterMarker<Container>(sortKey, sortDir, marker.get(sortKey as keyof Container) as unknown, marker.id),
    );
  }
  const dir = sortDir === 'asc' ? 'ASC' : 'DESC';
  const order: Order = [
    [sortKey, dir],
    ['id', dir],
  ];
  const pageSize = Math.min(limit, config.api.maxLimit);
  const sandboxes = await Container.findAll({ where: { [Op.and]: conditions }, order, limit: pageSize });
  let next: string | null = null;
  if (sandboxes.length === pageSize) {
    // The scope travels with the link, as for containers, so a second page lists the same set.
    const qs = new URLSearchParams(allProjects ? { all_projects: 'True' } : {});
    qs.set('sort_key', sortKey);
    qs.set('sort_dir', sortDir);
    qs.set('limit', String(pageSize));
    qs.set('marker', sandboxes[sandboxes.length - 1].uuid);
    next = `${base}/v1/capsules/?${qs.toString()}`;
  }
  return { sandboxes, next };
}
