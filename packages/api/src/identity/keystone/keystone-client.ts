import { KeystoneSession, ServiceUnavailableError, type ZunConfig } from '@zun/common';

export type KeystoneSettings = ZunConfig['keystoneAuthtoken'] & { authUrl: string };

/** Keystone's token body, the parts zun-api reads. */
export interface KeystoneToken {
  expires_at: string;
  issued_at: string;
  audit_ids?: string[];
  user: { id: string; name: string; domain: { id: string } };
  project?: { id: string; name: string; domain: { id: string } };
  roles?: { id: string; name: string }[];
}

/**
 * zun-api's side of an external Keystone: its own service token (password auth, renewed before it
 * expires and after Keystone refuses it) and the two reads it needs. A Keystone that cannot be
 * reached, or answers 5xx, is a ServiceUnavailableError: the caller's token may well be valid.
 */
export class KeystoneClient {
  readonly base: string;
  private readonly session: KeystoneSession;

  constructor(private readonly s: KeystoneSettings) {
    this.session = new KeystoneSession(
      s,
      (url, init) => this.call(url.slice(this.session.base.length), init),
      (status) =>
        this.unavailable(
          `HTTP ${status}: Keystone refused the [keystone_authtoken] service credential (user ${s.username}, project ${s.projectName})`,
        ),
    );
    this.base = this.session.base;
  }

  /** The token's body, or null when Keystone says it is not valid (unknown, expired, revoked). */
  async validate(subjectToken: string): Promise<KeystoneToken | null> {
    const res = await this.withServiceToken((service) =>
      this.call('/v3/auth/tokens', { headers: { 'X-Auth-Token': service, 'X-Subject-Token': subjectToken } }),
    );
    if (res.status === 404 || res.status === 400) return null;
    if (res.status !== 200) throw this.unavailable(`HTTP ${res.status} validating a token`);
    return ((await res.json()) as { token: KeystoneToken }).token;
  }

  /** Revocation events recorded after `since`. */
  async revocationEvents(since: Date): Promise<Record<string, unknown>[]> {
    const query = `?since=${encodeURIComponent(since.toISOString().replace(/\.\d+Z$/, 'Z'))}`;
    const res = await this.withServiceToken((service) =>
      this.call(`/v3/OS-REVOKE/events${query}`, { headers: { 'X-Auth-Token': service } }),
    );
    if (res.status !== 200) throw this.unavailable(`HTTP ${res.status} listing revocation events`);
    return ((await res.json()) as { events?: Record<string, unknown>[] }).events ?? [];
  }

  /** One retry with a new service token when Keystone refuses the one we hold (revoked, rotated keys). */
  private async withServiceToken(request: (token: string) => Promise<Response>): Promise<Response> {
    const res = await request((await this.session.current()).value);
    if (res.status !== 401 && res.status !== 403) return res;
    this.session.forget();
    const again = await request((await this.session.current()).value);
    if (again.status === 401 || again.status === 403) {
      throw this.unavailable(
        `HTTP ${again.status}: the [keystone_authtoken] service credential (user ${this.s.username}) may not validate tokens`,
      );
    }
    return again;
  }

  private async call(path: string, init: RequestInit): Promise<Response> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const res = await fetch(`${this.base}${path}`, {
          ...init,
          signal: AbortSignal.timeout(this.s.timeoutS * 1000),
        });
        if (res.status >= 500) throw this.unavailable(`HTTP ${res.status}`);
        return res;
      } catch (err) {
        if (attempt >= this.s.maxRetries) {
          if (err instanceof ServiceUnavailableError) throw err;
          throw this.unavailable((err as Error).message, err);
        }
      }
    }
  }

  private unavailable(why: string, cause?: unknown): ServiceUnavailableError {
    return new ServiceUnavailableError(
      `The identity service at ${this.base} cannot validate tokens now (${why}).`,
      {
        cause,
      },
    );
  }
}
