import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, ServiceUnavailableError } from '@zun/common';
import { KEYSTONE_URL } from '../../../../../test/support/openstack';
import { passwordToken } from '../../../../../test/support/password-token';
import { ExternalKeystoneProvider } from './external-provider';
import type { KeystoneSettings } from './keystone-client';

const logger = createLogger('test', { debug: false, format: 'text' });

const issue = (user: string, password: string, project: string): Promise<string> =>
  passwordToken(KEYSTONE_URL, user, password, project);

async function revoke(token: string): Promise<void> {
  const res = await fetch(`${KEYSTONE_URL}/auth/tokens`, {
    method: 'DELETE',
    headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
  });
  if (res.status !== 204) throw new Error(`revoke answered ${res.status}`);
}

/**
 * A pass-through to the real Keystone that counts what zun-api asks and can play dead, so the
 * tests see cache hits (no request) and an outage (connection refused) without touching Keystone.
 */
class KeystoneTap {
  requests: { method: string; path: string; serviceToken: string }[] = [];
  down = false;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      if (this.down) {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').replace(/^\/v3/, '');
        this.requests.push({
          method: req.method ?? '',
          path,
          serviceToken: String(req.headers['x-auth-token'] ?? ''),
        });
        const headers: Record<string, string> = {};
        for (const h of ['content-type', 'x-auth-token', 'x-subject-token']) {
          const v = req.headers[h];
          if (typeof v === 'string') headers[h] = v;
        }
        void fetch(`${KEYSTONE_URL}${path}`, {
          method: req.method,
          headers,
          body: chunks.length ? Buffer.concat(chunks) : undefined,
        }).then(async (answer) => {
          const out: Record<string, string> = { 'content-type': answer.headers.get('content-type') ?? '' };
          const subject = answer.headers.get('x-subject-token');
          if (subject) out['x-subject-token'] = subject;
          res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v3`;
  }

  validations(): number {
    return this.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/auth/tokens')).length;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function settings(authUrl: string, over: Partial<KeystoneSettings> = {}): KeystoneSettings {
  return {
    authUrl,
    wwwAuthenticateUri: authUrl,
    authType: 'password',
    username: 'zun',
    password: 'zun-secret',
    projectName: 'service',
    userDomainName: 'Default',
    projectDomainName: 'Default',
    tokenCacheSize: 100,
    tokenCacheTimeS: 300,
    revocationPollIntervalS: 1,
    maxRetries: 0,
    timeoutS: 5,
    ...over,
  };
}

describe('tokens validated by the real Keystone', () => {
  const tap = new KeystoneTap();
  const providers: ExternalKeystoneProvider[] = [];
  const provider = (over: Partial<KeystoneSettings> = {}): ExternalKeystoneProvider => {
    const p = new ExternalKeystoneProvider(settings(tap.url, over), logger);
    providers.push(p);
    return p;
  };

  beforeAll(async () => {
    const ok = await fetch(KEYSTONE_URL).then(
      (r) => r.status < 500,
      () => false,
    );
    if (!ok)
      throw new Error(
        `Keystone does not answer at ${KEYSTONE_URL}: npm test starts it (scripts/lib/openstack.sh)`,
      );
    await tap.start();
  });
  afterEach(async () => {
    tap.down = false;
    await Promise.all(providers.splice(0).map((p) => p.stop()));
  });
  afterAll(() => tap.stop());

  it("gives each project's user their own context, and refuses an unknown token", async () => {
    const p = provider();
    const demo = await p.authenticate(await issue('demo', 'demo-secret', 'demo'));
    const other = await p.authenticate(await issue('other', 'other-secret', 'other'));
    expect(demo).toMatchObject({ userName: 'demo', projectName: 'demo' });
    expect(demo?.roles).toContain('member');
    expect(other).toMatchObject({ userName: 'other', projectName: 'other' });
    expect(other?.projectId).not.toBe(demo?.projectId);
    expect(demo?.tokenExpiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await p.authenticate('gAAAAA-not-a-token')).toBeNull();
  });

  it('answers a cached token without asking Keystone, and asks every time with the cache off', async () => {
    const token = await issue('demo', 'demo-secret', 'demo');
    const cached = provider();
    const before = tap.validations();
    for (let i = 0; i < 5; i++) expect(await cached.authenticate(token)).not.toBeNull();
    expect(tap.validations() - before).toBe(1);

    const uncached = provider({ tokenCacheSize: 0 });
    const mid = tap.validations();
    for (let i = 0; i < 5; i++) expect(await uncached.authenticate(token)).not.toBeNull();
    expect(tap.validations() - mid).toBe(5);
  });

  it('keeps at most token_cache_size tokens', async () => {
    const p = provider({ tokenCacheSize: 2 });
    for (let i = 0; i < 4; i++) await p.authenticate(await issue('demo', 'demo-secret', 'demo'));
    expect(p.cachedTokens).toBe(2);
  });

  it('refuses a revoked cached token within the poll interval', async () => {
    const p = provider({ revocationPollIntervalS: 1 });
    p.start();
    const token = await issue('other', 'other-secret', 'other');
    const keep = await issue('other', 'other-secret', 'other');
    expect(await p.authenticate(token)).not.toBeNull();
    expect(await p.authenticate(keep)).not.toBeNull();
    await revoke(token);
    const revokedAt = Date.now();
    while ((await p.authenticate(token)) !== null) {
      if (Date.now() - revokedAt > 5000) throw new Error('a revoked token was still accepted after 5 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Date.now() - revokedAt).toBeLessThan(3000);
    // Only the revoked token's entry went: its sibling is still answered from the cache.
    const before = tap.validations();
    expect(await p.authenticate(keep)).not.toBeNull();
    expect(tap.validations()).toBe(before);
  });

  it('serves cached tokens while Keystone is down and answers 503 for the others', async () => {
    const p = provider();
    const cached = await issue('demo', 'demo-secret', 'demo');
    const fresh = await issue('demo', 'demo-secret', 'demo');
    expect(await p.authenticate(cached)).not.toBeNull();
    tap.down = true;
    expect(await p.authenticate(cached)).toMatchObject({ projectName: 'demo' });
    await expect(p.authenticate(fresh)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(p.authenticate(fresh)).rejects.toMatchObject({ status: 503 });
    tap.down = false;
    expect(await p.authenticate(fresh)).not.toBeNull();
  });

  it('gets a new service token when Keystone no longer takes its own', async () => {
    const p = provider({ tokenCacheSize: 0 });
    const token = await issue('demo', 'demo-secret', 'demo');
    expect(await p.authenticate(token)).not.toBeNull();
    const service = tap.requests.filter((r) => r.method === 'GET').at(-1)?.serviceToken ?? '';
    expect(service).not.toBe('');
    await revoke(service);
    expect(await p.authenticate(token)).toMatchObject({ userName: 'demo' });
    const renewed = tap.requests.filter((r) => r.method === 'GET').at(-1)?.serviceToken;
    expect(renewed).not.toBe(service);
  });
});
