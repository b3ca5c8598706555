import { AioStack, BUSYBOX } from '../../../test/support/aio-stack';
import { AuthRegistry } from '../../../test/support/auth-registry';
import { issueToken } from '../../../test/support/identity';

type View = Record<string, unknown>;

/**
 * Private registries through the real `zun` CLI against `npm start`'s stack: registry-create/
 * list/show/update/delete, and `zun run --registry` pulling from an htpasswd registry.
 */
describe('zun CLI: registries (all-in-one stack, registry with auth)', () => {
  const stack = new AioStack({
    host: 'e2e-registry',
    ports: {
      api: process.env.ZUN_E2E_API_PORT,
      agent: process.env.ZUN_E2E_AGENT_PORT,
      pg: process.env.ZUN_E2E_PG_PORT,
    },
  });
  const reg = new AuthRegistry();
  const zun = (...args: (string | { demo: boolean })[]) => stack.zun(...args);
  const showRegistry = async (ident: string): Promise<View> => {
    const r = await zun('registry-show', ident, '-f', 'json');
    expect(r.code).toBe(0);
    return (JSON.parse(r.out) as { registry: View }).registry;
  };

  beforeAll(async () => {
    await stack.removeContainers();
    await reg.start(stack.docker);
    await stack.start();
  }, 200_000);

  afterAll(async () => {
    await stack.destroy();
    await reg.forget(stack.docker);
    await reg.stop();
  });

  it('registry-create/list/show/update/delete; the password never comes back; projects are apart', async () => {
    const created = await zun(
      'registry-create',
      '--name',
      'cli-reg',
      '--domain',
      reg.domain,
      '--username',
      'someone',
      '--password',
      'first-secret',
    );
    expect(created.code).toBe(0);
    expect(created.out).toContain(reg.domain);
    expect(created.out).toContain('***');
    expect(created.out).not.toContain('first-secret');

    const list = await zun('registry-list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/cli-reg\s*\|\s*127\.0\.0\.1:\d+\s*\|\s*someone\s*\|\s*\*\*\*/);
    expect(list.out).not.toContain('first-secret');

    const shown = await showRegistry('cli-reg');
    expect(shown).toMatchObject({
      name: 'cli-reg',
      domain: reg.domain,
      username: 'someone',
      password: '***',
    });

    // The demo user's project sees none of it.
    expect((await zun('registry-list', { demo: true })).out).not.toContain('cli-reg');
    const demoShow = await zun('registry-show', 'cli-reg', { demo: true });
    expect(demoShow.code).not.toBe(0);
    expect(demoShow.err + demoShow.out).toContain('could not be found');
    expect((await zun('registry-delete', 'cli-reg', { demo: true })).out).toContain('failed');

    const updated = await zun(
      'registry-update',
      'cli-reg',
      '--username',
      reg.username,
      '--password',
      reg.password,
    );
    expect(updated.code).toBe(0);
    expect(updated.out).not.toContain(reg.password);
    expect(await showRegistry(String(shown.uuid))).toMatchObject({ username: reg.username, password: '***' });

    expect((await zun('registry-list', '--all-projects', { demo: true })).code).not.toBe(0);
    expect((await zun('registry-list', '--all-projects')).out).toContain('cli-reg');
  });

  it('zun run --registry pulls with the credentials (domain put in front of the image)', async () => {
    await reg.forget(stack.docker);
    const r = await zun(
      'run',
      '--registry',
      'cli-reg',
      '--name',
      'from-private',
      reg.repository,
      'echo',
      'private-hello',
    );
    expect(r.code).toBe(0);
    const v = await stack.waitStatus('from-private', 'Stopped', 60_000);
    expect(v.registry_id).toBe((await showRegistry('cli-reg')).uuid);
    expect((await stack.engine('from-private')).Config.Image).toBe(`${reg.image}:latest`);
    expect((await zun('logs', 'from-private')).out).toContain('private-hello');
  });

  it('a wrong password ends in Error with a readable reason', async () => {
    expect((await zun('registry-update', 'cli-reg', '--password', 'wrong-one')).code).toBe(0);
    await reg.forget(stack.docker);
    expect((await zun('run', '--registry', 'cli-reg', '--name', 'bad-pw', reg.repository, 'true')).code).toBe(
      0,
    );
    const v = await stack.waitStatus('bad-pw', 'Error', 60_000);
    expect(String(v.status_reason)).toContain("check the registry's username and password");
    expect(String(v.status_reason)).not.toContain('wrong-one');
    expect(await stack.ours()).toHaveLength(1); // only from-private
  });

  it('registry-delete', async () => {
    const d = await zun('registry-delete', 'cli-reg');
    expect(d.out).toContain('Request to delete registry cli-reg has been accepted.');
    expect((await zun('registry-show', 'cli-reg')).code).not.toBe(0);
  });

  it('quotas through the CLI: quota-update/get/defaults/delete, quota-class-update/get; a member is held to it', async () => {
    const project = String(stack.demoEnv.OS_PROJECT_NAME);
    const token = await issueToken(
      String(stack.env.OS_AUTH_URL).replace(/\/identity\/v3\/?$/, ''),
      'demo',
      String(stack.demoEnv.OS_PASSWORD),
      project,
    );
    const projects = (await (
      await fetch(`${String(stack.env.OS_AUTH_URL).replace(/\/v3\/?$/, '')}/v3/auth/projects`, {
        headers: { 'x-auth-token': token },
      })
    ).json()) as { projects: { id: string; name: string }[] };
    const demo = projects.projects.find((p) => p.name === project)!.id;

    const updated = await zun('quota-update', '--containers', '2', '--memory', '512', demo);
    expect(updated.code).toBe(0);
    expect(updated.out).toMatch(/containers\s*\|\s*2\b/);
    expect((await zun('quota-get', demo, { demo: true })).out).toMatch(/memory\s*\|\s*512\b/);
    const usages = await zun('quota-get', '--usages', demo);
    expect(usages.out).toMatch(/containers\s*\|\s*2\s*\|\s*0\s*\|/);
    expect((await zun('quota-defaults', demo)).out).toMatch(/containers\s*\|\s*40\b/);
    // A member may read its quotas, not change them.
    expect((await zun('quota-update', '--containers', '99', demo, { demo: true })).code).not.toBe(0);

    for (const n of [1, 2])
      expect(
        (await zun('create', '--memory', '16', '--name', `q-${n}`, BUSYBOX, 'sleep', '300', { demo: true }))
          .code,
      ).toBe(0);
    const over = await zun('create', '--memory', '16', '--name', 'q-3', BUSYBOX, 'sleep', '300', {
      demo: true,
    });
    expect(over.code).not.toBe(0);
    expect(over.err + over.out).toMatch(
      /Quota exceeded for resources: containers \(limit 2, in use 2, requested 1\)/,
    );

    expect((await zun('quota-delete', demo)).code).toBe(0);
    expect((await zun('quota-get', demo)).out).toMatch(/containers\s*\|\s*40\b/);
    const cls = await zun('quota-class-update', '--cpu', '12', 'default');
    expect(cls.code).toBe(0);
    expect((await zun('quota-class-get', 'default')).out).toMatch(/cpu\s*\|\s*12\b/);
    expect((await zun('quota-get', demo)).out).toMatch(/cpu\s*\|\s*12\b/);
    expect((await zun('quota-class-update', '--cpu', '20', 'default')).code).toBe(0);
    for (const n of [1, 2]) await zun('delete', '--force', `q-${n}`, { demo: true });
  });
});
