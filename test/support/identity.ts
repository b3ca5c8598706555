import { randomUUID } from 'node:crypto';
import { Project, Role, RoleAssignment, User } from '@zun/common';
import { DEFAULT_DOMAIN } from '../../packages/api/src/identity/domain';
import { hashPassword } from '../../packages/api/src/identity/passwords';

/** A project-scoped token from the identity service at `apiUrl` (password method, Default domain). */
export async function issueToken(
  apiUrl: string,
  user: string,
  password: string,
  project = user,
): Promise<string> {
  const res = await fetch(`${apiUrl}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { name: 'Default' }, password } },
        },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`cannot get a token for ${user}: ${res.status}`);
  return token;
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
