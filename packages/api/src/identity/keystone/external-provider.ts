import { createHash } from 'node:crypto';
import type { Logger } from '@zun/common';
import type { AuthProvider, RequestContext } from '../context';
import { KeystoneClient, type KeystoneSettings, type KeystoneToken } from './keystone-client';
import { TokenCache, type RevocationEvent, type ValidatedToken } from './token-cache';

/** Events are asked for again from this far back, so a clock skew with Keystone loses none. */
const REVOCATION_OVERLAP_MS = 60_000;

function toValidated(token: KeystoneToken): ValidatedToken | null {
  // Zun's API is project-scoped: an unscoped or domain-scoped token is refused like an invalid one.
  if (!token.project) return null;
  const roles = token.roles ?? [];
  return {
    context: {
      userId: token.user.id,
      userName: token.user.name,
      projectId: token.project.id,
      projectName: token.project.name,
      domainId: token.user.domain.id,
      roles: roles.map((r) => r.name),
      // Decided by the policy's context_is_admin in the auth middleware.
      isAdmin: false,
      tokenExpiresAt: new Date(token.expires_at),
    },
    auditIds: token.audit_ids ?? [],
    issuedAt: Date.parse(token.issued_at),
    roleIds: roles.map((r) => r.id),
  };
}

/**
 * Tokens validated by an external Keystone ([keystone_authtoken]), with a bounded cache that
 * follows Keystone's revocation events: a revoked token is refused within one poll interval (plus
 * one request to Keystone). A cached answer is served while Keystone is down; an uncached token
 * then gets a 503, since it may be valid.
 */
export class ExternalKeystoneProvider implements AuthProvider {
  readonly client: KeystoneClient;
  private readonly cache: TokenCache;
  /** Bumped by every applied revocation, so a validation that raced with one is not cached. */
  private generation = 0;
  private since: Date;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly settings: KeystoneSettings,
    private readonly logger: Logger,
  ) {
    this.client = new KeystoneClient(settings);
    this.cache = new TokenCache(settings.tokenCacheSize, settings.tokenCacheTimeS * 1000);
    this.since = new Date(Date.now() - REVOCATION_OVERLAP_MS);
  }

  get cachedTokens(): number {
    return this.cache.size;
  }

  async authenticate(token: string): Promise<RequestContext | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit) return { ...hit.context };
    const generation = this.generation;
    const body = await this.client.validate(token);
    const validated = body && toValidated(body);
    if (!validated) return null;
    if (generation === this.generation) this.cache.set(key, validated);
    return { ...validated.context };
  }

  /** Starts polling revocation events (only worth it while something is cached). */
  start(): void {
    if (this.timer || this.settings.tokenCacheSize <= 0) return;
    this.timer = setInterval(() => void this.pollRevocations(), this.settings.revocationPollIntervalS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** One read of the revocation events, applied to the cache. Never overlaps itself. */
  pollRevocations(): Promise<void> {
    this.polling ??= this.readRevocations().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async readRevocations(): Promise<void> {
    const started = new Date();
    try {
      const events = (await this.client.revocationEvents(this.since)) as RevocationEvent[];
      if (events.length) {
        this.generation += 1;
        const dropped = this.cache.revoke(events);
        if (dropped) this.logger.info('revoked tokens dropped from the cache', { dropped });
      }
      this.since = new Date(started.getTime() - REVOCATION_OVERLAP_MS);
    } catch (err) {
      // Nothing can be revoked in a Keystone we cannot reach; the next poll asks from the same point.
      this.logger.warn('keystone revocation events unavailable', { error: (err as Error).message });
    }
  }
}
