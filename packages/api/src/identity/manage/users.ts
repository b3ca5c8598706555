import { Project, User } from '@zun/common';
import { DEFAULT_DOMAIN, resolveDomainId } from '../domain';
import { conflict, KeystoneError, notFound } from '../keystone-error';
import { hashPassword } from '../passwords';
import type { UserInput } from '../routes/bodies';
import { identityWrite, revokeUserTokens } from './guard';
import { domainNotFound, newId, projectNotFound } from './projects';

export const userNotFound = (id: string): KeystoneError => notFound(`Could not find user: ${id}.`);

/** The user [identity] admin_password creates: zun-api would create it again at its next start. */
const BOOTSTRAP_ADMIN = 'admin';

export interface UserFilters {
  name?: string;
  domainId?: string;
  enabled?: boolean;
}

export async function listUsers(filters: UserFilters): Promise<User[]> {
  return User.findAll({
    where: {
      ...(filters.name !== undefined ? { name: filters.name } : {}),
      ...(filters.domainId !== undefined ? { domain_id: filters.domainId } : {}),
      ...(filters.enabled !== undefined ? { enabled: filters.enabled } : {}),
    },
    order: [['name', 'ASC']],
  });
}

export async function getUser(id: string): Promise<User> {
  const user = await User.findByPk(id);
  if (!user) throw userNotFound(id);
  return user;
}

const duplicate = (name: string, domainId: string) =>
  conflict('user', `Duplicate entry found with name ${name} at domain ID ${domainId}`);

async function checkDefaultProject(id: string | null | undefined): Promise<void> {
  if (id && !(await Project.findByPk(id))) throw projectNotFound(id);
}

/** A user without a password exists (it may own role assignments) but cannot log in. */
export async function createUser(input: UserInput): Promise<User> {
  const domainId = input.domainId === undefined ? DEFAULT_DOMAIN.id : resolveDomainId({ id: input.domainId });
  if (!domainId) throw domainNotFound(input.domainId ?? '');
  await checkDefaultProject(input.defaultProjectId);
  const name = input.name ?? '';
  const password_hash = input.password === undefined ? '' : await hashPassword(input.password);
  return identityWrite(async (transaction) => {
    if (await User.findOne({ where: { name, domain_id: domainId }, transaction }))
      throw duplicate(name, domainId);
    return User.create(
      {
        id: newId(),
        name,
        domain_id: domainId,
        password_hash,
        default_project_id: input.defaultProjectId ?? null,
        extra: input.extra,
        enabled: input.enabled ?? true,
      },
      { transaction },
    );
  });
}

/** Refusals that protect the ability to manage identities at all, beyond the last-admin rule. */
function refuseLockout(user: User, callerUserId: string, verb: 'delete' | 'disable'): void {
  if (user.id === callerUserId) {
    throw new KeystoneError(409, `Refusing to ${verb} the user you are authenticated as (${user.name}).`);
  }
  if (user.name === BOOTSTRAP_ADMIN && user.domain_id === DEFAULT_DOMAIN.id) {
    throw new KeystoneError(
      409,
      `Refusing to ${verb} the user ${BOOTSTRAP_ADMIN}: zun-api creates it from [identity] admin_password.`,
    );
  }
}

/** A new password or disabling the user also revokes their tokens, as in Keystone. */
export async function updateUser(id: string, input: UserInput, callerUserId: string): Promise<User> {
  await checkDefaultProject(input.defaultProjectId);
  const password_hash = input.password === undefined ? undefined : await hashPassword(input.password);
  return identityWrite(async (transaction) => {
    const user = await User.findByPk(id, { transaction });
    if (!user) throw userNotFound(id);
    if (input.name !== undefined && input.name !== user.name) {
      const clash = await User.findOne({
        where: { name: input.name, domain_id: user.domain_id },
        transaction,
      });
      if (clash) throw duplicate(input.name, user.domain_id);
      user.name = input.name;
    }
    const disabling = input.enabled === false && user.enabled;
    if (disabling) refuseLockout(user, callerUserId, 'disable');
    if (input.enabled !== undefined) user.enabled = input.enabled;
    if (input.defaultProjectId !== undefined) user.default_project_id = input.defaultProjectId;
    if (password_hash !== undefined) user.password_hash = password_hash;
    if (Object.keys(input.extra).length > 0) user.extra = { ...user.extra, ...input.extra };
    await user.save({ transaction });
    if (disabling || password_hash !== undefined) await revokeUserTokens(user.id, transaction);
    return user;
  });
}

/** Sets a new password (the old one already checked) and revokes the user's tokens. */
export async function setPassword(userId: string, password: string): Promise<void> {
  const password_hash = await hashPassword(password);
  await identityWrite(async (transaction) => {
    await User.update({ password_hash }, { where: { id: userId }, transaction });
    await revokeUserTokens(userId, transaction);
  });
}

/** Deletes the user; their role assignments and tokens go with them. */
export async function deleteUser(id: string, callerUserId: string): Promise<void> {
  await identityWrite(async (transaction) => {
    const user = await User.findByPk(id, { transaction });
    if (!user) throw userNotFound(id);
    refuseLockout(user, callerUserId, 'delete');
    await user.destroy({ transaction });
  });
}
