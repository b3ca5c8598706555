import type { Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { allowed } from '../../policy';
import { links, pyDatetime } from '../format';

/** Fields only admins see (policy container:get_one:<field>); absent, not null, for others. */
const ADMIN_FIELDS = ['host', 'image_pull_policy', 'privileged', 'runtime'] as const;

/**
 * The columns containerView reads: a list selects only these, since parsing the columns it
 * does not show (mounts, annotations, capsule volumes...) is most of a large page's cost.
 */
export const VIEW_COLUMNS = [
  'id',
  'uuid',
  'name',
  'project_id',
  'user_id',
  'image',
  'command',
  'entrypoint',
  'status',
  'status_reason',
  'status_detail',
  'task_state',
  'cpu',
  'memory',
  'disk',
  'environment',
  'workdir',
  'ports',
  'hostname',
  'labels',
  'addresses',
  'image_pull_policy',
  'host',
  'restart_policy',
  'interactive',
  'tty',
  'image_driver',
  'security_groups',
  'auto_remove',
  'runtime',
  'auto_heal',
  'privileged',
  'healthcheck',
  'cpu_policy',
  'registry_id',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof Container)[];

export function containerView(
  c: Container,
  ctx: RequestContext,
  base: string | null,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    uuid: c.uuid,
    ...(base ? { links: links(base, 'containers', c.uuid) } : {}),
    name: c.name,
    project_id: c.project_id,
    user_id: c.user_id,
    image: c.image,
    command: c.command ?? [],
    entrypoint: c.entrypoint ?? [],
    status: c.status,
    status_reason: c.status_reason ?? null,
    status_detail: c.status_detail ?? null,
    task_state: c.task_state ?? null,
    cpu: c.cpu,
    memory: c.memory,
    disk: c.disk ?? 0,
    environment: c.environment ?? {},
    workdir: c.workdir,
    ports: c.ports ?? [],
    hostname: c.hostname,
    labels: c.labels ?? {},
    addresses: c.addresses ?? {},
    image_pull_policy: c.image_pull_policy,
    host: c.host ?? null,
    restart_policy: c.restart_policy ?? {},
    interactive: c.interactive ?? false,
    tty: c.tty ?? false,
    image_driver: c.image_driver,
    security_groups: c.security_groups ?? [],
    auto_remove: c.auto_remove ?? false,
    runtime: c.runtime,
    auto_heal: c.auto_heal ?? false,
    privileged: c.privileged ?? false,
    healthcheck: c.healthcheck ?? {},
    cpu_policy: c.cpu_policy ?? 'shared',
    registry_id: c.registry_id ?? null,
    created_at: pyDatetime(c.created_at),
    updated_at: pyDatetime(c.updated_at),
  };
  // An extension for capsule parts only (plain containers have no capsule): which capsule owns
  // it, so that a client can tell why the verbs that change it are refused.
  if (c.capsule_id) view.capsule_id = c.capsule_id;
  for (const f of hiddenFields(ctx)) delete view[f];
  return view;
}

/**
 * The admin-only fields this caller may not see. The rules depend on the caller alone, so they
 * are evaluated once per request (a list renders up to `max_limit` rows with the same answer).
 */
const hiddenByRequest = new WeakMap<RequestContext, readonly string[]>();

function hiddenFields(ctx: RequestContext): readonly string[] {
  let hidden = hiddenByRequest.get(ctx);
  if (!hidden) {
    hidden = ADMIN_FIELDS.filter((f) => !allowed(ctx, `container:get_one:${f}`));
    hiddenByRequest.set(ctx, hidden);
  }
  return hidden;
}

/** Only the named fields of a view (a list's `fields=`); admin-only ones stay hidden. */
export function pickFields(
  view: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const f of fields) if (f in view) picked[f] = view[f];
  return picked;
}
