import { Image, type ZunConfig } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { keysetPage, pageQuery } from '../paging';

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
  const scope = { project_id: ctx.projectId };
  return keysetPage(Image, {
    where: [scope],
    markerScope: scope,
    marker: q.marker,
    page: { limit, sortKey, sortDir },
    maxLimit: config.api.maxLimit,
    link: { url: `${base}/v1/images` },
  });
}
