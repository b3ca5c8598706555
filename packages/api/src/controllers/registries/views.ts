import type { Registry } from '@zun/common';
import { links } from '../format';

/** The registry view (other-resources.md §7.1): the password is never shown, stored or not. */
export function registryView(r: Registry, base: string | null): Record<string, unknown> {
  return {
    uuid: r.uuid,
    ...(base ? { links: links(base, 'registries', r.uuid) } : {}),
    name: r.name ?? null,
    domain: r.domain,
    username: r.username ?? null,
    password: '***',
    project_id: r.project_id,
    user_id: r.user_id,
  };
}
