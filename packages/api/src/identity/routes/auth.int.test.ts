import { IdentityApp } from '../../../../../test/support/identity-app';

describe('tokens: who may validate and revoke, and the login throttle (real PostgreSQL, real HTTP)', () => {
  let app: IdentityApp;

  beforeAll(async () => {
    app = await IdentityApp.start({ loginFailuresPerUser: 5, loginFailuresPerSource: 1000 });
  });
  afterAll(() => app.close());

  const subject = (method: string, caller: string, token: string) =>
    app.call(method, '/auth/tokens', { token: caller, headers: { 'X-Subject-Token': token } });

  describe('validation and revocation of another token', () => {
    it("refuses a user another user's token, for GET, HEAD and DELETE, and leaves it valid", async () => {
      const demo = await app.token('demo', 'demopw');
      const admin = await app.token('admin', 'adminpw');
      const get = await subject('GET', demo, admin);
      expect(get.status).toBe(403);
      expect(get.body).toEqual({
        error: {
          code: 403,
          title: 'Forbidden',
          message: 'You are not authorized to perform the requested action: identity:validate_token.',
        },
      });
      expect((await subject('HEAD', demo, admin)).status).toBe(403);
      const del = await subject('DELETE', demo, admin);
      expect(del.status).toBe(403);
      expect(del.body.error?.message).toMatch(/identity:revoke_token/);
      expect((await subject('GET', admin, admin)).status).toBe(200);
    });

    it("lets a user validate and revoke their own tokens, and an admin anybody's", async () => {
      const first = await app.token('demo', 'demopw');
      const second = await app.token('demo', 'demopw');
      expect((await subject('GET', second, first)).status).toBe(200);
      expect((await subject('DELETE', second, first)).status).toBe(204);
      expect((await subject('GET', second, first)).status).toBe(404);

      const admin = await app.token('admin', 'adminpw');
      expect((await subject('HEAD', admin, second)).status).toBe(200);
      expect((await subject('DELETE', admin, second)).status).toBe(204);
      expect((await app.call('GET', '/auth/projects', { token: second })).status).toBe(401);
    });
  });

  describe('failed password logins', () => {
    const retryAfter = (res: { headers: Headers }) => Number(res.headers.get('retry-after'));

    it('locks a user name after 5 failures: the 6th attempt is 429, even with the right password', async () => {
      for (let i = 0; i < 5; i++) expect((await app.login('demo', `wrong${i}`)).status).toBe(401);
      const locked = await app.login('demo', 'wrong');
      expect(locked.status).toBe(429);
      expect(retryAfter(locked)).toBeGreaterThan(55);
      expect(retryAfter(locked)).toBeLessThanOrEqual(60);
      expect(locked.body).toEqual({
        error: {
          code: 429,
          title: 'Too Many Requests',
          message: expect.stringMatching(/^Too many failed login/),
        },
      });
      expect((await app.login('demo', 'demopw')).status).toBe(429);
      // By id it is the same user, so the same lock.
      const byId = await app.call('POST', '/auth/tokens', {
        body: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { id: app.ids.users.demo, password: 'demopw' } },
            },
          },
        },
      });
      expect(byId.status).toBe(429);
      // Other users are not affected.
      expect((await app.login('admin', 'adminpw')).status).toBe(201);
    });

    it('answers an unknown user exactly as a known one, so the lock tells nothing', async () => {
      for (let i = 0; i < 5; i++) expect((await app.login('ghost', 'x')).status).toBe(401);
      const locked = await app.login('ghost', 'x');
      expect(locked.status).toBe(429);
      expect(locked.body.error?.message).toMatch(
        /^Too many failed login attempts; try again in \d+ seconds\.$/,
      );
    });

    it('a successful login resets the count', async () => {
      for (let i = 0; i < 4; i++) expect((await app.login('admin', 'wrong')).status).toBe(401);
      expect((await app.login('admin', 'adminpw')).status).toBe(201);
      for (let i = 0; i < 4; i++) expect((await app.login('admin', 'wrong')).status).toBe(401);
      expect((await app.login('admin', 'adminpw')).status).toBe(201);
    });

    it('throttles the password change, which proves a password too', async () => {
      const admin = await app.token('admin', 'adminpw');
      const created = await app.call('POST', '/users', {
        token: admin,
        body: { user: { name: 'pw-user', password: 'right' } },
      });
      const id = (created.body.user as { id: string }).id;
      const change = (original: string) =>
        app.call('POST', `/users/${id}/password`, {
          body: { user: { password: 'new', original_password: original } },
        });
      for (let i = 0; i < 5; i++) expect((await change('wrong')).status).toBe(401);
      expect((await change('right')).status).toBe(429);
    });
  });

  // Last: a second app re-binds the identity models to its own database.
  it('locks a client address after its limit of failures, whatever the user names', async () => {
    const other = await IdentityApp.start({ loginFailuresPerUser: 0, loginFailuresPerSource: 3 });
    try {
      for (const name of ['a', 'b', 'c']) expect((await other.login(name, 'x')).status).toBe(401);
      const locked = await other.login('admin', 'adminpw');
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});
