/** Credentials for a registry's HTTP API (none: anonymous). */
export interface CatalogAuth {
  username: string;
  password: string;
}

const TIMEOUT_MS = 10_000;
const PAGE = 1000;
/** A search reads at most this many names of one registry. */
const MAX_REPOSITORIES = 100_000;

/**
 * A Docker registry's HTTP API (v2) for searching: `/v2/_catalog` and `/v2/<name>/tags/list`.
 * HTTPS first, plain HTTP when the host does not speak TLS (as the engine does for a registry
 * it treats as insecure). Basic credentials, or a bearer token fetched with them when the
 * registry answers 401 with a token realm. The credentials go to this registry's domain and
 * its token realm only.
 */
export class RegistryCatalog {
  private scheme: 'https' | 'http' | null = null;
  private bearer: string | null = null;

  constructor(
    readonly domain: string,
    private readonly auth: CatalogAuth | null,
  ) {}

  /** Every repository, page by page (registries cap a page, usually at 1000). */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    let last = '';
    for (;;) {
      const qs = new URLSearchParams({ n: String(PAGE), ...(last ? { last } : {}) });
      const body = (await this.get(`/v2/_catalog?${qs}`, 'registry:catalog:*')) as {
        repositories?: string[];
      };
      const page = body.repositories ?? [];
      out.push(...page);
      if (page.length < PAGE || out.length >= MAX_REPOSITORIES) return out;
      last = page[page.length - 1];
    }
  }

  async tags(name: string): Promise<string[]> {
    const body = (await this.get(`/v2/${name}/tags/list`, `repository:${name}:pull`)) as {
      tags?: string[] | null;
    };
    return body.tags ?? [];
  }

  private async get(path: string, scope: string): Promise<unknown> {
    let res = await this.fetch(path);
    if (res.status === 401 && this.auth) {
      const challenge = res.headers.get('www-authenticate') ?? '';
      if (/^bearer /i.test(challenge)) this.bearer = await this.token(challenge, scope);
      res = await this.fetch(path);
    }
    if (!res.ok) throw new Error(`registry ${this.domain} answered ${res.status} for ${path}`);
    return res.json();
  }

  private async fetch(path: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    else if (this.auth)
      headers.authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    const opts = { headers, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' as const };
    if (this.scheme) return fetch(`${this.scheme}://${this.domain}${path}`, opts);
    try {
      const res = await fetch(`https://${this.domain}${path}`, opts);
      this.scheme = 'https';
      return res;
    } catch {
      const res = await fetch(`http://${this.domain}${path}`, opts);
      this.scheme = 'http';
      return res;
    }
  }

  /** The registry's token service (Docker's token authentication), asked with the credentials. */
  private async token(challenge: string, scope: string): Promise<string> {
    const params = Object.fromEntries(
      [...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]),
    );
    if (!params.realm) throw new Error(`registry ${this.domain} asked for a token without a realm`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? scope);
    const auth = this.auth as CatalogAuth;
    const res = await fetch(url, {
      headers: {
        authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`the token service of registry ${this.domain} answered ${res.status}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`the token service of registry ${this.domain} gave no token`);
    return token;
  }
}
