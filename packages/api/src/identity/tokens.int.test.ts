import { createHash } from 'node:crypto';
import { Token, User } from '@zun/common';
import { createTestDatabase, TestDatabase } from '../../../../test/support/db';
import { bootstrapIdentity, BootstrapResult } from './bootstrap';
import { hashToken, TokenStore } from './tokens';

describe('token store (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ids: BootstrapResult;
  let clock: number;
  const now = () => new Date(clock);

  beforeAll(async () => {
    db = await createTestDatabase();
    ids = await bootstrapIdentity({ adminPassword: 'adminpw', demoPassword: 'demopw' });
  });
  afterAll(async () => db.drop());
  beforeEach(() => {
    clock = Date.parse('2030-01-01T00:00:00Z');
  });

  const store = () => new TokenStore({ ttlSeconds: 3600, now });

  it('issues random bearer tokens and stores only their sha256', async () => {
    const issued = await store().issue(ids.users.demo!, ids.projects.demo);
    expect(issued.token).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.auditId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(issued.expiresAt.getTime() - issued.issuedAt.getTime()).toBe(3600_000);

    const expected = createHash('sha256').update(issued.token).digest('hex');
    expect(issued.tokenHash).toBe(expected);
    const row = await Token.findByPk(expected);
    expect(row).toMatchObject({ user_id: ids.users.demo, project_id: ids.projects.demo, revoked_at: null });
    expect(await Token.count({ where: { token_hash: issued.token } })).toBe(0);
  });

  it('reads a live token back with user, project and implied roles', async () => {
    const s = store();
    const demo = await s.issue(ids.users.demo!, ids.projects.demo);
    expect(await s.find(demo.tokenHash)).toEqual({
      auditId: demo.auditId,
      issuedAt: demo.issuedAt,
      expiresAt: demo.expiresAt,
      user: { id: ids.users.demo, name: 'demo', domainId: 'default' },
      project: { id: ids.projects.demo, name: 'demo', domainId: 'default' },
      roles: [
        { id: ids.roles.member, name: 'member' },
        { id: ids.roles.reader, name: 'reader' },
      ],
    });
    const admin = await s.issue(ids.users.admin!, ids.projects.admin);
    expect((await s.find(admin.tokenHash))?.roles.map((r) => r.name)).toEqual(['admin', 'member', 'reader']);
  });

  it('stops accepting a token when it expires', async () => {
    const s = store();
    const issued = await s.issue(ids.users.demo!, ids.projects.demo);
    clock += 3599_000;
    expect(await s.find(issued.tokenHash)).not.toBeNull();
    clock += 1_000;
    expect(await s.find(issued.tokenHash)).toBeNull();
  });

  it('honours an explicit expiry', async () => {
    const s = store();
    const issued = await s.issue(ids.users.demo!, ids.projects.demo, new Date(clock + 10_000));
    expect(issued.expiresAt.getTime()).toBe(clock + 10_000);
    clock += 10_000;
    expect(await s.find(issued.tokenHash)).toBeNull();
  });

  it('revokes a token once', async () => {
    const s = store();
    const issued = await s.issue(ids.users.demo!, ids.projects.demo);
    expect(await s.revoke(issued.tokenHash)).toBe(true);
    expect(await s.find(issued.tokenHash)).toBeNull();
    expect(await s.revoke(issued.tokenHash)).toBe(false);
    expect((await Token.findByPk(issued.tokenHash))?.revoked_at).toEqual(now());
    expect(await s.revoke(hashToken('never issued'))).toBe(false);
  });

  it('rejects tokens of disabled users and of users without roles on the project', async () => {
    const s = store();
    const issued = await s.issue(ids.users.demo!, ids.projects.demo);
    await User.update({ enabled: false }, { where: { id: ids.users.demo } });
    expect(await s.find(issued.tokenHash)).toBeNull();
    await User.update({ enabled: true }, { where: { id: ids.users.demo } });
    expect(await s.find(issued.tokenHash)).not.toBeNull();

    const elsewhere = await s.issue(ids.users.demo!, ids.projects.service);
    expect(await s.find(elsewhere.tokenHash)).toBeNull();
  });

  it('purges expired tokens while issuing new ones', async () => {
    const s = new TokenStore({ ttlSeconds: 60, now, purgeEveryMs: 0 });
    const old = await s.issue(ids.users.demo!, ids.projects.demo);
    clock += 61_000;
    const fresh = await s.issue(ids.users.demo!, ids.projects.demo);
    expect(await Token.findByPk(old.tokenHash)).toBeNull();
    expect(await Token.findByPk(fresh.tokenHash)).not.toBeNull();
  });
});
