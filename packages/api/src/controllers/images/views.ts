import type { Image } from '@zun/common';
import { links } from '../format';

/**
 * The image view: upstream's keys (`size` a string of bytes) plus `status` and `status_reason`,
 * which say whether the pull is still running, failed (and why), or the image went away.
 */
export function imageView(i: Image, base: string): Record<string, unknown> {
  return {
    uuid: i.uuid,
    links: links(base, 'images', i.uuid),
    image_id: i.image_id ?? null,
    repo: i.repo,
    tag: i.tag,
    size: i.size === null || i.size === undefined ? null : String(i.size),
    project_id: i.project_id,
    host: i.host,
    status: i.status,
    status_reason: i.status_reason ?? null,
  };
}
