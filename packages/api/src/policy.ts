import { NotAllowedError } from '@zun/common';
import type { RequestContext } from './identity/context';

/**
 * Default policy (README §10). `admin_or_owner` rules are enforced by project scoping in the
 * lookups; what is listed here are the rules that refuse callers outright.
 */
const ADMIN_ONLY = new Set([
  'container:create:runtime',
  'container:create:privileged',
  'container:create:requested_destination',
  'container:create:image_pull_policy',
  'container:delete_force',
  'container:delete_all_projects',
  'container:get_one_all_projects',
  'container:get_all_all_projects',
  'container:get_one:host',
  'container:get_one:image_pull_policy',
  'container:get_one:privileged',
  'container:get_one:runtime',
  'container:action:events',
  'host:get_all',
  'host:get',
  'zun-service:get_all',
  'zun-service:delete',
  'zun-service:enable',
  'zun-service:disable',
  'zun-service:force_down',
  'registry:get_all_all_projects',
]);
export function allowed(ctx: RequestContext, rule: string): boolean {
  if (ADMIN_ONLY.has(rule)) return ctx.isAdmin;
  return true;
}

export function enforce(ctx: RequestContext, rule: string): void {
  if (!allowed(ctx, rule)) throw new NotAllowedError(`Policy doesn't allow ${rule} to be performed.`);
}
