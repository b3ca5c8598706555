import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type Errors = { errors: { status: number; code: string; detail: string }[] };

/** An operator's policy.yaml in force on a running zun-api, changed while it runs. */
describe("the operator's policy file (real API, real agent)", () => {
  let db: TestDatabase;
  let stack: TestStack;
  const dir = mkdtempSync(path.join(tmpdir(), 'zun-policy-'));
  const file = path.join(dir, 'policy.yaml');
  const rewrite = async (text: string) => {
    writeFileSync(file, text);
    // A new mtime, and past the once-a-second look at the files.
    utimesSync(file, new Date(), new Date(Date.now() + 2_000));
    await new Promise((r) => setTimeout(r, 1_100));
  };

  beforeAll(async () => {
    writeFileSync(file, '"container:start": "role:admin"\n"container:logs": "!"\n');
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi({ ZUN_OSLO_POLICY_POLICY_FILE: file });
    await stack.startAgent();
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('overrides rules for every verb, and a change applies without a restart', async () => {
    const created = await stack.call<{ uuid: string }>('POST', '/v1/containers', {
      body: { image: BUSYBOX, command: ['sleep', '300'], memory: 16 },
    });
    expect(created.status).toBe(202);
    const uuid = created.body.uuid;
    await stack.waitFor(uuid, (c) => c.status === 'Created' && c.task_state === null);

    const start = await stack.call<Errors>('POST', `/v1/containers/${uuid}/start`);
    expect(start.status).toBe(403);
    expect(start.body.errors[0].detail).toBe("Policy doesn't allow container:start to be performed.");
    const logs = await stack.call<Errors>('GET', `/v1/containers/${uuid}/logs`, { user: 'admin' });
    expect(logs.status).toBe(403); // "!" refuses admins too
    expect((await stack.call('POST', `/v1/containers/${uuid}/start`, { user: 'admin' })).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);

    await rewrite('"container:stop": "role:admin"\n');
    expect((await stack.call('GET', `/v1/containers/${uuid}/logs`)).status).toBe(200);
    const stop = await stack.call<Errors>('POST', `/v1/containers/${uuid}/stop`);
    expect(stop.status).toBe(403);

    // A broken edit leaves the rules in force.
    await rewrite('"container:stop": "role:admin or"\n');
    expect((await stack.call('POST', `/v1/containers/${uuid}/stop`)).status).toBe(403);

    // Who is an admin is a rule too.
    await rewrite('context_is_admin: "role:nobody-has-this"\n');
    const all = await stack.call<Errors>('GET', '/v1/containers?all_projects=1', { user: 'admin' });
    expect(all.status).toBe(403);
    await rewrite('');
    expect((await stack.call('GET', '/v1/containers?all_projects=1', { user: 'admin' })).status).toBe(200);
    await stack.call('DELETE', `/v1/containers/${uuid}?force=True`, { user: 'admin' });
  });
});
