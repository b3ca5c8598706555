import type { Role, User, UserExtra } from '@zun/common';
import { DEFAULT_DOMAIN, domainName } from './domain';
import type { ProjectSummary } from './local-provider';

/**
 * Keystone's bodies for projects, users, roles, domains and role assignments. `base` is the
 * public root of zun-api; every entity links to itself under /identity/v3 as Keystone's do.
 */

const v3 = (base: string, path: string): string => `${base}/identity/v3/${path}`;

export function projectView(p: ProjectSummary, base: string) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    is_domain: false,
    // Projects hang directly off their domain: the built-in identity has no project hierarchy.
    parent_id: p.domainId,
    tags: [],
    options: {},
    links: { self: v3(base, `projects/${p.id}`) },
  };
}

export function userView(u: User, base: string) {
  const extra: UserExtra = u.extra ?? {};
  return {
    ...extra,
    id: u.id,
    name: u.name,
    domain_id: u.domain_id,
    enabled: u.enabled,
    // Keystone leaves the key out rather than sending null.
    ...(u.default_project_id ? { default_project_id: u.default_project_id } : {}),
    password_expires_at: null,
    options: {},
    links: { self: v3(base, `users/${u.id}`) },
  };
}

/** The three roles are fixed (created at bootstrap, never changed), which Keystone calls immutable. */
export function roleView(r: Pick<Role, 'id' | 'name'>, base: string) {
  return {
    id: r.id,
    name: r.name,
    domain_id: null,
    description: null,
    options: { immutable: true },
    links: { self: v3(base, `roles/${r.id}`) },
  };
}

export function domainView(base: string) {
  return {
    id: DEFAULT_DOMAIN.id,
    name: DEFAULT_DOMAIN.name,
    description: 'The default domain',
    enabled: true,
    tags: [],
    options: {},
    links: { self: v3(base, `domains/${DEFAULT_DOMAIN.id}`) },
  };
}

export interface AssignmentRow {
  role: { id: string; name: string };
  user: { id: string; name: string; domainId: string };
  project: { id: string; name: string; domainId: string };
  /** For an effective assignment implied by another role: that role's id. */
  priorRoleId?: string;
}

export function assignmentView(a: AssignmentRow, base: string, includeNames: boolean) {
  const domain = (id: string) => ({ id, name: domainName(id) });
  return {
    scope: {
      project: includeNames
        ? { id: a.project.id, name: a.project.name, domain: domain(a.project.domainId) }
        : { id: a.project.id },
    },
    role: includeNames ? { id: a.role.id, name: a.role.name } : { id: a.role.id },
    user: includeNames
      ? { id: a.user.id, name: a.user.name, domain: domain(a.user.domainId) }
      : { id: a.user.id },
    links: {
      assignment: v3(base, `projects/${a.project.id}/users/${a.user.id}/roles/${a.priorRoleId ?? a.role.id}`),
      ...(a.priorRoleId ? { prior_role: v3(base, `roles/${a.priorRoleId}`) } : {}),
    },
  };
}

/** The "links" of a collection: the request itself, no paging. */
export function collectionLinks(base: string, originalUrl: string) {
  return { self: `${base}${originalUrl}`, previous: null, next: null };
}
