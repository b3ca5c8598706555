import { QueryTypes, type Transaction } from 'sequelize';
import { identityDatabase } from '../database';
import { KeystoneError } from '../keystone-error';

// Arbitrary constant naming the advisory lock that serialises identity writes across zun-api
// processes, so two writes can never each leave one admin and together leave none.
const IDENTITY_WRITE_LOCK = 0x7a756e02;

const ADMINS_SQL = `
SELECT count(DISTINCT u.id)::int AS n
  FROM users u
  JOIN role_assignments ra ON ra.user_id = u.id
  JOIN roles r ON r.id = ra.role_id AND r.name = 'admin'
  JOIN projects p ON p.id = ra.project_id AND p.enabled
 WHERE u.enabled`;

async function adminCount(transaction: Transaction): Promise<number> {
  const [row] = await identityDatabase().query<{ n: number }>(ADMINS_SQL, {
    type: QueryTypes.SELECT,
    transaction,
  });
  return row?.n ?? 0;
}

export const LAST_ADMIN =
  'Refusing to remove the last enabled user holding the admin role on an enabled project: nobody could manage identities any more.';

/**
 * Runs one identity write in a transaction, one at a time across processes, and rolls it back
 * with 409 when it would leave no enabled admin where there was one (deleting or disabling that
 * user or their project, or taking their admin role away).
 */
export async function identityWrite<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
  const sequelize = identityDatabase();
  return sequelize.transaction(async (transaction) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(:key)', {
      replacements: { key: IDENTITY_WRITE_LOCK },
      transaction,
    });
    const before = await adminCount(transaction);
    const result = await work(transaction);
    if (before > 0 && (await adminCount(transaction)) === 0) throw new KeystoneError(409, LAST_ADMIN);
    return result;
  });
}

/** Revokes every live token of the user, as Keystone does when a password changes or a user is disabled. */
export async function revokeUserTokens(
  userId: string,
  transaction: Transaction,
  projectId?: string,
): Promise<void> {
  await identityDatabase().query(
    `UPDATE tokens SET revoked_at = now(), updated_at = now()
      WHERE user_id = :userId AND revoked_at IS NULL ${projectId ? 'AND project_id = :projectId' : ''}`,
    { replacements: { userId, projectId: projectId ?? null }, transaction },
  );
}
