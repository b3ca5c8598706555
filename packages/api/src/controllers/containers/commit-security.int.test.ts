import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { QueryTypes } from 'sequelize';
import { AuthRegistry } from '../../../../../test/support/auth-registry';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { addMember, issueToken } from '../../../../../test/support/identity';
import { BUSYBOX, REGISTRY, TestStack } from '../../../../../test/support/stack';

type View = Record<string, unknown>;
type ErrorBody = { errors: { status: number; code: string; title: string }[] };

const docker = (...args: string[]): string =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const MANIFESTS = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** The registry's digest of `name:tag`, or null when it has none. */
async function digestOf(
  registry: string,
  name: string,
  tag = 'latest',
  auth?: string,
): Promise<string | null> {
  const res = await fetch(`http://${registry}/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: MANIFESTS, ...(auth ? { authorization: auth } : {}) },
  });
  return res.status === 200 ? res.headers.get('docker-content-digest') : null;
}

/**
 * Safe commit: a tenant commits only into its project's namespace of the default registry or
 * into a registry of its own, and the engine is never asked to reach anything else. Project A
 * is `demo`; project B a second member project. Real engine, the local registry, a real agent.
 */
describe('commit only into the project own repositories (real engine, real registry)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let projectA: string;
  let projectB: string;
  let tokenB: string;
  let listener: Server;
  let listenerPort = 0;
  let connections = 0;
  const reg = new AuthRegistry();
  const suffix = randomBytes(4).toString('hex');
  const count = async (sql: string, replacements: Record<string, string>): Promise<number> =>
    Number((await db.sequelize.query<{ n: string }>(sql, { type: QueryTypes.SELECT, replacements }))[0].n);

  const asB = <T = unknown>(method: string, url: string, body?: unknown) =>
    stack.call<T>(method, url, { token: tokenB, body });

  /** Runs a container that holds `content` in /mark.txt, as A (demo) or B. */
  async function runMarked(name: string, content: string, as: 'A' | 'B'): Promise<View> {
    const body = {
      image: BUSYBOX,
      name,
      command: ['sh', '-c', `echo ${content} > /mark.txt; sleep 600`],
    };
    const r =
      as === 'A'
        ? await stack.call<View>('POST', '/v1/containers?run=true', { body })
        : await asB<View>('POST', '/v1/containers?run=true', body);
    expect(r.status).toBe(202);
    return stack.waitFor(String(r.body.uuid), (c) => c.status === 'Running');
  }

  /** Waits until `n` commit actions of the container have finished; returns their messages. */
  async function commitsFinished(uuid: string, n: number): Promise<(string | null)[]> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = await db.sequelize.query<{ message: string | null }>(
        `SELECT message FROM container_actions WHERE container_uuid = :uuid AND action = 'commit' AND finish_time IS NOT NULL`,
        { type: QueryTypes.SELECT, replacements: { uuid } },
      );
      if (rows.length >= n) return rows.map((r) => r.message);
      if (Date.now() > deadline) throw new Error(`commit of ${uuid} did not finish`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Asks for a commit as the client sends it: `REPO:TAG` split at every colon. */
  function commitPath(uuid: string, reference: string): string {
    const [repository, tag] = reference.split(':');
    const qs = new URLSearchParams({ repository, ...(tag === undefined ? {} : { tag }) });
    return `/v1/containers/${uuid}/commit?${qs}`;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await reg.start(stack.docker);
    await stack.startApi({ ZUN_DOCKER_DEFAULT_REGISTRY: REGISTRY });
    await stack.startAgent({ ZUN_DOCKER_DEFAULT_REGISTRY: REGISTRY });
    projectB = await addMember(`tenant-b-${suffix}`, 'tenant-b-secret');
    tokenB = await issueToken(stack.api.url, `tenant-b-${suffix}`, 'tenant-b-secret');
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as { port: number }).port;
  });
  afterAll(async () => {
    await stack?.stop();
    await reg.stop();
    await db?.drop();
    await new Promise((r) => listener?.close(r));
  });

  it("A's commit of a bare name goes to A's namespace of the default registry, and A can run it", async () => {
    const a = await runMarked('a-app', 'from-a', 'A');
    projectA = String(a.project_id);
    const r = await stack.call<{ uuid: string }>('POST', commitPath(String(a.uuid), `app-${suffix}:v1`));
    expect(r.status).toBe(202);
    expect(await commitsFinished(String(a.uuid), 1)).toEqual([null]);
    expect(await digestOf(REGISTRY, `${projectA}/app-${suffix}`, 'v1')).toMatch(/^sha256:/);
    // The host keeps no local copy under that name: the image lives in the registry.
    expect(() => docker('image', 'inspect', `${REGISTRY}/${projectA}/app-${suffix}:v1`)).toThrow();

    const again = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: `${projectA}/app-${suffix}:v1`, command: ['cat', '/mark.txt'] },
    });
    expect(again.status).toBe(202);
    const done = await stack.waitFor(
      String(again.body.uuid),
      (c) => c.status === 'Stopped' || c.status === 'Error',
    );
    expect(done.status_reason ?? null).toBeNull();
    const logs = await stack.call<string>('GET', `/v1/containers/${String(again.body.uuid)}/logs`);
    expect(logs.body).toBe('from-a\n');
  });

  it("B cannot commit into A's repository, busybox, another host or an alias of the default registry", async () => {
    const aDigest = await digestOf(REGISTRY, `${projectA}/app-${suffix}`, 'v1');
    const busyboxDigest = await digestOf(REGISTRY, 'busybox');
    expect(aDigest).toMatch(/^sha256:/);
    expect(busyboxDigest).toMatch(/^sha256:/);
    const b = await runMarked('b-evil', 'from-b', 'B');
    const uuid = String(b.uuid);
    // A registry of B's own that is the default registry under another name grants nothing.
    const alias = await asB('POST', '/v1/registries', {
      registry: { name: 'alias', domain: 'localhost:5000' },
    });
    expect(alias.status).toBe(201);
    const tasksBefore = await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = :uuid`, {
      uuid,
    });

    for (const target of [
      `${REGISTRY}/${projectA}/app-${suffix}:v1`,
      `${REGISTRY}/${projectA}/other`,
      `${REGISTRY}/busybox`,
      `${REGISTRY}/busybox:latest`,
      `localhost:5000/busybox`,
      `localhost:5000/${projectA}/app-${suffix}:v1`,
      `127.1:5000/busybox`,
      `127.0.0.1:${listenerPort}/x`,
      `${REGISTRY.replace('127.0.0.1', 'localhost')}/${projectA}/app-${suffix}`,
    ]) {
      const r = await asB<ErrorBody>('POST', commitPath(uuid, target));
      expect([target, r.status]).toEqual([target, 403]);
      expect(r.body.errors[0].title).toContain(projectB);
    }
    expect(
      await count(`SELECT COUNT(*) AS n FROM compute_tasks WHERE container_uuid = :uuid`, { uuid }),
    ).toBe(tasksBefore);
    expect(
      await count(
        `SELECT COUNT(*) AS n FROM container_actions WHERE container_uuid = :uuid AND action = 'commit'`,
        {
          uuid,
        },
      ),
    ).toBe(0);

    // A bare name is B's own: it lands in B's namespace and overwrites nothing of anybody else.
    const own = await asB<{ uuid: string }>('POST', commitPath(uuid, 'busybox'));
    expect(own.status).toBe(202);
    expect(await commitsFinished(uuid, 1)).toEqual([null]);
    expect(await digestOf(REGISTRY, `${projectB}/busybox`)).toMatch(/^sha256:/);

    await new Promise((r) => setTimeout(r, 1000));
    expect(connections).toBe(0);
    expect(await digestOf(REGISTRY, `${projectA}/app-${suffix}`, 'v1')).toBe(aDigest);
    expect(await digestOf(REGISTRY, 'busybox')).toBe(busyboxDigest);
    // What every tenant runs by default is still busybox.
    const plain = await asB<View>('POST', '/v1/containers?run=true', {
      image: 'busybox',
      command: ['sh', '-c', 'cat /mark.txt || echo clean'],
    });
    expect(plain.status).toBe(202);
    const done = await stack.waitFor(
      String(plain.body.uuid),
      (c) => c.status === 'Stopped' || c.status === 'Error',
    );
    expect(done.status).toBe('Stopped');
    const logs = await stack.call<string>('GET', `/v1/containers/${String(plain.body.uuid)}/logs`, {
      user: 'admin',
    });
    expect(logs.body).toContain('clean');
  });

  it("B's own registry takes B's commit, pushed with its credentials; the host's image of that name is left alone", async () => {
    const b = await runMarked('b-reg', 'to-own-registry', 'B');
    const uuid = String(b.uuid);
    const created = await asB('POST', '/v1/registries', {
      registry: { name: 'mine', domain: reg.domain, username: reg.username, password: reg.password },
    });
    expect(created.status).toBe(201);
    // The host holds an image under the name B pushes to (as if another project had pulled it).
    docker('tag', `${BUSYBOX}:latest`, `${reg.domain}/shared/app:latest`);
    const hostImage = docker(
      'image',
      'inspect',
      '--format',
      '{{.Id}}',
      `${reg.domain}/shared/app:latest`,
    ).trim();
    const r = await asB<{ uuid: string }>('POST', commitPath(uuid, `${reg.domain}/shared/app`));
    expect(r.status).toBe(202);
    expect(await commitsFinished(uuid, 1)).toEqual([null]);
    const basic = `Basic ${Buffer.from(`${reg.username}:${reg.password}`).toString('base64')}`;
    expect(await digestOf(reg.domain, 'shared/app', 'latest', basic)).toMatch(/^sha256:/);
    expect(docker('image', 'inspect', '--format', '{{.Id}}', `${reg.domain}/shared/app:latest`).trim()).toBe(
      hostImage,
    );
    docker('rmi', `${reg.domain}/shared/app:latest`);
  });

  it('an admin may commit anywhere (policy container:commit:any_repository)', async () => {
    const b = await runMarked('b-admin', 'by-admin', 'B');
    const name = `zun-admin-commit-${suffix}`;
    const r = await stack.call<{ uuid: string }>('POST', commitPath(String(b.uuid), `${REGISTRY}/${name}`), {
      user: 'admin',
    });
    expect(r.status).toBe(202);
    expect(await commitsFinished(String(b.uuid), 1)).toEqual([null]);
    expect(await digestOf(REGISTRY, name)).toMatch(/^sha256:/);
  });
});
