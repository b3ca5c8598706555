import { randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import { Logger, Project, Role, RoleAssignment, User } from '@zun/common';
import { identityDatabase } from './database';
import { DEFAULT_DOMAIN } from './domain';
import { hashPassword } from './passwords';

export interface BootstrapOptions {
  adminPassword: string;
  demoPassword: string;
}

export interface BootstrapResult {
  domainId: string;
  roles: { admin: string; member: string; reader: string };
  projects: { admin: string; demo: string; service: string };
  /** Absent when the user does not exist because no password was configured for it. */
  users: { admin?: string; demo?: string };
}

// Arbitrary constant naming the advisory lock, so API processes starting together against one
// database do not race each other into the unique indexes.
const BOOTSTRAP_LOCK = 0x7a756e01;

/** Keystone-style ids: uuid4 as 32 hex digits. */
const newId = (): string => randomUUID().replace(/-/g, '');

async function ensureRole(name: string, transaction: Transaction): Promise<string> {
  const found = await Role.findOne({ where: { name }, transaction });
  return (found ?? (await Role.create({ id: newId(), name }, { transaction }))).id;
}

async function ensureProject(name: string, transaction: Transaction): Promise<string> {
  const where = { name, domain_id: DEFAULT_DOMAIN.id };
  const found = await Project.findOne({ where, transaction });
  return (found ?? (await Project.create({ id: newId(), ...where }, { transaction }))).id;
}

async function ensureUser(
  name: string,
  password: string,
  projectId: string,
  roleId: string,
  transaction: Transaction,
  logger?: Logger,
): Promise<string | undefined> {
  const where = { name, domain_id: DEFAULT_DOMAIN.id };
  let user = await User.findOne({ where, transaction });
  if (!user) {
    // A user with an empty password would be one anybody can log in as.
    if (!password) {
      logger?.warn(`identity bootstrap: no password configured for user "${name}", not creating it`);
      return undefined;
    }
    const password_hash = await hashPassword(password);
    user = await User.create(
      { id: newId(), ...where, password_hash, default_project_id: projectId },
      { transaction },
    );
    logger?.info(`identity bootstrap: created user "${name}"`, { user_id: user.id });
  }
  const assignment = { user_id: user.id, project_id: projectId, role_id: roleId };
  if (!(await RoleAssignment.findOne({ where: assignment, transaction }))) {
    await RoleAssignment.create(assignment, { transaction });
  }
  return user.id;
}

/**
 * Creates what Keystone's `keystone-manage bootstrap` plus devstack would: the admin, member and
 * reader roles; admin, demo and service projects; an admin user (admin on admin) and a demo user
 * (member on demo). Idempotent: existing rows, passwords included, are left as they are, so
 * changing a password in the config after the first start has no effect.
 */
export async function bootstrapIdentity(opts: BootstrapOptions, logger?: Logger): Promise<BootstrapResult> {
  const sequelize = identityDatabase();
  return sequelize.transaction(async (transaction) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(:key)', {
      replacements: { key: BOOTSTRAP_LOCK },
      transaction,
    });
    const roles = {
      admin: await ensureRole('admin', transaction),
      member: await ensureRole('member', transaction),
      reader: await ensureRole('reader', transaction),
    };
    const projects = {
      admin: await ensureProject('admin', transaction),
      demo: await ensureProject('demo', transaction),
      service: await ensureProject('service', transaction),
    };
    const users = {
      admin: await ensureUser('admin', opts.adminPassword, projects.admin, roles.admin, transaction, logger),
      demo: await ensureUser('demo', opts.demoPassword, projects.demo, roles.member, transaction, logger),
    };
    return { domainId: DEFAULT_DOMAIN.id, roles, projects, users };
  });
}
