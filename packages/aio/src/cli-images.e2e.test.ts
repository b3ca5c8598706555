import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AioStack, BUSYBOX, REGISTRY } from '../../../test/support/aio-stack';

const docker = (...args: string[]): string =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The value of `field` in a table the CLI printed with print_dict. */
const field = (out: string, name: string): string =>
  new RegExp(`\\|\\s*${name}\\s*\\|\\s*([^|]*?)\\s*\\|`).exec(out)?.[1] ?? '';

/** The default registry's digest of busybox:latest. */
async function busyboxDigest(): Promise<string | null> {
  const res = await fetch(`http://${REGISTRY}/v2/busybox/manifests/latest`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
      ].join(', '),
    },
  });
  return res.headers.get('docker-content-digest');
}

/**
 * The images API and safe commit through the real `zun` CLI against `npm start`'s stack:
 * `zun pull`, image-list, image-show, image-delete, image-search, the refusals for members, and
 * a member's commit outside its own repositories.
 */
describe('zun CLI: images and safe commit (all-in-one stack)', () => {
  const stack = new AioStack({ host: `e2e-images-${randomBytes(3).toString('hex')}` });
  const name = `zun-e2e-images-${randomBytes(4).toString('hex')}`;
  const ref = `${REGISTRY}/${name}:v1`;
  const zun = (...args: (string | { demo: boolean })[]) => stack.zun(...args);

  beforeAll(async () => {
    // An image of its own in the default registry, absent from the engine.
    docker('pull', `${BUSYBOX}:latest`);
    execFileSync('docker', ['build', '-q', '-t', ref, '-'], {
      input: `FROM ${BUSYBOX}:latest\nLABEL org.openstack.zun.test=${name}\n`,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    docker('push', ref);
    docker('rmi', ref);
    await stack.start();
  }, 200_000);

  afterAll(async () => {
    await stack.destroy();
    try {
      docker('rmi', '-f', ref);
    } catch {
      // already gone
    }
  });

  it('pull, image-list, image-show, image-search and image-delete; members are refused', async () => {
    const pulled = await zun('pull', `${name}:v1`, stack.host);
    expect(pulled.code).toBe(0);
    const uuid = field(pulled.out, 'uuid');
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(field(pulled.out, 'repo')).toBe(`${REGISTRY}/${name}`);
    expect(field(pulled.out, 'tag')).toBe('v1');

    const deadline = Date.now() + 60_000;
    let shown = '';
    while (Date.now() < deadline) {
      shown = (await zun('image-show', uuid)).out;
      if (field(shown, 'status') !== 'Pulling') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(field(shown, 'status')).toBe('Pulled');
    const engine = JSON.parse(docker('image', 'inspect', '--format', '{{json .}}', ref)) as {
      Id: string;
      Size: number;
    };
    expect(field(shown, 'image_id')).toBe(engine.Id);
    expect(field(shown, 'size')).toBe(String(engine.Size));
    expect(field(shown, 'host')).toBe(stack.host);

    const list = await zun('image-list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      new RegExp(`${uuid}\\s*\\|\\s*sha256:[0-9a-f]+\\s*\\|\\s*${REGISTRY}/${name}\\s*\\|\\s*v1`),
    );

    const search = await zun('image-search', 'busybox', '--exact-match', { demo: true });
    expect(search.code).toBe(0);
    expect(search.out).toContain(`${REGISTRY}/busybox`);
    expect(search.out).toContain('latest');
    expect((await zun('image-search', name, { demo: true })).out).toContain(`${REGISTRY}/${name}`);

    for (const args of [
      ['pull', 'busybox', stack.host],
      ['image-list'],
      ['image-show', uuid],
      ['image-delete', uuid],
    ]) {
      const refused = await zun(...args, { demo: true });
      expect([args, refused.err + refused.out]).toEqual([
        args,
        expect.stringContaining("Policy doesn't allow image:"),
      ]);
    }

    const deleted = await zun('image-delete', uuid);
    expect(deleted.code).toBe(0);
    expect(() => docker('image', 'inspect', ref)).toThrow();
    const gone = await zun('image-show', uuid);
    expect(gone.code).not.toBe(0);
    expect(gone.err + gone.out).toContain('could not be found');
  });

  it("a member commits into its own namespace, never into the default registry's busybox", async () => {
    const ran = await zun('run', '--name', 'e2e-committer', 'busybox', 'sleep', '600', { demo: true });
    expect(ran.code).toBe(0);
    const shownC = await stack.waitStatus('e2e-committer', 'Running', 60_000, true);
    const project = String(shownC.project_id);
    const before = await busyboxDigest();
    expect(before).toMatch(/^sha256:/);

    const refused = await zun('commit', 'e2e-committer', `${REGISTRY}/busybox`, { demo: true });
    // The client reports a failed commit on stdout and exits 0.
    expect(refused.out).toContain('Commit for container e2e-committer failed');
    expect(refused.out).toContain(`outside project ${project}'s namespace`);

    const own = await zun('commit', 'e2e-committer', 'mine:v1', { demo: true });
    expect(own.out).toContain('Request to commit container e2e-committer has been accepted');
    const deadline = Date.now() + 60_000;
    let tags: string[] = [];
    while (Date.now() < deadline && !tags.includes('v1')) {
      const res = await fetch(`http://${REGISTRY}/v2/${project}/mine/tags/list`);
      tags = res.ok ? ((await res.json()) as { tags: string[] }).tags : [];
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(tags).toContain('v1');
    expect(await busyboxDigest()).toBe(before);
  });
});
