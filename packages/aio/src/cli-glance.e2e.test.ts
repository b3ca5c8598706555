import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Docker from 'dockerode';
import type { GlanceClient, GlanceImage } from '@zun/common';
import { AioStack, BUSYBOX } from '../../../test/support/aio-stack';
import { GLANCE_ENV, requireOpenStack, uploadSavedImage } from '../../../test/support/openstack';

/**
 * The glance image driver through the real `zun` CLI against `npm start`'s stack, configured for
 * the real Keystone and Glance that the test set-up starts (scripts/lib/openstack.sh).
 */
describe('zun CLI: --image-driver glance and commit into Glance (all-in-one stack, real Glance)', () => {
  // A second compute host with an engine of its own (scripts/engines.sh), which never saw any
  // image: the committed image must come to it from Glance.
  const stack = new AioStack({
    host: 'e2e-glance',
    env: { ...GLANCE_ENV, ZUN_EXTRA_HOSTS: '1', ZUN_ENGINE_BASE: '6' },
  });
  const suffix = randomBytes(4).toString('hex');
  const made: string[] = [];
  let glance: GlanceClient;
  let image: GlanceImage;
  const zun = (...args: string[]) => stack.zun(...args);

  /** The agent's count of glance images made available on its host, by outcome. */
  const fetched = async (outcome: 'downloaded' | 'cache_hit'): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${stack.ports.agent}/metrics`)).text();
    const m = new RegExp(
      `^zun_compute_glance_images_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`,
      'm',
    ).exec(text);
    return m ? Number(m[1]) : 0;
  };
  const dropCache = (checksum: string | null) =>
    stack.docker
      .getImage(`zun-glance:${checksum}`)
      .remove({ force: true })
      .catch(() => undefined);

  beforeAll(async () => {
    glance = await requireOpenStack();
    await stack.removeContainers();
    await stack.start();
    image = await uploadSavedImage(glance, BUSYBOX, {
      name: `zun-e2e-busybox-${suffix}`,
      owner: 'zun-e2e',
      visibility: 'public',
    });
    made.push(image.id);
    await dropCache(image.checksum);
  }, 200_000);

  afterAll(async () => {
    await stack.destroy();
    for (const id of made) await glance?.deleteImage(id).catch(() => undefined);
  });

  it('runs by name, then by id from the cache (nothing downloaded the second time)', async () => {
    const byName = await zun(
      'run',
      '--host',
      'e2e-glance',
      '--image-driver',
      'glance',
      '--name',
      'g-name',
      image.name!,
      'sleep',
      '600',
    );
    expect(byName.code).toBe(0);
    const shown = await stack.waitStatus('g-name', 'Running', 60_000);
    expect(shown).toMatchObject({ image: image.name, image_driver: 'glance' });
    expect(await fetched('downloaded')).toBe(1);

    const byId = await zun(
      'run',
      '--host',
      'e2e-glance',
      '--image-driver',
      'glance',
      '--name',
      'g-id',
      image.id,
      'sleep',
      '600',
    );
    expect(byId.code).toBe(0);
    await stack.waitStatus('g-id', 'Running', 60_000);
    expect(await fetched('downloaded')).toBe(1);
    expect(await fetched('cache_hit')).toBe(1);

    const unknown = await zun('run', '--image-driver', 'glance', '--name', 'g-none', `nothing-${suffix}`);
    expect(unknown.code).toBe(0);
    const failed = await stack.waitStatus('g-none', 'Error', 60_000);
    expect(String(failed.status_reason)).toContain(`Image nothing-${suffix} was not found in Glance`);
  }, 180_000);

  it('zun commit of a glance container answers with the Glance id; the committed image runs on another host, downloaded there', async () => {
    await zun('exec', 'g-name', 'sh', '-c', `echo from-commit-${suffix} > /marker`);
    const out = await zun('commit', 'g-name', `zun-e2e-commit-${suffix}`);
    expect(out.code).toBe(0);
    const id = /The image is ([0-9a-f-]{36})\./.exec(out.out)?.[1];
    expect(id).toBeDefined();
    made.push(id!);
    expect(await glance.getImage(id!)).toMatchObject({
      name: `zun-e2e-commit-${suffix}`,
      container_format: 'docker',
    });

    const deadline = Date.now() + 60_000;
    while ((await stack.show('g-name')).task_state !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
    }
    const committed = await glance.getImage(id!);
    expect(committed?.status).toBe('active');
    // On the other host, whose engine never saw it: downloaded from Glance and run there.
    const run = await zun(
      'run',
      '--host',
      'e2e-glance-2',
      '--image-driver',
      'glance',
      '--name',
      'g-copy',
      id!,
      'cat',
      '/marker',
    );
    expect(run.code).toBe(0);
    const copy = await stack.waitStatus('g-copy', 'Stopped', 90_000);
    expect(copy.host).toBe('e2e-glance-2');
    const other = new Docker({ socketPath: path.join(stack.state, 'engines', '6', 'docker.sock') });
    expect((await other.getImage(`zun-glance:${committed!.checksum}`).inspect()).Id).toBeTruthy();
    expect((await zun('logs', 'g-copy')).out).toContain(`from-commit-${suffix}`);
  }, 180_000);

  it("zun image-search --image_driver glance: Glance's docker images a project may use, by name or id", async () => {
    const search = async (term: string, demo: boolean, ...extra: string[]) => {
      const r = await stack.zun('image-search', '--image_driver', 'glance', ...extra, term, { demo });
      expect(r.code).toBe(0);
      return r.out;
    };
    // The public upload: every project finds it, by part of its name or by id.
    expect(await search(`busybox-${suffix}`, true)).toContain(image.id);
    expect(await search(image.id, true)).toContain(image.name!);
    expect(await search(`busybox-${suffix}`, true, '--exact-match')).not.toContain(image.id);
    expect(await search(image.name!, true, '--exact-match')).toContain(image.id);
    // The committed image is private to the admin project: the demo project does not see it.
    const committed = `zun-e2e-commit-${suffix}`;
    expect(await search(committed, false)).toContain(committed);
    expect(await search(committed, true)).not.toContain(committed);
  }, 120_000);
});
