import { ServiceUnavailableError, type ZunConfig } from '@zun/common';

/** The service token is renewed this long before Keystone says it expires. */
const SERVICE_TOKEN_MARGIN_MS = 60_000;

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
  private serviceToken: { value: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(private readonly s: KeystoneSettings) {
    this.base = s.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
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
    const res = await request(await this.currentServiceToken());
    if (res.status !== 401 && res.status !== 403) return res;
    this.serviceToken = null;
    const again = await request(await this.currentServiceToken());
    if (again.status === 401 || again.status === 403) {
      throw this.unavailable(
        `HTTP ${again.status}: the [keystone_authtoken] service credential (user ${this.s.username}) may not validate tokens`,
      );
    }
    return again;
  }

  private async currentServiceToken(): Promise<string> {
    if (this.serviceToken && this.serviceToken.expiresAt - SERVICE_TOKEN_MARGIN_MS > Date.now()) {
      return this.serviceToken.value;
    }
    // Concurrent requests share one login.
    this.pending ??= this.issueServiceToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async issueServiceToken(): Promise<string> {
    const s = this.s;
    const res = await this.call('/v3/auth/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: s.username, password: s.password, domain: { name: s.userDomainName } },
            },
          },
          scope: { project: { name: s.projectName, domain: { name: s.projectDomainName } } },
        },
      }),
    });
    const value = res.headers.get('x-subject-token');
    if (res.status !== 201 || !value) {
      throw this.unavailable(
        `HTTP ${res.status}: Keystone refused the [keystone_authtoken] service credential (user ${s.username}, project ${s.projectName})`,
      );
    }
    const body = (await res.json()) as { token: { expires_at: string } };
    this.serviceToken = { value, expiresAt: Date.parse(body.token.expires_at) };
    return value;
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
