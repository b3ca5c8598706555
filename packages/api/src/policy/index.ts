import { NotAllowedError, type Logger } from '@zun/common';
import type { RequestContext } from '../identity/context';
import type { Credentials, Target } from './check';
import { PolicyEnforcer, type PolicySources } from './enforcer';

export { DEFAULT_RULES } from './defaults';
export { PolicyEnforcer } from './enforcer';

/**
 * The API's one policy enforcer. zun-api configures it from `[oslo_policy]` at start-up; until
 * then (and in code that never starts an API) it holds the defaults.
 */
let enforcer = new PolicyEnforcer();

export function configurePolicy(sources: PolicySources, logger?: Logger): void {
  enforcer = new PolicyEnforcer(sources, logger);
}

/** The caller as oslo.policy sees it: roles, ids and is_admin. */
function credentials(ctx: RequestContext): Credentials {
  return {
    roles: ctx.roles,
    user_id: ctx.userId,
    project_id: ctx.projectId,
    user_domain_id: ctx.domainId,
    project_domain_id: ctx.domainId,
    is_admin: ctx.isAdmin,
  };
}

/** Whether the caller's roles make them an admin under the `context_is_admin` rule. */
export function computeIsAdmin(ctx: RequestContext): boolean {
  return enforcer.isAdmin({ ...credentials(ctx), is_admin: false });
}

/**
 * Whether `rule` allows the caller. `target` is the object acted on (its project_id, user_id);
 * without one the caller's own project is the target, which is what creating and listing mean.
 */
export function allowed(ctx: RequestContext, rule: string, target?: Target): boolean {
  return enforcer.allowed(rule, credentials(ctx), target);
}

/** As allowed(), but a refusal is a 403 in Zun's words. */
export function enforce(ctx: RequestContext, rule: string, target?: Target): void {
  if (!allowed(ctx, rule, target)) throw new NotAllowedError(`Policy doesn't allow ${rule} to be performed.`);
}
