export interface LoginThrottleOptions {
  /** Failures tolerated per user key within the window before it locks; 0: no limit. */
  perUser: number;
  /** The same per client address. */
  perSource: number;
  windowMs: number;
  lockoutMs: number;
  now?: () => number;
  /** Keys remembered per kind before the oldest are dropped, so a spray of names cannot grow memory. */
  maxKeys?: number;
}

interface Counter {
  /** Times of the most recent failures, at most the limit's worth. */
  failures: number[];
  lockedUntil: number;
}

const DEFAULT_MAX_KEYS = 100_000;

/** Failures and locks of one kind of key (user names, or client addresses). */
class Counters {
  private readonly map = new Map<string, Counter>();

  constructor(
    private readonly limit: number,
    private readonly opts: Required<Pick<LoginThrottleOptions, 'windowMs' | 'lockoutMs' | 'maxKeys'>>,
  ) {}

  /** Milliseconds the key stays locked, 0 when it is not. */
  lockedFor(key: string, now: number): number {
    const counter = this.map.get(key);
    return counter && counter.lockedUntil > now ? counter.lockedUntil - now : 0;
  }

  fail(key: string, now: number): void {
    if (this.limit <= 0) return;
    const counter = this.map.get(key) ?? { failures: [], lockedUntil: 0 };
    // Re-inserted so the map's insertion order stays least recently failed first.
    this.map.delete(key);
    counter.failures = [...counter.failures.filter((t) => t > now - this.opts.windowMs), now].slice(
      -this.limit,
    );
    if (counter.failures.length >= this.limit) {
      counter.lockedUntil = now + this.opts.lockoutMs;
      counter.failures = [];
    }
    this.map.set(key, counter);
    this.bound(now);
  }

  reset(key: string): void {
    this.map.delete(key);
  }

  private bound(now: number): void {
    if (this.map.size <= this.opts.maxKeys) return;
    for (const [key, c] of this.map) {
      const live = c.lockedUntil > now || c.failures.some((t) => t > now - this.opts.windowMs);
      if (!live) this.map.delete(key);
    }
    // Still too many live keys: the least recently failed go first (losing their count, not a lock
    // anybody is waiting on for long, as such a flood is itself what the source limit catches).
    for (const key of this.map.keys()) {
      if (this.map.size <= this.opts.maxKeys) break;
      this.map.delete(key);
    }
  }
}

/**
 * Slows password guessing: after `perUser` failures for one user name (existing or not, so the
 * answer never tells which names exist) or `perSource` from one address within the window, further
 * password logins for that name or from that address are refused for the lockout, without even
 * checking the password. State is in memory, per zun-api process.
 */
export class LoginThrottle {
  private readonly users: Counters;
  private readonly sources: Counters;
  private readonly now: () => number;

  constructor(opts: LoginThrottleOptions) {
    const common = {
      windowMs: opts.windowMs,
      lockoutMs: opts.lockoutMs,
      maxKeys: opts.maxKeys ?? DEFAULT_MAX_KEYS,
    };
    this.users = new Counters(opts.perUser, common);
    this.sources = new Counters(opts.perSource, common);
    this.now = opts.now ?? Date.now;
  }

  /** Whole seconds until a login for this user from this address may be tried again; 0: now. */
  retryAfter(userKey: string, source: string): number {
    const now = this.now();
    const ms = Math.max(this.users.lockedFor(userKey, now), this.sources.lockedFor(source, now));
    return Math.ceil(ms / 1000);
  }

  failed(userKey: string, source: string): void {
    const now = this.now();
    this.users.fail(userKey, now);
    this.sources.fail(source, now);
  }

  /** A successful login clears the user's failures; the address keeps its count. */
  succeeded(userKey: string): void {
    this.users.reset(userKey);
  }
}
