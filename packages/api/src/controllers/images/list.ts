import { Op, type WhereOptions } from 'sequelize';
import { Image, NotFoundError, type ZunConfig } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { afterMarker, pageQuery } from '../paging';

const SORT_KEYS = new Set([
  'id',
  'uuid',
  'repo',
  'tag',
  'size',
  'host',
  'image_id',
  'created_at',
  'updated_at',
]);

/**
 * GET /v1/images: the caller's project's records (also for admins: there is no all-projects
 * switch), paged by `limit` and `marker`, sorted by `sort_key`/`sort_dir`; other keys are ignored.
 */
export async function listImages(
  q: Record<string, string>,
  ctx: RequestContext,
  config: ZunConfig,
  base: string,
): Promise<{ items: Image[]; next: string | null }> {
  const { limit, sortKey, sortDir } = pageQuery(q, SORT_KEYS, config.api.maxLimit);
  const conditions: WhereOptions<Image>[] = [{ project_id: ctx.projectId }];
  if (q.marker) {
    const marker = await Image.findOne({ where: { uuid: q.marker, project_id: ctx.projectId } });
    if (!marker) throw new NotFoundError(`Marker ${q.marker} could not be found.`, 'marker-not-found');
    conditions.push(
      afterMarker<Image>(sortKey, sortDir, marker.get(sortKey as keyof Image) as unknown, marker.id),
    );
  }
  const dir = sortDir === 'asc' ? 'ASC' : 'DESC';
  const pageSize = Math.min(limit, config.api.maxLimit);
  const items = await Image.findAll({
    where: { [Op.and]: conditions },
    order: [
      [sortKey, dir],
      ['id', dir],
    ],
    limit: pageSize,
  });
  let next: string | null = null;
  if (items.length === pageSize) {
    const qs = new URLSearchParams({ sort_key: sortKey, sort_dir: sortDir, limit: String(pageSize) });
    qs.set('marker', items[items.length - 1].uuid);
    next = `${base}/v1/images?${qs.toString()}`;
  }
  return { items, next };
}
