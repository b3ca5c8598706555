/** A Keystone v3 password credential of one of our services (`[glance]`, `[keystone_authtoken]`). */
export interface ServiceCredential {
  authUrl: string;
  username: string;
  password: string;
  userDomainName: string;
  projectName: string;
  projectDomainName: string;
}

export interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

export interface ServiceToken {
  value: string;
  expiresAt: number;
  catalog: CatalogEntry[];
}

/** A token is renewed this long before Keystone says it expires, so no request carries a dying one. */
const RENEWAL_MARGIN_MS = 60_000;

/**
 * The service token of one credential: issued on first use, kept until shortly before it
 * expires or until the caller says a service refused it (revoked, rotated keys), and issued once
 * for all the requests that need it at the same moment. How a request is sent (timeouts,
 * retries) and how a refusal is worded belong to the caller.
 */
export class KeystoneSession {
  /** Keystone's root, without `/v3`. */
  readonly base: string;
  private token: ServiceToken | null = null;
  private pending: Promise<ServiceToken> | null = null;

  constructor(
    private readonly credential: ServiceCredential,
    private readonly send: (url: string, init: RequestInit) => Promise<Response>,
    private readonly refused: (status: number) => Error,
  ) {
    this.base = credential.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
  }

  async current(): Promise<ServiceToken> {
    if (this.token && this.token.expiresAt - RENEWAL_MARGIN_MS > Date.now()) return this.token;
    this.pending ??= this.issue().finally(() => {
      this.pending = null;
    });
    this.token = await this.pending;
    return this.token;
  }

  /** The next request gets a new token. */
  forget(): void {
    this.token = null;
  }

  private async issue(): Promise<ServiceToken> {
    const c = this.credential;
    const res = await this.send(`${this.base}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: c.username, password: c.password, domain: { name: c.userDomainName } },
            },
          },
          scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
        },
      }),
    });
    const value = res.headers.get('x-subject-token');
    if (res.status !== 201 || !value) throw this.refused(res.status);
    const body = (await res.json()) as { token: { expires_at: string; catalog?: CatalogEntry[] } };
    return { value, expiresAt: Date.parse(body.token.expires_at), catalog: body.token.catalog ?? [] };
  }
}
