import { randomUUID } from 'node:crypto';
import { Project, Role, RoleAssignment, User } from '@zun/common';
import { DEFAULT_DOMAIN } from '../../packages/api/src/identity/domain';
import { hashPassword } from '../../packages/api/src/identity/passwords';
import { passwordToken } from './password-token';

/** A project-scoped token from the built-in identity service of the API at `apiUrl`. */
export function issueToken(apiUrl: string, user: string, password: string, project = user): Promise<string> {
  return passwordToken(`${apiUrl}/identity/v3`, user, password, project);
}

/**
 * Another tenant: project `name` with a user `name` holding the member role on it, written to
 * the identity tables of the API running in this process (the built-in identity has no user
 * API). Returns the project id.
 */
export async function addMember(name: string, password: string): Promise<string> {
  const id = (): string => randomUUID().replace(/-/g, '');
  const domain_id = DEFAULT_DOMAIN.id;
  const project = await Project.create({ id: id(), name, domain_id });
  const role = await Role.findOne({ where: { name: 'member' } });
  if (!role) throw new Error('the identity bootstrap made no member role');
  const user = await User.create({
    id: id(),
    name,
    domain_id,
    password_hash: await hashPassword(password),
    default_project_id: project.id,
  });
  await RoleAssignment.create({ user_id: user.id, project_id: project.id, role_id: role.id });
  return project.id;
}
