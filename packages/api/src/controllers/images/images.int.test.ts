import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AuthRegistry } from '../../../../../test/support/auth-registry';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, REGISTRY, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type ErrorBody = { errors: { status: number; code: string; title: string }[] };

const docker = (...args: string[]): string =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const engineHas = (ref: string): boolean => {
  try {
    docker('image', 'inspect', ref);
    return true;
  } catch {
    return false;
  }
};

/**
 * /v1/images through zun-api and a real zun-compute on the real engine, with the local
 * registry as `[docker] default_registry`. Every image pulled here has a name of its own
 * (pushed by the test), so removing it never touches what other tests use.
 */
describe('/v1/images (real agent, engine and registry)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const reg = new AuthRegistry();
  const suffix = randomBytes(4).toString('hex');
  const pushed: string[] = [];

  /**
   * Pushes an image of its own (busybox with a label, so no other name shares its id) to the
   * default registry as `name:tag` and forgets it locally.
   */
  function pushCopy(name: string, tag = 'latest'): string {
    const ref = `${REGISTRY}/${name}:${tag}`;
    docker('pull', `${BUSYBOX}:latest`);
    execFileSync('docker', ['build', '-q', '-t', ref, '-'], {
      input: `FROM ${BUSYBOX}:latest\nLABEL org.openstack.zun.test=${name}-${tag}\n`,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    docker('push', ref);
    docker('rmi', ref);
    pushed.push(ref);
    return ref;
  }

  async function pull(repo: string): Promise<View> {
    const r = await stack.call<View>('POST', '/v1/images/', {
      user: 'admin',
      body: { repo, host: stack.host },
    });
    expect(r.status).toBe(202);
    return r.body;
  }

  async function waitImage(uuid: string, until: (v: View) => boolean, timeoutMs = 60_000): Promise<View> {
    const deadline = Date.now() + timeoutMs;
    let last: View = {};
    while (Date.now() < deadline) {
      last = (await stack.call<View>('GET', `/v1/images/${uuid}`, { user: 'admin' })).body;
      if (until(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`image ${uuid} did not settle: ${JSON.stringify(last)}`);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await reg.start(stack.docker);
    await stack.startApi({ ZUN_DOCKER_DEFAULT_REGISTRY: REGISTRY });
    await stack.startAgent({ ZUN_DOCKER_DEFAULT_REGISTRY: REGISTRY });
  });
  afterAll(async () => {
    await stack?.stop();
    await reg.stop();
    await db?.drop();
    for (const ref of pushed) {
      try {
        docker('rmi', '-f', ref);
      } catch {
        // already gone
      }
    }
  });

  it('pull records the image on the host, follows the engine (image_id, size) and is listed and shown', async () => {
    const name = `zun-images-test-${suffix}`;
    const ref = pushCopy(name, 'v1');
    const r = await stack.call<View>('POST', '/v1/images/', {
      user: 'admin',
      body: { repo: `${name}:v1`, host: stack.host },
    });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`${stack.api.url}/v1/images/${String(r.body.uuid)}`);
    expect(r.body).toMatchObject({
      repo: `${REGISTRY}/${name}`,
      tag: 'v1',
      host: stack.host,
      image_id: null,
      size: null,
    });
    const done = await waitImage(String(r.body.uuid), (v) => v.status !== 'Pulling');
    const engine = JSON.parse(docker('image', 'inspect', '--format', '{{json .}}', ref)) as {
      Id: string;
      Size: number;
    };
    expect(done).toMatchObject({
      status: 'Pulled',
      image_id: engine.Id,
      size: String(engine.Size),
      status_reason: null,
    });
    expect(Object.keys(done).sort()).toEqual(
      [
        'host',
        'image_id',
        'links',
        'project_id',
        'repo',
        'size',
        'status',
        'status_reason',
        'tag',
        'uuid',
      ].sort(),
    );

    const list = await stack.call<{ images: View[]; next: string | null }>('GET', '/v1/images/', {
      user: 'admin',
    });
    expect(list.status).toBe(200);
    expect(list.body.images.map((i) => i.uuid)).toContain(r.body.uuid);
    const paged = await stack.call<{ images: View[]; next: string | null }>('GET', '/v1/images/?limit=1', {
      user: 'admin',
    });
    expect(paged.body.images).toHaveLength(1);
    expect(paged.body.next).toContain('marker=');

    // The same name on the same host again is a conflict.
    const again = await stack.call<ErrorBody>('POST', '/v1/images/', {
      user: 'admin',
      body: { repo: `${REGISTRY}/${name}:v1`, host: stack.host },
    });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].code).toContain('image-already-exists');
  });

  it('refuses bad input, unknown hosts and members, with nothing recorded', async () => {
    const before = (await stack.call<{ images: View[] }>('GET', '/v1/images', { user: 'admin' })).body.images
      .length;
    const cases: [View, number][] = [
      [{ repo: 'busybox', host: 'no-such-host' }, 400],
      [{ repo: 'busybox' }, 400],
      [{ repo: 'busybox', host: stack.host, extra: 1 }, 400],
      [{ repo: 'Upper/Case', host: stack.host }, 400],
      [{ repo: `busybox@sha256:${'0'.repeat(64)}`, host: stack.host }, 400],
    ];
    for (const [body, status] of cases) {
      const r = await stack.call<ErrorBody>('POST', '/v1/images', { user: 'admin', body });
      expect([body, r.status]).toEqual([body, status]);
    }
    const member = await stack.call<ErrorBody>('POST', '/v1/images', {
      body: { repo: 'busybox', host: stack.host },
    });
    expect(member.status).toBe(403);
    expect((await stack.call('GET', '/v1/images')).status).toBe(403);
    const text = await fetch(`${stack.api.url}/v1/images`, {
      method: 'POST',
      headers: { 'X-Auth-Token': await stack.token('admin'), 'Content-Type': 'text/plain' },
      body: 'repo=busybox',
    });
    expect(text.status).toBe(415);
    expect(
      (await stack.call<{ images: View[] }>('GET', '/v1/images', { user: 'admin' })).body.images,
    ).toHaveLength(before);
    expect((await stack.call('GET', '/v1/images/not-a-uuid', { user: 'admin' })).status).toBe(404);
    expect(
      (
        await stack.call('GET', `/v1/images/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, {
          user: 'admin',
        })
      ).status,
    ).toBe(404);
  });

  it('a failed pull is visible on the record with the reason, and can be pulled again', async () => {
    const created = await pull(`zun-no-such-image-${suffix}`);
    const failed = await waitImage(String(created.uuid), (v) => v.status !== 'Pulling');
    expect(failed.status).toBe('Error');
    expect(failed.image_id).toBeNull();
    expect(String(failed.status_reason)).toContain(
      `Pulling ${REGISTRY}/zun-no-such-image-${suffix}:latest failed`,
    );
    const retry = await stack.call<View>('POST', '/v1/images', {
      user: 'admin',
      body: { repo: `zun-no-such-image-${suffix}`, host: stack.host },
    });
    expect(retry.status).toBe(202);
    expect(retry.body.uuid).toBe(created.uuid);
    expect(retry.body.status).toBe('Pulling');
    await waitImage(String(created.uuid), (v) => v.status === 'Error');
  });

  it('the reconcile notices an image removed behind our back', async () => {
    const name = `zun-images-gone-${suffix}`;
    const ref = pushCopy(name);
    const created = await pull(name);
    await waitImage(String(created.uuid), (v) => v.status === 'Pulled');
    docker('rmi', ref);
    const gone = await waitImage(String(created.uuid), (v) => v.status !== 'Pulled', 30_000);
    expect(gone).toMatchObject({ status: 'Error', image_id: null, size: null });
    expect(String(gone.status_reason)).toContain('removed outside Zun');
  });

  it('a pull its agent missed (down at the time) is taken up when the agent is back', async () => {
    const name = `zun-images-later-${suffix}`;
    pushCopy(name);
    await stack.stopAgent();
    const created = await pull(name);
    expect(created.status).toBe('Pulling');
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      (await stack.call<View>('GET', `/v1/images/${String(created.uuid)}`, { user: 'admin' })).body.status,
    ).toBe('Pulling');
    await stack.startAgent({ ZUN_DOCKER_DEFAULT_REGISTRY: REGISTRY });
    const done = await waitImage(String(created.uuid), (v) => v.status !== 'Pulling');
    expect(done.status).toBe('Pulled');
    expect(done.image_id).toMatch(/^sha256:/);
  });

  it('delete removes the image from the host and the record; an image in use is a 409', async () => {
    const name = `zun-images-del-${suffix}`;
    const ref = pushCopy(name);
    const created = await pull(name);
    await waitImage(String(created.uuid), (v) => v.status === 'Pulled');
    expect(engineHas(ref)).toBe(true);

    const holder = docker('create', ref, 'true').trim();
    const busy = await stack.call<ErrorBody>('DELETE', `/v1/images/${String(created.uuid)}`, {
      user: 'admin',
    });
    expect(busy.status).toBe(409);
    expect(engineHas(ref)).toBe(true);
    docker('rm', holder);

    expect((await stack.call('DELETE', `/v1/images/${String(created.uuid)}`)).status).toBe(403);
    const r = await stack.call('DELETE', `/v1/images/${String(created.uuid)}`, { user: 'admin' });
    expect(r.status).toBe(200);
    expect(r.body).toBeNull();
    expect(engineHas(ref)).toBe(false);
    expect((await stack.call('GET', `/v1/images/${String(created.uuid)}`, { user: 'admin' })).status).toBe(
      404,
    );
  });

  it("search reads the default registry and the project's registries, hiding other projects' namespaces", async () => {
    const r = await stack.call<View[]>(
      'GET',
      '/v1/images/busybox/search?image_driver=docker&exact_match=True',
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      {
        name: `${REGISTRY}/busybox`,
        description: null,
        is_automated: false,
        tags: expect.arrayContaining(['latest']) as unknown,
        metadata: { registry: REGISTRY, is_official: false, star_count: 0 },
      },
    ]);
    const partial = await stack.call<View[]>(
      'GET',
      '/v1/images/usybo/search?image_driver=docker&exact_match=False',
    );
    expect(partial.body.map((e) => e.name)).toContain(`${REGISTRY}/busybox`);

    // Another project's namespace: listed for admins, not for members.
    const created = await stack.call<View>('POST', '/v1/containers', {
      user: 'admin',
      body: { image: BUSYBOX, command: ['true'] },
    });
    const project = String(created.body.project_id);
    pushCopy(`${project}/secret-${suffix}`);
    const member = await stack.call<View[]>('GET', `/v1/images/secret-${suffix}/search`);
    expect(member.body).toEqual([]);
    const asAdmin = await stack.call<View[]>('GET', `/v1/images/secret-${suffix}/search`, { user: 'admin' });
    expect(asAdmin.body.map((e) => e.name)).toEqual([`${REGISTRY}/${project}/secret-${suffix}`]);

    // A registry of the project's, read with its credentials; a host that is neither is a 400.
    expect(
      (
        await stack.call('POST', '/v1/registries', {
          body: { registry: { domain: reg.domain, username: reg.username, password: reg.password } },
        })
      ).status,
    ).toBe(201);
    const priv = await stack.call<View[]>(
      'GET',
      `/v1/images/${reg.domain}/private/busybox/search?exact_match=true`,
    );
    expect(priv.status).toBe(200);
    expect(priv.body).toEqual([expect.objectContaining({ name: reg.image, tags: ['latest'] })]);
    const elsewhere = await stack.call<ErrorBody>('GET', '/v1/images/127.0.0.1:1/x/search');
    expect(elsewhere.status).toBe(400);
    const badKey = await stack.call<ErrorBody>('GET', '/v1/images/busybox/search?foo=1');
    expect(badKey.status).toBe(400);
  });
});
