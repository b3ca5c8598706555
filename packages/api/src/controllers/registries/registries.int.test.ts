import { QueryTypes } from 'sequelize';
import { SecretBox } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type Err = { errors: { status: number; code: string; detail: string }[] };

/** /v1/registries against zun-api and real PostgreSQL (pulls are in pull.int.test.ts). */
describe('registries API (real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const stored = async (uuid: string): Promise<{ password: string | null }> =>
    (
      await db.sequelize.query<{ password: string | null }>(
        `SELECT password FROM registries WHERE uuid = '${uuid}'`,
        { type: QueryTypes.SELECT },
      )
    )[0];
  const count = async (sql: string): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT }))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('creates (201, Location), never returns the password and stores it sealed', async () => {
    const r = await stack.call<{ registry: View }>('POST', '/v1/registries', {
      body: { registry: { name: 'reg1', domain: 'reg.example:5000', username: 'u1', password: 'hunter2' } },
    });
    expect(r.status).toBe(201);
    const uuid = String(r.body.registry.uuid);
    expect(r.headers.get('location')).toBe(`${stack.api.url}/v1/registries/${uuid}`);
    expect(r.body.registry).toEqual({
      uuid,
      links: [
        { href: `${stack.api.url}/v1/registries/${uuid}`, rel: 'self' },
        { href: `${stack.api.url}/registries/${uuid}`, rel: 'bookmark' },
      ],
      name: 'reg1',
      domain: 'reg.example:5000',
      username: 'u1',
      password: '***',
      project_id: expect.any(String),
      user_id: expect.any(String),
    });
    const sealed = (await stored(uuid)).password ?? '';
    expect(sealed).not.toContain('hunter2');
    expect(new SecretBox(stack.authEncryptionKey).decrypt(sealed)).toBe('hunter2');

    const anon = await stack.call<{ registry: View }>('POST', '/v1/registries', {
      body: { registry: { domain: 'open.example' } },
    });
    expect(anon.status).toBe(201);
    expect(anon.body.registry).toMatchObject({ name: null, username: null, password: '***' });
    expect((await stored(String(anon.body.registry.uuid))).password).toBeNull();

    const shown = await stack.call<{ registry: View }>('GET', '/v1/registries/reg1');
    expect(shown.status).toBe(200);
    expect(shown.body.registry).toMatchObject({ uuid, password: '***' });
    expect(JSON.stringify(shown.body)).not.toContain('hunter2');
  });

  it.each([
    [{ registry: { name: 'x1' } }, "'domain' is a required property"],
    [{ registry: { domain: 'd', extra: 1 } }, "'extra' was unexpected"],
    [{ registry: { domain: 'd' }, other: 1 }, "'other' was unexpected"],
    [{ domain: 'd' }, "'registry' is a required property"],
    [{ registry: { domain: '' } }, 'field/attribute domain'],
    [{ registry: { domain: 'd', name: '-bad' } }, 'field/attribute name'],
    [{ registry: { domain: 'd', password: 5 } }, 'field/attribute password'],
    [{ registry: 'd' }, 'registry'],
  ])('refuses a bad body %j with 400 and records nothing', async (body, detail) => {
    const before = await count('SELECT COUNT(*) AS n FROM registries');
    const r = await stack.call<Err>('POST', '/v1/registries', { body });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].status).toBe(400);
    expect(r.body.errors[0].detail).toContain(detail);
    expect(await count('SELECT COUNT(*) AS n FROM registries')).toBe(before);
  });

  it('refuses a create without a JSON content type (415)', async () => {
    const res = await fetch(`${stack.api.url}/v1/registries`, {
      method: 'POST',
      headers: { 'X-Auth-Token': await stack.token('demo'), 'Content-Type': 'text/plain' },
      body: '{"registry": {"domain": "d"}}',
    });
    expect(res.status).toBe(415);
  });

  it('updates fields and re-seals a new password; validates the patch', async () => {
    const c = await stack.call<{ registry: View }>('POST', '/v1/registries', {
      body: { registry: { name: 'upd', domain: 'a.example', username: 'old', password: 'p1' } },
    });
    const uuid = String(c.body.registry.uuid);
    const u = await stack.call<{ registry: View }>('PATCH', '/v1/registries/upd', {
      body: { registry: { name: 'upd2', username: 'new', password: 'p2' } },
    });
    expect(u.status).toBe(200);
    expect(u.body.registry).toMatchObject({ uuid, name: 'upd2', username: 'new', password: '***' });
    expect(new SecretBox(stack.authEncryptionKey).decrypt((await stored(uuid)).password ?? '')).toBe('p2');
    const bad = await stack.call<Err>('PATCH', `/v1/registries/${uuid}`, {
      body: { registry: { uuid: 'x' } },
    });
    expect(bad.status).toBe(400);
    const missing = await stack.call<Err>('PATCH', '/v1/registries/nope', {
      body: { registry: { name: 'zz' } },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].code).toBe('container.registry-not-found');

    // The stored password follows its domain: moving the domain needs the password again.
    const moved = await stack.call<Err>('PATCH', `/v1/registries/${uuid}`, {
      body: { registry: { domain: 'collector.example' } },
    });
    expect(moved.status).toBe(400);
    expect(moved.body.errors[0].detail).toContain('requires the password');
    expect((await stack.call<{ registry: View }>('GET', `/v1/registries/${uuid}`)).body.registry.domain).toBe(
      'a.example',
    );
    const same = await stack.call('PATCH', `/v1/registries/${uuid}`, {
      body: { registry: { domain: 'a.example/' } },
    });
    expect(same.status).toBe(200);
    const withPassword = await stack.call<{ registry: View }>('PATCH', `/v1/registries/${uuid}`, {
      body: { registry: { domain: 'b.example', password: 'p3' } },
    });
    expect(withPassword.status).toBe(200);
    expect(withPassword.body.registry.domain).toBe('b.example');
  });

  it("container create and rebuild refuse an image on another host than the registry's domain", async () => {
    await stack.call('POST', '/v1/registries', {
      body: { registry: { name: 'hostreg', domain: 'Reg.Example:5000', username: 'u', password: 'p' } },
    });
    const rows = await count('SELECT count(*) AS n FROM containers');
    const foreign = await stack.call<Err>('POST', '/v1/containers', {
      body: { image: 'collector.example/busybox', registry: 'hostreg' },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0].detail).toContain('collector.example');
    expect(await count('SELECT count(*) AS n FROM containers')).toBe(rows);

    // Its own host (any case, as Docker compares it) and host-less names are fine.
    for (const image of ['reg.example:5000/busybox', 'busybox']) {
      const ok = await stack.call<View>('POST', '/v1/containers', { body: { image, registry: 'hostreg' } });
      expect([image, ok.status]).toEqual([image, 202]);
    }
    const c = await stack.call<View>('POST', '/v1/containers', {
      body: { image: 'busybox', registry: 'hostreg' },
    });
    await db.sequelize.query(
      `UPDATE containers SET status = 'Stopped' WHERE uuid = '${String(c.body.uuid)}'`,
    );
    const rebuild = await stack.call<Err>(
      'POST',
      `/v1/containers/${String(c.body.uuid)}/rebuild?image=${encodeURIComponent('collector.example/x')}`,
    );
    expect(rebuild.status).toBe(400);
    expect(await count("SELECT count(*) AS n FROM containers WHERE image = 'collector.example/x'")).toBe(0);
  });

  it('lists with filters, sorting, paging; all_projects is admin-only; unknown keys are 400', async () => {
    for (const n of ['pa', 'pb', 'pc'])
      await stack.call('POST', '/v1/registries', { body: { registry: { name: n, domain: 'page.example' } } });
    const all = await stack.call<{ registries: View[]; next: string | null }>(
      'GET',
      '/v1/registries?domain=page.example&sort_key=name&sort_dir=desc',
    );
    expect(all.status).toBe(200);
    expect(all.body.registries.map((x) => x.name)).toEqual(['pc', 'pb', 'pa']);
    expect(all.body.registries[0]).not.toHaveProperty('links');
    expect(all.body.registries[0].password).toBe('***');
    expect(all.body.next).toBeNull();

    const p1 = await stack.call<{ registries: View[]; next: string }>(
      'GET',
      '/v1/registries?domain=page.example&limit=2',
    );
    expect(p1.body.registries.map((x) => x.name)).toEqual(['pa', 'pb']);
    const p2 = await stack.call<{ registries: View[]; next: string | null }>(
      'GET',
      p1.body.next.replace(stack.api.url, ''),
    );
    expect(p2.body.registries.map((x) => x.name)).toEqual(['pc']);

    expect((await stack.call('GET', '/v1/registries?all_projects=1')).status).toBe(403);
    expect((await stack.call('GET', '/v1/registries?all_projects=1', { user: 'admin' })).status).toBe(200);
    expect((await stack.call('GET', '/v1/registries?bogus=1')).status).toBe(400);
    expect((await stack.call('GET', '/v1/registries?sort_key=password')).status).toBe(400);
    expect((await stack.call('GET', '/v1/registries?limit=0')).status).toBe(400);
  });

  it("keeps projects apart: another project's registry is invisible to show/update/delete/list and create", async () => {
    const a = await stack.call<{ registry: View }>('POST', '/v1/registries', {
      user: 'admin',
      body: { registry: { name: 'adminreg', domain: 'adm.example', username: 'a', password: 'secret-a' } },
    });
    expect(a.status).toBe(201);
    const uuid = String(a.body.registry.uuid);
    for (const ident of [uuid, 'adminreg']) {
      const show = await stack.call<Err>('GET', `/v1/registries/${ident}`);
      expect(show.status).toBe(404);
      expect(show.body.errors[0].code).toBe('container.registry-not-found');
      expect(
        (await stack.call('PATCH', `/v1/registries/${ident}`, { body: { registry: { name: 'x2' } } })).status,
      ).toBe(404);
      expect((await stack.call('DELETE', `/v1/registries/${ident}`)).status).toBe(404);
    }
    // The unfiltered list (project ids are generated, so a `project_id=admin` filter matched nothing).
    const own = await stack.call<{ registry: View }>('POST', '/v1/registries', {
      body: { registry: { name: 'demoreg', domain: 'demo.example' } },
    });
    const demoList = await stack.call<{ registries: View[] }>('GET', '/v1/registries');
    expect(demoList.status).toBe(200);
    expect(demoList.body.registries.map((x) => x.uuid)).toContain(own.body.registry.uuid);
    expect(demoList.body.registries.map((x) => x.uuid)).not.toContain(uuid);
    // A project_id filter never widens a non-admin's view.
    const demoFiltered = await stack.call<{ registries: View[] }>(
      'GET',
      `/v1/registries?project_id=${String(a.body.registry.project_id)}`,
    );
    expect(demoFiltered.body.registries).toEqual([]);
    // Admins see every project.
    expect((await stack.call('GET', `/v1/registries/${uuid}`, { user: 'admin' })).status).toBe(200);

    const before = await count('SELECT COUNT(*) AS n FROM containers');
    const c = await stack.call<Err>('POST', '/v1/containers', {
      body: { image: BUSYBOX, registry: 'adminreg', command: ['true'] },
    });
    expect(c.status).toBe(404);
    expect(c.body.errors[0].code).toBe('container.registry-not-found');
    expect(await count('SELECT COUNT(*) AS n FROM containers')).toBe(before);
  });

  it("an admin's container uses only the admin project's registries, by name or uuid", async () => {
    const make = async (user: 'admin' | 'demo'): Promise<string> => {
      const r = await stack.call<{ registry: View }>('POST', '/v1/registries', {
        user,
        body: { registry: { name: 'samename', domain: `${user}.example` } },
      });
      expect(r.status).toBe(201);
      return String(r.body.registry.uuid);
    };
    const adminReg = await make('admin');
    const demoReg = await make('demo');
    const before = await count('SELECT COUNT(*) AS n FROM containers');
    // The demo project's registry, named by uuid: as missing for the admin's container.
    const other = await stack.call<Err>('POST', '/v1/containers', {
      user: 'admin',
      body: { image: 'busybox', registry: demoReg, command: ['true'] },
    });
    expect(other.status).toBe(404);
    expect(other.body.errors[0].code).toBe('container.registry-not-found');
    expect(await count('SELECT COUNT(*) AS n FROM containers')).toBe(before);
    // A name both projects use is the admin project's, not ambiguous.
    const own = await stack.call<View>('POST', '/v1/containers', {
      user: 'admin',
      body: { image: 'busybox', registry: 'samename', command: ['true'] },
    });
    expect(own.status).toBe(202);
    expect(own.body.registry_id).toBe(adminReg);
  });

  it('container create: registry is refused below 1.31 and must exist', async () => {
    await stack.call('POST', '/v1/registries', { body: { registry: { name: 'vreg', domain: 'v.example' } } });
    const old = await stack.call<Err>('POST', '/v1/containers', {
      version: '1.30',
      body: { image: BUSYBOX, registry: 'vreg' },
    });
    expect(old.status).toBe(400);
    expect(old.body.errors[0].detail).toContain('1.31');
    const missing = await stack.call<Err>('POST', '/v1/containers', {
      body: { image: BUSYBOX, registry: 'no-such-reg' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].code).toBe('container.registry-not-found');
  });

  it('deletes (204); then it is gone', async () => {
    const c = await stack.call<{ registry: View }>('POST', '/v1/registries', {
      body: { registry: { name: 'gone', domain: 'g.example' } },
    });
    expect(c.status).toBe(201);
    const d = await stack.call('DELETE', '/v1/registries/gone');
    expect(d.status).toBe(204);
    expect((await stack.call('GET', `/v1/registries/${String(c.body.registry.uuid)}`)).status).toBe(404);
  });
});
