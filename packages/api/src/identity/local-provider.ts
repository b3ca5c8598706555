import { Project, RoleAssignment, User, ZunConfig } from '@zun/common';
import type { NamedRef } from './auth-request';
import type { AuthProvider, RequestContext } from './context';
import { resolveDomainId } from './domain';
import { TooManyRequests } from './keystone-error';
import { LoginThrottle } from './login-throttle';
import { burnPasswordCheck, verifyPassword } from './passwords';
import { hashToken, TokenRecord, TokenStore } from './tokens';

export interface LocalAuthProviderOptions {
  config: ZunConfig;
  /** How long a validated token is trusted without asking the database again; 0 disables. */
  cacheTtlMs?: number;
  now?: () => Date;
}

export interface AuthResult {
  token: string;
  record: TokenRecord;
}

export interface ProjectSummary {
  id: string;
  name: string;
  domainId: string;
  description: string;
  enabled: boolean;
}

const MAX_CACHE_TTL_MS = 5_000;
const MAX_CACHE_ENTRIES = 10_000;

/**
 * The throttle's key for a login: the user's id when the user exists, so naming them by id or by
 * name counts alike, else the name as given (an unknown name locks the same way a known one does).
 */
function throttleKey(ref: NamedRef, user: User | null): string {
  if (user) return `user:${user.id}`;
  if ('id' in ref) return `id:${ref.id}`;
  const domain = resolveDomainId(ref.domain) ?? ('id' in ref.domain ? ref.domain.id : ref.domain.name);
  return `name:${domain}/${ref.name}`;
}

export function contextFromRecord(record: TokenRecord): RequestContext {
  const roles = record.roles.map((r) => r.name);
  return {
    userId: record.user.id,
    userName: record.user.name,
    projectId: record.project.id,
    projectName: record.project.name,
    domainId: record.user.domainId,
    roles,
    isAdmin: roles.includes('admin'),
    tokenExpiresAt: record.expiresAt,
  };
}

/** The built-in identity service: users, projects and tokens in Zun's own database. */
export class LocalAuthProvider implements AuthProvider {
  readonly tokens: TokenStore;
  private readonly throttle: LoginThrottle;
  private readonly now: () => Date;
  private readonly cacheTtlMs: number;
  private readonly cache = new Map<string, { record: TokenRecord; until: number }>();
  /** Bumped by every revoke so a lookup that raced with one does not cache what it read. */
  private generation = 0;

  constructor(opts: LocalAuthProviderOptions) {
    this.now = opts.now ?? (() => new Date());
    this.cacheTtlMs = Math.min(opts.cacheTtlMs ?? MAX_CACHE_TTL_MS, MAX_CACHE_TTL_MS);
    this.tokens = new TokenStore({ ttlSeconds: opts.config.identity.tokenExpiration, now: this.now });
    const identity = opts.config.identity;
    this.throttle = new LoginThrottle({
      perUser: identity.loginFailuresPerUser,
      perSource: identity.loginFailuresPerSource,
      windowMs: identity.loginFailureWindow * 1000,
      lockoutMs: identity.loginLockout * 1000,
      now: () => this.now().getTime(),
    });
  }

  async authenticate(token: string): Promise<RequestContext | null> {
    const record = await this.validate(token);
    return record && contextFromRecord(record);
  }

  /**
   * The live token's record, or null. Another API process's revocation is seen within the cache
   * lifetime (at most 5 s); this process's own revocations immediately.
   */
  async validate(token: string): Promise<TokenRecord | null> {
    const tokenHash = hashToken(token);
    const hit = this.cache.get(tokenHash);
    if (hit && hit.until > this.now().getTime()) return hit.record;
    if (hit) this.cache.delete(tokenHash);
    const generation = this.generation;
    const record = await this.tokens.find(tokenHash);
    if (record && generation === this.generation) this.remember(tokenHash, record);
    return record;
  }

  /**
   * A new token for a password login, or null for any reason Keystone answers 401. Throws
   * TooManyRequests while the user name or the client address `source` is locked out.
   */
  async passwordLogin(
    userRef: NamedRef,
    password: string,
    project: NamedRef | null,
    source: string,
  ): Promise<AuthResult | null> {
    const user = await this.findUser(userRef);
    const key = throttleKey(userRef, user);
    return this.throttled(key, source, async () => {
      if (!(await this.passwordMatches(user, password)) || !user?.enabled) return null;
      return this.issueScoped(user, project);
    });
  }

  /**
   * The enabled user if `password` is theirs, for a password change that proves the old one;
   * throttled like a login, since it is as good a way to guess.
   */
  async checkPassword(userId: string, password: string, source: string): Promise<User | null> {
    const user = await this.findUser({ id: userId });
    return this.throttled(throttleKey({ id: userId }, user), source, async () =>
      (await this.passwordMatches(user, password)) && user?.enabled ? user : null,
    );
  }

  /** Every cached token of the user is looked up again, e.g. after they changed or lost access. */
  forgetUser(userId: string): void {
    this.forget((r) => r.user.id === userId);
  }

  forgetProject(projectId: string): void {
    this.forget((r) => r.project.id === projectId);
  }

  /**
   * Keystone's "token" method: a new token for the same user, scoped to `project` (or to the
   * original token's project), expiring when the original does.
   */
  async rescope(token: string, project: NamedRef | null): Promise<AuthResult | null> {
    const original = await this.validate(token);
    if (!original) return null;
    const user = await User.findByPk(original.user.id);
    if (!user?.enabled) return null;
    return this.issueScoped(user, project ?? { id: original.project.id }, original.expiresAt);
  }

  /** True when the token was live and is now revoked. */
  async revoke(token: string): Promise<boolean> {
    const tokenHash = hashToken(token);
    this.generation += 1;
    this.cache.delete(tokenHash);
    return this.tokens.revoke(tokenHash);
  }

  /** Enabled projects on which the user holds any role, by name. */
  async projectsOf(userId: string): Promise<ProjectSummary[]> {
    const assignments = await RoleAssignment.findAll({
      where: { user_id: userId },
      attributes: ['project_id'],
    });
    if (assignments.length === 0) return [];
    const projects = await Project.findAll({
      where: { id: [...new Set(assignments.map((a) => a.project_id))], enabled: true },
      order: [['name', 'ASC']],
    });
    return projects.map((p) => ({
      id: p.id,
      name: p.name,
      domainId: p.domain_id,
      description: p.description,
      enabled: p.enabled,
    }));
  }

  private async issueScoped(user: User, ref: NamedRef | null, expiresAt?: Date): Promise<AuthResult | null> {
    // Without a requested scope Keystone would hand out an unscoped token; Zun has no use for
    // one, so the user's default project stands in (and no default project means no token).
    const projectRef = ref ?? (user.default_project_id ? { id: user.default_project_id } : null);
    const project = projectRef && (await this.findProject(projectRef));
    if (!project?.enabled) return null;
    const held = await RoleAssignment.count({ where: { user_id: user.id, project_id: project.id } });
    if (held === 0) return null;
    const issued = await this.tokens.issue(user.id, project.id, expiresAt);
    // Read back through the same query validation uses, so the POST and GET bodies agree.
    const record = await this.tokens.find(issued.tokenHash);
    if (!record) return null;
    this.remember(issued.tokenHash, record);
    return { token: issued.token, record };
  }

  private async throttled<T>(
    key: string,
    source: string,
    attempt: () => Promise<T | null>,
  ): Promise<T | null> {
    const wait = this.throttle.retryAfter(key, source);
    if (wait > 0) throw new TooManyRequests(wait);
    const result = await attempt();
    if (result === null) this.throttle.failed(key, source);
    else this.throttle.succeeded(key);
    return result;
  }

  // Users without a password (created without one) and unknown users cost the same time as a
  // wrong password, so timing does not tell them apart.
  private async passwordMatches(user: User | null, password: string): Promise<boolean> {
    if (!user?.password_hash) {
      await burnPasswordCheck(password);
      return false;
    }
    return verifyPassword(password, user.password_hash);
  }

  private forget(matches: (record: TokenRecord) => boolean): void {
    this.generation += 1;
    for (const [hash, entry] of this.cache) if (matches(entry.record)) this.cache.delete(hash);
  }

  private async findUser(ref: NamedRef): Promise<User | null> {
    if ('id' in ref) return User.findByPk(ref.id);
    const domainId = resolveDomainId(ref.domain);
    return domainId ? User.findOne({ where: { name: ref.name, domain_id: domainId } }) : null;
  }

  private async findProject(ref: NamedRef): Promise<Project | null> {
    if ('id' in ref) return Project.findByPk(ref.id);
    const domainId = resolveDomainId(ref.domain);
    return domainId ? Project.findOne({ where: { name: ref.name, domain_id: domainId } }) : null;
  }

  private remember(tokenHash: string, record: TokenRecord): void {
    if (this.cacheTtlMs <= 0) return;
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      // Maps iterate in insertion order: dropping the first key evicts the oldest entry.
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    const until = Math.min(this.now().getTime() + this.cacheTtlMs, record.expiresAt.getTime());
    this.cache.set(tokenHash, { record, until });
  }
}
