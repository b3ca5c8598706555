import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type ListBody = { containers: View[]; next: string | null };
type ErrorBody = { errors: { code: string; title: string }[] };

/**
 * `zun list` / show / delete as python-zunclient 4.5.0 sends them (filters as query params,
 * `all_projects=1`, Python booleans on delete), against containers really created by an agent.
 */
describe('container list, filters, paging and cross-project lookups', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const uuids: Record<string, string> = {};

  /** Follows `next` links the way the client does (path and query only) and returns the names. */
  async function follow(url: string, user: 'admin' | 'demo'): Promise<{ names: string[]; pages: number }> {
    const names: string[] = [];
    let pages = 0;
    let next: string | null = url;
    while (next && pages < 20) {
      const r: { status: number; body: ListBody } = await stack.call<ListBody>('GET', next, { user });
      expect(r.status).toBe(200);
      names.push(...r.body.containers.map((c) => String(c.name)));
      pages += 1;
      next = r.body.next ? new URL(r.body.next).pathname + new URL(r.body.next).search : null;
    }
    return { names, pages };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    const specs: [string, 'admin' | 'demo', View][] = [
      ['twin', 'admin', {}],
      ['twin', 'demo', {}],
      ['alpha', 'demo', { memory: '64' }],
      ['beta', 'demo', { memory: '128', auto_remove: true }],
      ['gamma', 'demo', { memory: '64' }],
    ];
    for (const [name, user, extra] of specs) {
      const r = await stack.call<View>('POST', '/v1/containers', {
        user,
        body: { image: BUSYBOX, name, command: ['sleep', '60'], ...extra },
      });
      expect(r.status).toBe(202);
      uuids[`${user}:${name}`] = String(r.body.uuid);
    }
    for (const uuid of Object.values(uuids)) await stack.waitFor(uuid, (c) => c.status === 'Created');
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('lists only the caller project, and every filter the CLI offers narrows it', async () => {
    const names = async (qs: string, user: 'admin' | 'demo' = 'demo') => {
      const r = await stack.call<ListBody>('GET', `/v1/containers${qs}`, { user });
      expect([qs, r.status]).toEqual([qs, 200]);
      return r.body.containers.map((c) => String(c.name)).sort();
    };
    expect(await names('')).toEqual(['alpha', 'beta', 'gamma', 'twin']);
    expect(await names('', 'admin')).toEqual(['twin']);
    expect(await names('?name=alpha')).toEqual(['alpha']);
    expect(await names(`?image=${encodeURIComponent(BUSYBOX)}`)).toHaveLength(4);
    expect(await names('?image=other')).toEqual([]);
    expect(await names('?memory=64')).toEqual(['alpha', 'gamma']);
    expect(await names('?auto_remove=True')).toEqual(['beta']);
    expect(await names('?auto_remove=false')).toEqual(['alpha', 'gamma', 'twin']);
    expect(await names('?status=Created')).toHaveLength(4);
    expect(await names('?status=Running')).toEqual([]);
    expect(await names('?task_state=container_creating')).toEqual([]);
    const demo = (await stack.call<View>('GET', `/v1/containers/${uuids['demo:alpha']}`)).body;
    expect(await names(`?user_id=${String(demo.user_id)}`)).toHaveLength(4);
    expect(await names(`?project_id=${String(demo.project_id)}`)).toHaveLength(4);
    const admin = (await stack.call<View>('GET', `/v1/containers/${uuids['admin:twin']}`, { user: 'admin' }))
      .body;
    // A project_id filter never widens a non-admin's scope.
    expect(await names(`?project_id=${String(admin.project_id)}`)).toEqual([]);
    expect(await names(`?all_projects=1&project_id=${String(demo.project_id)}`, 'admin')).toHaveLength(4);
    expect(await names(`?all_projects=1&host=${stack.host}`, 'admin')).toHaveLength(5);
    expect(await names(`?all_projects=1&host=elsewhere`, 'admin')).toEqual([]);
    expect(await names('?all_projects=1&name=twin', 'admin')).toEqual(['twin', 'twin']);

    const hostFilter = await stack.call<ErrorBody>('GET', `/v1/containers?host=${stack.host}`);
    expect(hostFilter.status).toBe(403);
    const allForDemo = await stack.call<ErrorBody>('GET', '/v1/containers?all_projects=1');
    expect(allForDemo.status).toBe(403);
    expect(allForDemo.body.errors[0].code).toBe('container.policy-not-authorized');
  });

  it('pages with limit and marker, in either direction, across projects for admins, NULL keys included', async () => {
    const asc = await follow('/v1/containers?limit=1&sort_key=name&sort_dir=asc', 'demo');
    expect(asc.names).toEqual(['alpha', 'beta', 'gamma', 'twin']);
    expect(asc.pages).toBe(5); // the last full page still links to an empty one, as upstream
    const desc = await follow('/v1/containers?limit=3&sort_key=name&sort_dir=desc', 'demo');
    expect(desc.names).toEqual(['twin', 'gamma', 'beta', 'alpha']);
    const byMemory = await follow('/v1/containers?limit=2&sort_key=memory', 'demo');
    // memory is stored as a string of MiB (as upstream), so it sorts as text; ties go by id.
    expect(byMemory.names).toEqual(['beta', 'twin', 'alpha', 'gamma']);
    // workdir is NULL everywhere: the id breaks the tie, nothing is skipped or repeated.
    for (const dir of ['asc', 'desc']) {
      const nulls = await follow(`/v1/containers?limit=1&sort_key=workdir&sort_dir=${dir}`, 'demo');
      expect(nulls.names.sort()).toEqual(['alpha', 'beta', 'gamma', 'twin']);
    }
    const all = await follow('/v1/containers?all_projects=1&limit=2&sort_key=name', 'admin');
    expect(all.names).toEqual(['alpha', 'beta', 'gamma', 'twin', 'twin']);
    for (const key of ['started_at', 'status_detail', 'tty', 'host', 'updated_at']) {
      const sorted = await follow(`/v1/containers?limit=3&sort_key=${key}&sort_dir=desc`, 'demo');
      expect([key, sorted.names.sort()]).toEqual([key, ['alpha', 'beta', 'gamma', 'twin']]);
    }
    // A marker from another project is not the demo user's to use.
    const foreign = await stack.call('GET', `/v1/containers?marker=${uuids['admin:twin']}`);
    expect(foreign.status).toBe(404);
  });

  it('narrows each row to the fields asked for, on every page, admin-only fields still hidden', async () => {
    const pages: View[][] = [];
    let next: string | null = '/v1/containers?limit=3&sort_key=name&fields=name,status,host';
    while (next) {
      const r: { status: number; body: ListBody } = await stack.call<ListBody>('GET', next);
      expect(r.status).toBe(200);
      pages.push(r.body.containers);
      next = r.body.next ? new URL(r.body.next).pathname + new URL(r.body.next).search : null;
    }
    const rows = pages.flat();
    expect(rows.map((c) => c.name)).toEqual(['alpha', 'beta', 'gamma', 'twin']);
    // uuid always comes (a row is nothing without it); host is for admins only.
    for (const c of rows) expect(Object.keys(c).sort()).toEqual(['name', 'status', 'uuid']);
    expect(rows[0].uuid).toBe(uuids['demo:alpha']);
    const admin = await stack.call<ListBody>('GET', '/v1/containers?fields=host,memory', { user: 'admin' });
    expect(admin.body.containers).toEqual([
      { uuid: uuids['admin:twin'], host: expect.any(String), memory: expect.anything() },
    ]);
  });

  it.each([
    ['?sort_key=bogus', 'container.invalid-parameter-value'],
    ['?sort_key=name;drop', 'container.invalid-parameter-value'],
    ['?sort_dir=sideways', 'container.invalid-value'],
    ['?limit=0', 'container.invalid-value'],
    ['?limit=abc', 'container.invalid-value'],
    ['?bogus=1', 'container.schema-validation-error'],
    ['?auto_remove=maybe', 'container.schema-validation-error'],
    ['?fields=name,bogus', 'container.invalid-parameter-value'],
    ['?fields=', 'container.invalid-parameter-value'],
    ['?fields=id', 'container.invalid-parameter-value'],
  ])('refuses %s with a 400', async (qs, code) => {
    const r = await stack.call<ErrorBody>('GET', `/v1/containers${qs}`);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe(code);
  });

  it('lets admins show and delete by name across projects; ambiguous names are a 409', async () => {
    expect((await stack.call('GET', '/v1/containers/alpha', { user: 'admin' })).status).toBe(200);
    expect(
      (await stack.call('GET', '/v1/containers/alpha?all_projects=True', { user: 'admin' })).status,
    ).toBe(200);
    expect((await stack.call('GET', '/v1/containers/alpha?all_projects=True')).status).toBe(403);
    expect((await stack.call('GET', '/v1/containers/twin')).status).toBe(200);
    const ambiguous = await stack.call<ErrorBody>('GET', '/v1/containers/twin', { user: 'admin' });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.errors[0].title).toContain('uuid');
    // Demo cannot see the admin's containers at all.
    expect((await stack.call('GET', `/v1/containers/${uuids['admin:twin']}`)).status).toBe(404);

    const del = await stack.call('DELETE', '/v1/containers/gamma?force=False&stop=False&all_projects=True', {
      user: 'admin',
    });
    expect(del.status).toBe(204);
    await stack.waitFor(uuids['demo:gamma'], (c) => c.gone === true);
    expect((await stack.call('DELETE', '/v1/containers/beta?all_projects=True')).status).toBe(403);
  });
});
