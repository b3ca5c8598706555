import { QueryTypes } from 'sequelize';
import { Project, Role, RoleAssignment, User } from '@zun/common';
import { identityDatabase } from '../database';
import { KeystoneError, notFound } from '../keystone-error';
import type { AssignmentRow } from '../views';
import { identityWrite, revokeUserTokens } from './guard';
import { projectNotFound } from './projects';
import { userNotFound } from './users';

export const roleNotFound = (id: string): KeystoneError => notFound(`Could not find role: ${id}.`);

/** The roles each role implies, as Keystone's bootstrap sets them up (and tokens expand). */
const IMPLIES: Record<string, string[]> = { admin: ['member', 'reader'], member: ['reader'] };

export async function listRoles(name?: string): Promise<Role[]> {
  return Role.findAll({ where: name !== undefined ? { name } : {}, order: [['name', 'ASC']] });
}

export async function getRole(id: string): Promise<Role> {
  const role = await Role.findByPk(id);
  if (!role) throw roleNotFound(id);
  return role;
}

interface GrantKey {
  projectId: string;
  userId: string;
  roleId: string;
}

/** Keystone looks up the role, then the user, then the project, and answers 404 for the first missing. */
async function checkParts(key: GrantKey): Promise<void> {
  if (!(await Role.findByPk(key.roleId))) throw roleNotFound(key.roleId);
  if (!(await User.findByPk(key.userId))) throw userNotFound(key.userId);
  if (!(await Project.findByPk(key.projectId))) throw projectNotFound(key.projectId);
}

export const assignmentNotFound = (key: GrantKey): KeystoneError =>
  notFound(
    `Could not find role assignment with role: ${key.roleId}, user or group: ${key.userId}, project, domain, or system: ${key.projectId}.`,
  );

const where = (key: GrantKey) => ({ user_id: key.userId, project_id: key.projectId, role_id: key.roleId });

/** Idempotent, as in Keystone: granting a role already held changes nothing. */
export async function grant(key: GrantKey): Promise<void> {
  await checkParts(key);
  await identityWrite(async (transaction) => {
    if (!(await RoleAssignment.findOne({ where: where(key), transaction }))) {
      await RoleAssignment.create(where(key), { transaction });
    }
  });
}

export async function hasGrant(key: GrantKey): Promise<boolean> {
  await checkParts(key);
  return (await RoleAssignment.count({ where: where(key) })) > 0;
}

/** Also revokes the user's tokens on that project, as Keystone does, so a later grant does not revive them. */
export async function revokeGrant(key: GrantKey): Promise<void> {
  await checkParts(key);
  await identityWrite(async (transaction) => {
    const removed = await RoleAssignment.destroy({ where: where(key), transaction });
    if (removed === 0) throw assignmentNotFound(key);
    await revokeUserTokens(key.userId, transaction, key.projectId);
  });
}

export async function grantsOf(projectId: string, userId: string): Promise<Role[]> {
  if (!(await User.findByPk(userId))) throw userNotFound(userId);
  if (!(await Project.findByPk(projectId))) throw projectNotFound(projectId);
  const held = await RoleAssignment.findAll({ where: { user_id: userId, project_id: projectId } });
  if (held.length === 0) return [];
  return Role.findAll({ where: { id: held.map((a) => a.role_id) }, order: [['name', 'ASC']] });
}

export interface AssignmentFilters {
  userId?: string;
  projectId?: string;
  roleId?: string;
  /** Expand implied roles, each with the role that implied it. */
  effective: boolean;
}

interface Row {
  role_id: string;
  role_name: string;
  user_id: string;
  user_name: string;
  user_domain_id: string;
  project_id: string;
  project_name: string;
  project_domain_id: string;
}

const ASSIGNMENTS_SQL = `
SELECT r.id AS role_id, r.name AS role_name,
       u.id AS user_id, u.name AS user_name, u.domain_id AS user_domain_id,
       p.id AS project_id, p.name AS project_name, p.domain_id AS project_domain_id
  FROM role_assignments ra
  JOIN roles r ON r.id = ra.role_id
  JOIN users u ON u.id = ra.user_id
  JOIN projects p ON p.id = ra.project_id
 WHERE (CAST(:userId AS text) IS NULL OR ra.user_id = :userId)
   AND (CAST(:projectId AS text) IS NULL OR ra.project_id = :projectId)
 ORDER BY p.name, u.name, r.name`;

export async function listAssignments(filters: AssignmentFilters): Promise<AssignmentRow[]> {
  const rows = await identityDatabase().query<Row>(ASSIGNMENTS_SQL, {
    type: QueryTypes.SELECT,
    replacements: { userId: filters.userId ?? null, projectId: filters.projectId ?? null },
  });
  const direct: AssignmentRow[] = rows.map((r) => ({
    role: { id: r.role_id, name: r.role_name },
    user: { id: r.user_id, name: r.user_name, domainId: r.user_domain_id },
    project: { id: r.project_id, name: r.project_name, domainId: r.project_domain_id },
  }));
  let out = direct;
  if (filters.effective) {
    const roles = await Role.findAll();
    const byName = new Map(roles.map((r) => [r.name, r]));
    const seen = new Set(direct.map((a) => `${a.user.id}/${a.project.id}/${a.role.id}`));
    out = [...direct];
    for (const a of direct) {
      for (const impliedName of IMPLIES[a.role.name] ?? []) {
        const implied = byName.get(impliedName);
        const key = implied && `${a.user.id}/${a.project.id}/${implied.id}`;
        if (!implied || !key || seen.has(key)) continue;
        seen.add(key);
        out.push({ ...a, role: { id: implied.id, name: implied.name }, priorRoleId: a.role.id });
      }
    }
  }
  return filters.roleId === undefined ? out : out.filter((a) => a.role.id === filters.roleId);
}
