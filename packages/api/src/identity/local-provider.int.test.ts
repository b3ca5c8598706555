import { loadConfig, ZunConfig } from '@zun/common';
import { createTestDatabase, TestDatabase } from '../../../../test/support/db';
import { bootstrapIdentity, BootstrapResult } from './bootstrap';
import { LocalAuthProvider } from './local-provider';
import { hashToken, TokenStore } from './tokens';

describe('LocalAuthProvider (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ids: BootstrapResult;
  let clock: number;
  const now = () => new Date(clock);
  const config: ZunConfig = loadConfig({});
  config.identity.tokenExpiration = 600;
  const byName = (name: string) => ({ name, domain: { name: 'Default' } });

  beforeAll(async () => {
    db = await createTestDatabase();
    ids = await bootstrapIdentity({ adminPassword: 'adminpw', demoPassword: 'demopw' });
  });
  afterAll(async () => db.drop());
  beforeEach(() => {
    clock = Date.now();
  });

  it('logs in with a password and authenticates the token', async () => {
    const provider = new LocalAuthProvider({ config, now });
    const result = await provider.passwordLogin(byName('admin'), 'adminpw', byName('admin'), 'test-source');
    expect(result?.record.expiresAt.getTime()).toBe(clock + 600_000);
    expect(await provider.authenticate(result!.token)).toEqual({
      userId: ids.users.admin,
      userName: 'admin',
      projectId: ids.projects.admin,
      projectName: 'admin',
      domainId: 'default',
      roles: ['admin', 'member', 'reader'],
      isAdmin: true,
      tokenExpiresAt: result!.record.expiresAt,
    });
    expect(await provider.authenticate('not-a-token')).toBeNull();
  });

  it('accepts ids, domain ids and the default project', async () => {
    const provider = new LocalAuthProvider({ config, now });
    const byId = await provider.passwordLogin(
      { id: ids.users.demo! },
      'demopw',
      { id: ids.projects.demo },
      'test-source',
    );
    expect(byId?.record.project.name).toBe('demo');
    const domainId = await provider.passwordLogin(
      { name: 'demo', domain: { id: 'default' } },
      'demopw',
      {
        name: 'demo',
        domain: { id: 'default' },
      },
      'test-source',
    );
    expect(domainId?.record.user.id).toBe(ids.users.demo);
    const unscoped = await provider.passwordLogin(byName('demo'), 'demopw', null, 'test-source');
    expect(unscoped?.record.project.id).toBe(ids.projects.demo);
    expect((await provider.authenticate(unscoped!.token))?.isAdmin).toBe(false);
  });

  it('refuses wrong passwords, unknown users and domains, and projects without a role', async () => {
    const provider = new LocalAuthProvider({ config, now });
    expect(await provider.passwordLogin(byName('demo'), 'wrong', null, 'test-source')).toBeNull();
    expect(await provider.passwordLogin(byName('nobody'), 'demopw', null, 'test-source')).toBeNull();
    expect(
      await provider.passwordLogin({ name: 'demo', domain: { id: 'other' } }, 'demopw', null, 'test-source'),
    ).toBeNull();
    expect(await provider.passwordLogin(byName('demo'), 'demopw', byName('admin'), 'test-source')).toBeNull();
    expect(
      await provider.passwordLogin(byName('demo'), 'demopw', byName('missing'), 'test-source'),
    ).toBeNull();
    expect(
      await provider.passwordLogin(byName('demo'), 'demopw', { id: 'missing' }, 'test-source'),
    ).toBeNull();
  });

  it('re-scopes a token for the same user, keeping its expiry', async () => {
    const provider = new LocalAuthProvider({ config, now });
    const first = await provider.passwordLogin(byName('admin'), 'adminpw', null, 'test-source');
    clock += 60_000;
    const second = await provider.rescope(first!.token, { id: ids.projects.admin });
    expect(second?.token).not.toBe(first!.token);
    expect(second?.record.user.id).toBe(ids.users.admin);
    expect(second?.record.expiresAt).toEqual(first!.record.expiresAt);
    expect(await provider.rescope(first!.token, byName('demo'))).toBeNull();
    expect(await provider.rescope('bogus', null)).toBeNull();
  });

  it('forgets a token revoked in this process at once', async () => {
    const provider = new LocalAuthProvider({ config, now });
    const login = await provider.passwordLogin(byName('demo'), 'demopw', null, 'test-source');
    expect(await provider.authenticate(login!.token)).not.toBeNull();
    expect(await provider.revoke(login!.token)).toBe(true);
    expect(await provider.authenticate(login!.token)).toBeNull();
    expect(await provider.revoke(login!.token)).toBe(false);
  });

  it('sees a revocation made by another process once its short cache entry lapses', async () => {
    const provider = new LocalAuthProvider({ config, now, cacheTtlMs: 5_000 });
    const login = await provider.passwordLogin(byName('demo'), 'demopw', null, 'test-source');
    expect(await provider.authenticate(login!.token)).not.toBeNull();
    await new TokenStore({ ttlSeconds: 600 }).revoke(hashToken(login!.token));
    expect(await provider.authenticate(login!.token)).not.toBeNull();
    clock += 5_000;
    expect(await provider.authenticate(login!.token)).toBeNull();
  });

  it('never serves a cached token past its expiry', async () => {
    const provider = new LocalAuthProvider({ config, now });
    const login = await provider.passwordLogin(byName('demo'), 'demopw', null, 'test-source');
    clock = login!.record.expiresAt.getTime() - 1;
    expect(await provider.authenticate(login!.token)).not.toBeNull();
    clock += 1;
    expect(await provider.authenticate(login!.token)).toBeNull();
  });

  it('lists the projects a user has roles on', async () => {
    const provider = new LocalAuthProvider({ config, now });
    expect(await provider.projectsOf(ids.users.demo!)).toEqual([
      { id: ids.projects.demo, name: 'demo', domainId: 'default', description: '', enabled: true },
    ]);
    expect(await provider.projectsOf('nobody')).toEqual([]);
  });
});
