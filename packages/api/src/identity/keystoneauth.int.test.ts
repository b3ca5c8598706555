import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import express from 'express';
import { loadConfig } from '@zun/common';
import { createTestDatabase, TestDatabase } from '../../../../test/support/db';
import { bootstrapIdentity, BootstrapResult } from './bootstrap';
import { LocalAuthProvider } from './local-provider';
import { identityRouter } from './router';

// Debian's interpreter, which has python3-keystoneauth1 (the auth stack of the zun CLI); the
// python3 on PATH may be another installation without it.
const PYTHON = '/usr/bin/python3';

// What `zun` does on every command: the generic "password" plugin against OS_AUTH_URL, then an
// endpoint lookup in the catalog for service type "container".
const SCRIPT = `
import json, sys
from keystoneauth1 import loading, session
auth_url, username, password, project = sys.argv[1:5]
auth = loading.get_plugin_loader('password').load_from_options(
    auth_url=auth_url, username=username, password=password, project_name=project,
    user_domain_name='Default', project_domain_name='Default')
sess = session.Session(auth=auth)
print(json.dumps({
    'token': sess.get_token(),
    'endpoint': sess.get_endpoint(service_type='container', interface='public'),
    'user_id': sess.get_user_id(),
    'project_id': sess.get_project_id(),
}))
`;

const run = promisify(execFile);

describe('real keystoneauth1 against the built-in identity service', () => {
  let db: TestDatabase;
  let ids: BootstrapResult;
  let server: Server;
  let base: string;
  const config = loadConfig({});

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

  // Asynchronous on purpose: a synchronous child process would block the server it talks to.
  const keystoneauth = async (
    username: string,
    password: string,
    project: string,
    authPath = '/identity/v3',
  ) => {
    const { stdout } = await run(PYTHON, ['-c', SCRIPT, `${base}${authPath}`, username, password, project], {
      timeout: 60_000,
    });
    return JSON.parse(stdout) as { token: string; endpoint: string; user_id: string; project_id: string };
  };

  it('logs in, finds the container endpoint, and gets a token that validates', async () => {
    const out = await keystoneauth('demo', 'demopw', 'demo');
    expect(out.endpoint).toBe(`${base}/v1`);
    expect(out.user_id).toBe(ids.users.demo);
    expect(out.project_id).toBe(ids.projects.demo);

    const res = await fetch(`${base}/identity/v3/auth/tokens`, {
      headers: { 'X-Auth-Token': out.token, 'X-Subject-Token': out.token },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).token.project.id).toBe(ids.projects.demo);
  });

  it('discovers v3 from the unversioned URL', async () => {
    const out = await keystoneauth('admin', 'adminpw', 'admin', '/identity');
    expect(out.endpoint).toBe(`${base}/v1`);
    expect(out.project_id).toBe(ids.projects.admin);
  });

  it('reports a wrong password as keystoneauth Unauthorized', async () => {
    await expect(keystoneauth('demo', 'wrong', 'demo')).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /Unauthorized: The request you have made requires authentication\. \(HTTP 401\)/,
      ),
    });
  });
});
