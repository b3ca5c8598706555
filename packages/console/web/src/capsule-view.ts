import { ALLOWED_STATES } from '../../../common/src/states';
import type { Api } from './api';
import type { ContainerView } from './events';

/** A capsule as `GET /v1/capsules/{id}` shows it at microversion 1.32 and later. */
export interface CapsuleView {
  uuid: string;
  name: string | null;
  status: string;
  status_reason: string | null;
  cpu: number | null;
  memory: string | null;
  restart_policy: Record<string, unknown> | null;
  labels: Record<string, string> | null;
  annotations: Record<string, string> | null;
  addresses: Record<string, { addr: string }[]> | null;
  host?: string | null;
  project_id: string;
  user_id: string;
  created_at: string | null;
  updated_at: string | null;
  containers: ContainerView[];
  init_containers: ContainerView[];
}

/** Every capsule of the project: the list API followed to its end (it pages by `next`). */
export async function listCapsules(api: Api): Promise<CapsuleView[]> {
  const all: CapsuleView[] = [];
  let url: string | null = '/v1/capsules/?limit=1000';
  while (url) {
    const page: { capsules: CapsuleView[]; next: string | null } = await api.request('GET', url);
    all.push(...page.capsules);
    url = page.next ? new URL(page.next).pathname + new URL(page.next).search : null;
  }
  return all;
}

/**
 * Whether the API takes a delete now. It checks a capsule's delete with the container table's
 * forced-delete rule (any status but Paused) and lets it cut short a create in progress.
 */
export const canDelete = (c: CapsuleView): boolean =>
  (ALLOWED_STATES.delete_force as readonly string[]).includes(c.status);

export const capsuleName = (c: CapsuleView): string => c.name ?? c.uuid.slice(0, 8);

/** The capsule's IP addresses, whatever network they are on. */
export const addressList = (addresses: unknown): string =>
  Object.values((addresses ?? {}) as Record<string, { addr?: string }[]>)
    .flat()
    .map((a) => a.addr)
    .filter((a): a is string => !!a)
    .join(', ');

/** The resources the capsule holds: what its members asked for, in total. */
export const resources = (cpu: unknown, memory: unknown): string =>
  `${cpu === null || cpu === undefined ? '-' : String(cpu)} CPU · ${
    memory === null || memory === undefined ? '-' : `${String(memory)} MiB`
  }`;

/** A time as the API gives it (UTC, no zone), shown in UTC to the minute. */
export const when = (t: string | null | undefined): string =>
  t ? `${t.replace('T', ' ').slice(0, 16)} UTC` : '-';
