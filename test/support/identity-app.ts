import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig, type ZunConfig } from '@zun/common';
import { bootstrapIdentity, type BootstrapResult } from '../../packages/api/src/identity/bootstrap';
import { LocalAuthProvider } from '../../packages/api/src/identity/local-provider';
import { identityRouter } from '../../packages/api/src/identity/router';
import { createTestDatabase, type TestDatabase } from './db';

export interface IdentityResponse {
  status: number;
  headers: Headers;
  // Keystone bodies are dynamic JSON; tests assert on their shape.
  body: Record<string, unknown> & { error?: { code: number; title: string; message: string } };
}

/**
 * The built-in identity service alone (its router on a real HTTP server, a fresh database in the
 * test run's real PostgreSQL), with users admin/adminpw and demo/demopw.
 */
export class IdentityApp {
  base = '';
  ids!: BootstrapResult;
  provider!: LocalAuthProvider;
  private db!: TestDatabase;
  private server!: Server;

  static async start(identity: Partial<ZunConfig['identity']> = {}): Promise<IdentityApp> {
    const app = new IdentityApp();
    app.db = await createTestDatabase();
    app.ids = await bootstrapIdentity({ adminPassword: 'adminpw', demoPassword: 'demopw' });
    const config = loadConfig({});
    config.identity = { ...config.identity, ...identity };
    app.provider = new LocalAuthProvider({ config });
    const http = express();
    http.use('/identity', identityRouter({ config, provider: app.provider }));
    app.server = http.listen(0, '127.0.0.1');
    await new Promise((resolve) => app.server.once('listening', resolve));
    app.base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return app;
  }

  get sequelize() {
    return this.db.sequelize;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
    await this.db.drop();
  }

  /** A request under /identity/v3; `token` becomes X-Auth-Token. */
  async call(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<IdentityResponse> {
    const res = await fetch(`${this.base}/identity/v3${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(opts.token ? { 'X-Auth-Token': opts.token } : {}),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
  }

  /** POST /v3/auth/tokens with a password, scoped to `project` (default: the user's default project). */
  login(user: string, password: string, project?: string): Promise<IdentityResponse> {
    return this.call('POST', '/auth/tokens', {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { id: 'default' }, password } },
          },
          ...(project ? { scope: { project: { name: project, domain: { id: 'default' } } } } : {}),
        },
      },
    });
  }

  /** A token for the user, failing the test when the login is refused. */
  async token(user: string, password: string, project?: string): Promise<string> {
    const res = await this.login(user, password, project);
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) throw new Error(`login of ${user} answered ${res.status}`);
    return token;
  }
}
