import { createHash, randomBytes } from 'node:crypto';
import { Op, QueryTypes } from 'sequelize';
import { Token } from '@zun/common';
import { identityDatabase } from './database';

/** Everything a token stands for, as one query reads it back (see TokenStore.find). */
export interface TokenRecord {
  auditId: string;
  issuedAt: Date;
  expiresAt: Date;
  user: { id: string; name: string; domainId: string };
  project: { id: string; name: string; domainId: string };
  /** Assigned roles plus the ones they imply, sorted by name. */
  roles: { id: string; name: string }[];
}

export interface IssuedToken {
  /** The bearer secret; it exists only in this value and in the client's hands. */
  token: string;
  tokenHash: string;
  auditId: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface TokenStoreOptions {
  /** Lifetime of new tokens, [identity] token_expiration. */
  ttlSeconds: number;
  now?: () => Date;
  /** How often issuing a token also deletes expired rows; 0 purges on every issue. */
  purgeEveryMs?: number;
}

/** Only this digest is stored, so reading the tokens table does not yield usable tokens. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

interface TokenRow {
  audit_id: string;
  issued_at: Date;
  expires_at: Date;
  user_id: string;
  user_name: string;
  user_domain_id: string;
  project_id: string;
  project_name: string;
  project_domain_id: string;
  roles: { id: string; name: string }[];
}

// Keystone's bootstrap makes admin imply member and member imply reader, and tokens list the
// expanded set; policies written against Keystone ("role:reader") rely on that, so the join
// below expands the same chain. A user with no assignment left on the project gets no row:
// taking away someone's roles also takes away their tokens, as in Keystone.
const FIND_SQL = `
SELECT t.audit_id, t.created_at AS issued_at, t.expires_at,
       u.id AS user_id, u.name AS user_name, u.domain_id AS user_domain_id,
       p.id AS project_id, p.name AS project_name, p.domain_id AS project_domain_id,
       jsonb_agg(DISTINCT jsonb_build_object('id', r.id, 'name', r.name)) AS roles
  FROM tokens t
  JOIN users u ON u.id = t.user_id AND u.enabled
  JOIN projects p ON p.id = t.project_id AND p.enabled
  JOIN role_assignments ra ON ra.user_id = t.user_id AND ra.project_id = t.project_id
  JOIN roles assigned ON assigned.id = ra.role_id
  JOIN roles r ON r.id = assigned.id
              OR (assigned.name = 'admin' AND r.name IN ('member', 'reader'))
              OR (assigned.name = 'member' AND r.name = 'reader')
 WHERE t.token_hash = :tokenHash AND t.revoked_at IS NULL AND t.expires_at > :now
 GROUP BY t.token_hash, u.id, p.id`;

const INSERT_SQL = `
INSERT INTO tokens (token_hash, user_id, project_id, audit_id, expires_at, revoked_at, created_at, updated_at)
VALUES (:tokenHash, :userId, :projectId, :auditId, :expires, NULL, :issuedAt, :issuedAt)`;

export class TokenStore {
  private readonly now: () => Date;
  private lastPurge = 0;

  constructor(private readonly opts: TokenStoreOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** expiresAt lets a re-scoped token keep the lifetime of the one it was derived from. */
  async issue(userId: string, projectId: string, expiresAt?: Date): Promise<IssuedToken> {
    const issuedAt = this.now();
    // Hex, not base64url: a token starting with '-' (one in 64 of those) is read as an option
    // by command-line tools, e.g. `openstack token revoke <token>`.
    const token = randomBytes(32).toString('hex');
    const tokenHash = hashToken(token);
    const auditId = randomBytes(16).toString('base64url');
    const expires = expiresAt ?? new Date(issuedAt.getTime() + this.opts.ttlSeconds * 1000);
    // Plain SQL because Sequelize's automatic timestamps would replace created_at, which is
    // the issued_at clients are shown, with its own clock reading.
    await identityDatabase().query(INSERT_SQL, {
      type: QueryTypes.INSERT,
      replacements: { tokenHash, userId, projectId, auditId, expires, issuedAt },
    });
    await this.maybePurge(issuedAt);
    return { token, tokenHash, auditId, issuedAt, expiresAt: expires };
  }

  /** The token's record if it is live: not expired, not revoked, user and project enabled, roles held. */
  async find(tokenHash: string): Promise<TokenRecord | null> {
    const rows = await identityDatabase().query<TokenRow>(FIND_SQL, {
      type: QueryTypes.SELECT,
      replacements: { tokenHash, now: this.now() },
    });
    const row = rows[0];
    if (!row) return null;
    return {
      auditId: row.audit_id,
      issuedAt: new Date(row.issued_at),
      expiresAt: new Date(row.expires_at),
      user: { id: row.user_id, name: row.user_name, domainId: row.user_domain_id },
      project: { id: row.project_id, name: row.project_name, domainId: row.project_domain_id },
      roles: [...row.roles].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** True when a live (unrevoked) row was revoked by this call. */
  async revoke(tokenHash: string): Promise<boolean> {
    const [count] = await Token.update(
      { revoked_at: this.now() },
      { where: { token_hash: tokenHash, revoked_at: null } },
    );
    return count > 0;
  }

  /** Deletes expired rows; an expired token is useless whether or not it was revoked. */
  async purgeExpired(): Promise<number> {
    return Token.destroy({ where: { expires_at: { [Op.lt]: this.now() } } });
  }

  // Piggybacks on logins instead of a timer so that no background work outlives the process's
  // requests (and tests need nothing to stop); throttled because every CLI command logs in.
  private async maybePurge(now: Date): Promise<void> {
    if (now.getTime() - this.lastPurge < (this.opts.purgeEveryMs ?? 60_000)) return;
    this.lastPurge = now.getTime();
    await this.purgeExpired();
  }
}
