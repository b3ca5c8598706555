import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig, ZunConfig } from '@zun/common';
import { createTestDatabase, TestDatabase } from '../../../../test/support/db';
import { bootstrapIdentity, BootstrapResult } from './bootstrap';
import { LocalAuthProvider } from './local-provider';
import { identityRouter } from './router';

const UNAUTHORIZED = {
  error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
};

function passwordAuth(user: object, password: string, scope?: object) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...user, password } } },
      ...(scope ? { scope } : {}),
    },
  };
}

describe('identity HTTP API (real PostgreSQL, real HTTP)', () => {
  let db: TestDatabase;
  let ids: BootstrapResult;
  let server: Server;
  let base: string;
  const config: ZunConfig = loadConfig({});
  config.identity.regionName = 'RegionTest';

  beforeAll(async () => {
    db = await createTestDatabase();
    ids = await bootstrapIdentity({ adminPassword: 'adminpw', demoPassword: 'demopw' });
    const app = express();
    app.use('/identity', identityRouter({ config, provider: new LocalAuthProvider({ config }) }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.drop();
  });

  const post = (body: unknown, path = '/identity/v3/auth/tokens') =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const login = async (user = 'demo', password = 'demopw'): Promise<string> => {
    const res = await post(passwordAuth({ name: user, domain: { name: 'Default' } }, password));
    expect(res.status).toBe(201);
    return res.headers.get('x-subject-token')!;
  };

  const tokenRequest = (method: string, authToken: string, subject?: string, query = '') =>
    fetch(`${base}/identity/v3/auth/tokens${query}`, {
      method,
      headers: { 'X-Auth-Token': authToken, ...(subject ? { 'X-Subject-Token': subject } : {}) },
    });

  describe('version documents', () => {
    const v3 = () => ({
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${base}/identity/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    });

    it.each(['/identity', '/identity/'])('lists versions at %s', async (path) => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(300);
      expect(await res.json()).toEqual({ versions: { values: [v3()] } });
    });

    it.each(['/identity/v3', '/identity/v3/'])('describes v3 at %s', async (path) => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ version: v3() });
    });
  });

  describe('POST /v3/auth/tokens', () => {
    it('issues a token scoped by project name and domain name', async () => {
      const res = await post(
        passwordAuth({ name: 'demo', domain: { name: 'Default' } }, 'demopw', {
          project: { name: 'demo', domain: { name: 'Default' } },
        }),
      );
      expect(res.status).toBe(201);
      expect(res.headers.get('x-subject-token')).toMatch(/^[0-9a-f]{64}$/);
      const { token } = await res.json();
      expect(token).toMatchObject({
        methods: ['password'],
        user: {
          id: ids.users.demo,
          name: 'demo',
          domain: { id: 'default', name: 'Default' },
          password_expires_at: null,
        },
        project: { id: ids.projects.demo, name: 'demo', domain: { id: 'default', name: 'Default' } },
        roles: [
          { id: ids.roles.member, name: 'member' },
          { id: ids.roles.reader, name: 'reader' },
        ],
        is_domain: false,
      });
      expect(token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(token.issued_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(Date.parse(token.expires_at) - Date.parse(token.issued_at)).toBe(
        config.identity.tokenExpiration * 1000,
      );
      expect(token.audit_ids).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
    });

    it('issues a token scoped by project id, for a user named by id', async () => {
      const res = await post(
        passwordAuth({ id: ids.users.admin }, 'adminpw', { project: { id: ids.projects.admin } }),
      );
      expect(res.status).toBe(201);
      const { token } = await res.json();
      expect(token.project.name).toBe('admin');
      expect(token.roles.map((r: { name: string }) => r.name)).toEqual(['admin', 'member', 'reader']);
    });

    it('publishes the service catalog', async () => {
      const { token } = await (
        await post(passwordAuth({ name: 'demo', domain: { id: 'default' } }, 'demopw'))
      ).json();
      const endpoints = (url: string) =>
        ['public', 'internal', 'admin'].map((iface) => ({
          id: expect.stringMatching(/^[0-9a-f]{32}$/),
          interface: iface,
          region: 'RegionTest',
          region_id: 'RegionTest',
          url,
        }));
      expect(token.catalog).toEqual([
        {
          type: 'identity',
          name: 'keystone',
          id: expect.any(String),
          endpoints: endpoints(`${base}/identity/v3`),
        },
        { type: 'container', name: 'zun', id: expect.any(String), endpoints: endpoints(`${base}/v1`) },
      ]);
    });

    it('leaves the catalog out for ?nocatalog', async () => {
      const body = passwordAuth({ name: 'demo', domain: { name: 'Default' } }, 'demopw');
      const { token } = await (await post(body, '/identity/v3/auth/tokens?nocatalog')).json();
      expect(token.catalog).toBeUndefined();
    });

    it('answers 401 in Keystone format for bad credentials or scope', async () => {
      for (const body of [
        passwordAuth({ name: 'demo', domain: { name: 'Default' } }, 'wrong'),
        passwordAuth({ name: 'ghost', domain: { name: 'Default' } }, 'demopw'),
        passwordAuth({ name: 'demo', domain: { name: 'Default' } }, 'demopw', {
          project: { id: ids.projects.admin },
        }),
        passwordAuth({ name: 'demo', domain: { name: 'Default' } }, 'demopw', { domain: { id: 'default' } }),
        { auth: { identity: { methods: ['totp'], totp: {} } } },
      ]) {
        const res = await post(body);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe(`Keystone uri="${base}/identity"`);
        const json = await res.json();
        expect(json.error).toMatchObject({ code: 401, title: 'Unauthorized' });
      }
      const res = await post(passwordAuth({ name: 'demo', domain: { name: 'Default' } }, 'wrong'));
      expect(await res.json()).toEqual(UNAUTHORIZED);
    });

    it('answers 400 in Keystone format for malformed bodies', async () => {
      for (const body of [
        '{"auth": ',
        {},
        { auth: { identity: { methods: ['password'] } } },
        {
          auth: { identity: { methods: ['password'], password: { user: { name: 'demo', password: 'x' } } } },
        },
        { auth: { identity: { methods: 'password' } } },
      ]) {
        const res = await post(body);
        expect(res.status).toBe(400);
        expect((await res.json()).error).toEqual({
          code: 400,
          title: 'Bad Request',
          message: expect.any(String),
        });
      }
    });

    it('re-scopes with the token method', async () => {
      const original = await login('admin', 'adminpw');
      const res = await post({
        auth: {
          identity: { methods: ['token'], token: { id: original } },
          scope: { project: { id: ids.projects.admin } },
        },
      });
      expect(res.status).toBe(201);
      const rescoped = res.headers.get('x-subject-token');
      expect(rescoped).not.toBe(original);
      expect((await res.json()).token.user.name).toBe('admin');
    });
  });

  describe('token validation and revocation', () => {
    it('validates a token with GET and HEAD', async () => {
      const caller = await login('admin', 'adminpw');
      const subject = await login();
      const res = await tokenRequest('GET', caller, subject);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-subject-token')).toBe(subject);
      const { token } = await res.json();
      expect(token.user.name).toBe('demo');
      expect(token.catalog).toHaveLength(2);

      const head = await tokenRequest('HEAD', caller, subject);
      expect(head.status).toBe(200);
      expect(head.headers.get('x-subject-token')).toBe(subject);
      expect(await head.text()).toBe('');

      // A token may validate itself (keystonemiddleware does not, but clients do).
      expect((await tokenRequest('GET', subject, subject, '?nocatalog')).status).toBe(200);
    });

    it('answers 404 for an unknown subject and 401 for an unknown caller', async () => {
      const caller = await login();
      const missing = await tokenRequest('GET', caller, 'bogus');
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        error: { code: 404, title: 'Not Found', message: 'Failed to validate token' },
      });
      expect((await tokenRequest('HEAD', caller, 'bogus')).status).toBe(404);

      const anonymous = await tokenRequest('GET', 'bogus', caller);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toEqual(UNAUTHORIZED);
      const noHeader = await fetch(`${base}/identity/v3/auth/tokens`, {
        headers: { 'X-Subject-Token': caller },
      });
      expect(noHeader.status).toBe(401);
    });

    it('revokes with DELETE, after which the token is 404 as a subject and 401 as a caller', async () => {
      const caller = await login();
      const subject = await login();
      expect((await tokenRequest('DELETE', caller, subject)).status).toBe(204);
      expect((await tokenRequest('GET', caller, subject)).status).toBe(404);
      expect((await tokenRequest('DELETE', caller, subject)).status).toBe(404);
      expect((await tokenRequest('GET', subject, caller)).status).toBe(401);
    });
  });

  describe('auth catalog and projects', () => {
    it('returns the catalog for a valid token', async () => {
      const res = await fetch(`${base}/identity/v3/auth/catalog`, {
        headers: { 'X-Auth-Token': await login() },
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.catalog.map((s: { type: string }) => s.type)).toEqual(['identity', 'container']);
      expect(body.links.self).toBe(`${base}/identity/v3/auth/catalog`);
    });

    it("returns the user's projects", async () => {
      const res = await fetch(`${base}/identity/v3/auth/projects`, {
        headers: { 'X-Auth-Token': await login() },
      });
      expect(res.status).toBe(200);
      expect((await res.json()).projects).toEqual([
        expect.objectContaining({ id: ids.projects.demo, name: 'demo', domain_id: 'default', enabled: true }),
      ]);
    });

    it('requires a token', async () => {
      for (const path of ['/identity/v3/auth/catalog', '/identity/v3/auth/projects']) {
        const res = await fetch(`${base}${path}`);
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual(UNAUTHORIZED);
      }
    });
  });

  it('answers unknown paths and methods in Keystone format', async () => {
    const missing = await fetch(`${base}/identity/v3/groups`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ code: 404, title: 'Not Found' });
    const wrongMethod = await fetch(`${base}/identity/v3/auth/tokens`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect((await wrongMethod.json()).error).toMatchObject({ code: 405, title: 'Method Not Allowed' });
  });

  it('uses [api] public_url and [identity] container_endpoint when configured', async () => {
    const custom: ZunConfig = {
      ...config,
      api: { ...config.api, publicUrl: 'https://zun.example.com/' },
      identity: { ...config.identity, containerEndpoint: 'https://containers.example.com/v1' },
    };
    const app = express();
    app.use(
      '/identity',
      identityRouter({ config: custom, provider: new LocalAuthProvider({ config: custom }) }),
    );
    const other = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => other.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/identity/v3/auth/tokens`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(passwordAuth({ name: 'demo', domain: { name: 'Default' } }, 'demopw')),
      });
      const { token } = await res.json();
      expect(token.catalog[0].endpoints[0].url).toBe('https://zun.example.com/identity/v3');
      expect(token.catalog[1].endpoints[0].url).toBe('https://containers.example.com/v1');
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
