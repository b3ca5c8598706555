import type { RequestContext } from '../context';

/** What a cached answer must keep to be matched against Keystone's revocation events. */
export interface ValidatedToken {
  context: RequestContext;
  /** The token's own audit id and, last, its chain's (Keystone's `audit_ids`). */
  auditIds: string[];
  issuedAt: number;
  roleIds: string[];
}

/** A Keystone revocation event (GET /v3/OS-REVOKE/events), the fields we can match. */
export interface RevocationEvent {
  audit_id?: string;
  audit_chain_id?: string;
  user_id?: string;
  project_id?: string;
  role_id?: string;
  domain_id?: string;
  issued_before?: string;
  [other: string]: unknown;
}

/**
 * Whether an event revokes a token: every constraint it states holds for the token. A constraint
 * we do not check (trusts, OAuth consumers...) counts as holding, so doubt drops the cached answer
 * and Keystone is asked again, rather than a revoked token staying trusted.
 */
export function eventMatches(raw: RevocationEvent, token: ValidatedToken): boolean {
  // A field Keystone sends as null states no constraint.
  const event = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null)) as RevocationEvent;
  const ctx = token.context;
  if (event.audit_id !== undefined && event.audit_id !== token.auditIds[0]) return false;
  if (event.audit_chain_id !== undefined && event.audit_chain_id !== token.auditIds.at(-1)) return false;
  if (event.user_id !== undefined && event.user_id !== ctx.userId) return false;
  if (event.project_id !== undefined && event.project_id !== ctx.projectId) return false;
  if (event.role_id !== undefined && !token.roleIds.includes(event.role_id)) return false;
  if (event.domain_id !== undefined && event.domain_id !== ctx.domainId) return false;
  if (event.issued_before !== undefined && token.issuedAt > Date.parse(event.issued_before)) return false;
  return true;
}

/**
 * Validated tokens by hash: at most `maxEntries` (least recently used dropped first), each kept
 * for `ttlMs` but never past the token's expiry. A Map iterates in insertion order, so re-inserting
 * on every hit keeps the least recently used first.
 */
export class TokenCache {
  private readonly entries = new Map<string, { token: ValidatedToken; until: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): ValidatedToken | null {
    const hit = this.entries.get(key);
    if (!hit) return null;
    this.entries.delete(key);
    if (hit.until <= this.now()) return null;
    this.entries.set(key, hit);
    return hit.token;
  }

  set(key: string, token: ValidatedToken): void {
    if (this.maxEntries <= 0 || this.ttlMs <= 0) return;
    const until = Math.min(this.now() + this.ttlMs, token.context.tokenExpiresAt.getTime());
    if (until <= this.now()) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { token, until });
  }

  /** Drops every entry an event revokes; returns how many went. */
  revoke(events: RevocationEvent[]): number {
    let dropped = 0;
    for (const [key, { token }] of this.entries) {
      if (events.some((e) => eventMatches(e, token))) {
        this.entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }
}
