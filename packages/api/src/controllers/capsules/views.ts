import type { Container } from '@zun/common';
import type { ApiVersion } from '../../api-version';
import type { RequestContext } from '../../identity/context';
import { allowed } from '../../policy';
import { containerView } from '../containers/views';
import { links, pyDatetime } from '../format';

export interface CapsuleViewContext {
  request: RequestContext;
  version: ApiVersion;
  /** The API's public base URL, for the capsule's links (list items carry them too). */
  base: string;
}

/**
 * A capsule as the API shows it: the sandbox row is the capsule (its status, resources,
 * addresses), with its members and init containers in the order given (callers read them by
 * id). Members are container views without links, admin-only fields filtered as for containers.
 * Up to 1.31 the legacy shape: `meta_name`/`meta_labels`, the restart policy as its name, and
 * four keys kept constant for clients of that time.
 */
export function capsuleView(
  sandbox: Container,
  members: Container[],
  inits: Container[],
  ctx: CapsuleViewContext,
): Record<string, unknown> {
  const legacy = !ctx.version.atLeast('1.32');
  const member = (c: Container) => containerView(c, ctx.request, null);
  const view: Record<string, unknown> = {
    uuid: sandbox.uuid,
    links: links(ctx.base, 'capsules', sandbox.uuid),
    [legacy ? 'meta_name' : 'name']: sandbox.name,
    [legacy ? 'meta_labels' : 'labels']: sandbox.labels ?? null,
    annotations: sandbox.annotations ?? null,
    status: sandbox.status,
    status_reason: sandbox.status_reason ?? null,
    restart_policy: legacy ? (sandbox.restart_policy?.Name ?? null) : (sandbox.restart_policy ?? null),
    cpu: sandbox.cpu,
    memory: sandbox.memory,
    addresses: sandbox.addresses ?? null,
    host: sandbox.host ?? null,
    user_id: sandbox.user_id,
    project_id: sandbox.project_id,
    created_at: pyDatetime(sandbox.created_at),
    updated_at: pyDatetime(sandbox.updated_at),
    containers: members.map(member),
    init_containers: inits.map(member),
  };
  if (legacy)
    Object.assign(view, {
      volumes_info: {},
      containers_uuids: [],
      init_containers_uuids: [],
      capsule_version: '',
    });
  if (!allowed(ctx.request, 'capsule:get:host')) delete view.host;
  return view;
}
