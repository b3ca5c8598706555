import type { Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { allowed } from '../../policy';
import { links, pyDatetime } from '../format';

/** Fields only admins see (policy container:get_one:<field>); absent, not null, for others. */
const ADMIN_FIELDS = ['host', 'image_pull_policy', 'privileged', 'runtime'] as const;

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
  for (const f of ADMIN_FIELDS) {
    if (!allowed(ctx, `container:get_one:${f}`)) delete view[f];
  }
  return view;
}
