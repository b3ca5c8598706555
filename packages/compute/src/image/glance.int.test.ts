import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { LABEL_UUID, type GlanceClient, type GlanceImage } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import {
  GLANCE_ENV,
  glanceStoreDir,
  requireOpenStack,
  uploadSavedImage,
} from '../../../../test/support/openstack';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;

/**
 * The glance image driver against the real Keystone and Glance (scripts/lib/openstack.sh), the
 * real engine and PostgreSQL, through zun-api and a real zun-compute daemon.
 */
describe('glance image driver (real Keystone, Glance, engine and PostgreSQL)', () => {
  let glance: GlanceClient;
  let db: TestDatabase;
  let stack: TestStack;
  let busybox: GlanceImage;
  const suffix = randomBytes(4).toString('hex');
  const madeImages: string[] = [];

  beforeAll(async () => {
    glance = await requireOpenStack();
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.docker
      .pull(BUSYBOX)
      .then(
        (s: NodeJS.ReadableStream) => new Promise((resolve) => stack.docker.modem.followProgress(s, resolve)),
      );
    // The data of another busybox layer set than any other test's: the cache key (its checksum)
    // is then new on this host, so the first run must download.
    busybox = await uploadSavedImage(glance, BUSYBOX, {
      name: `zun-test-busybox-${suffix}`,
      owner: 'zun-test',
      visibility: 'public',
    });
    madeImages.push(busybox.id);
    await removeCacheEntry(busybox);
    await stack.startApi(GLANCE_ENV);
    await stack.startAgent(GLANCE_ENV);
  }, 120_000);

  afterAll(async () => {
    await stack?.stopAgent();
    await stack?.stop();
    await db?.drop();
    for (const id of madeImages) await glance?.deleteImage(id).catch(() => undefined);
    if (busybox) await removeCacheEntry(busybox);
  });

  async function removeCacheEntry(image: GlanceImage): Promise<void> {
    await stack.docker
      .getImage(`zun-glance:${image.checksum}`)
      .remove({ force: true })
      .catch(() => undefined);
  }

  /** The agent's own count of glance images made available, by outcome. */
  async function fetched(outcome: 'downloaded' | 'cache_hit'): Promise<number> {
    const text = await (await fetch(`${stack.agentUrl}/metrics`)).text();
    const m = new RegExp(
      `^zun_compute_glance_images_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`,
      'm',
    ).exec(text);
    return m ? Number(m[1]) : 0;
  }

  async function run(image: string, command: string[] = ['sleep', '600']): Promise<string> {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image, image_driver: 'glance', command },
    });
    expect(r.status).toBe(202);
    return String(r.body.uuid);
  }

  const settled = (c: View) => (c.status === 'Running' || c.status === 'Error') && c.task_state === null;

  async function runFails(image: string): Promise<View> {
    const uuid = await run(image);
    const c = await stack.waitFor(uuid, settled, 60_000);
    expect(c.status).toBe('Error');
    const claims = await db.sequelize.query('SELECT 1 FROM resource_claims WHERE container_uuid = :uuid', {
      replacements: { uuid },
      type: QueryTypes.SELECT,
    });
    expect(claims).toHaveLength(0);
    expect((await stack.engineContainers()).filter((e) => e.Labels[LABEL_UUID] === uuid)).toHaveLength(0);
    return c;
  }

  const zunGlanceImages = async (): Promise<string[]> =>
    (await stack.docker.listImages({ filters: { reference: ['zun-glance'] } })).map((i) => i.Id).sort();
  const allTags = async (): Promise<string[]> =>
    (await stack.docker.listImages()).flatMap((i) => i.RepoTags ?? []).sort();
  const danglingImages = async (): Promise<string[]> =>
    (await stack.docker.listImages({ filters: { dangling: ['true'] } })).map((i) => i.Id).sort();

  it('runs by name (one download), by id and again from the cache (no download), and rebuilds', async () => {
    const before = await fetched('downloaded');
    const hitsBefore = await fetched('cache_hit');
    const tagsBefore = await allTags();

    const byName = await run(busybox.name!);
    const first = await stack.waitFor(byName, settled, 60_000);
    expect(first).toMatchObject({ status: 'Running', image: busybox.name, image_driver: 'glance' });
    expect(await fetched('downloaded')).toBe(before + 1);
    // The name the tarball carried (127.0.0.1:5000/busybox) was dropped: the load added no
    // name on this host but our cache tag.
    const added = (await allTags()).filter((t) => !tagsBefore.includes(t));
    expect(added).toEqual([`zun-glance:${busybox.checksum}`]);

    const byId = await run(busybox.id);
    expect(await stack.waitFor(byId, settled, 60_000)).toMatchObject({ status: 'Running' });
    expect(await fetched('downloaded')).toBe(before + 1);
    expect(await fetched('cache_hit')).toBe(hitsBefore + 1);

    const rebuilt = await stack.call('POST', `/v1/containers/${byName}/rebuild`);
    expect(rebuilt.status).toBe(202);
    await stack.waitFor(byName, (c) => c.status === 'Running' && c.task_state === null, 60_000);
    expect(await fetched('downloaded')).toBe(before + 1);
    expect(await fetched('cache_hit')).toBe(hitsBefore + 2);
  }, 180_000);

  it('commits into Glance at once with the Glance id, uploads in the background, and the image runs', async () => {
    const source = await run(busybox.id, ['sh', '-c', `echo made-${suffix} > /marker; sleep 600`]);
    await stack.waitFor(source, settled, 60_000);
    const repository = `zun-test-commit-${suffix}`;
    const r = await stack.call<{ uuid: string }>(
      'POST',
      `/v1/containers/${source}/commit?repository=${repository}`,
    );
    expect(r.status).toBe(202);
    const id = r.body.uuid;
    madeImages.push(id);
    // The API set it when it accepted the commit; the agent clears it once the upload is done.
    expect((await stack.call<View>('GET', `/v1/containers/${source}`)).body.task_state).toBe(
      'image_uploading',
    );
    const record = await glance.getImage(id);
    expect(record).toMatchObject({ name: repository, container_format: 'docker', disk_format: 'raw' });
    expect(record!.owner).toBe((await stack.call<View>('GET', `/v1/containers/${source}`)).body.project_id);

    await stack.waitFor(source, (c) => c.task_state === null, 60_000);
    const uploaded = await glance.getImage(id);
    expect(uploaded).toMatchObject({ status: 'active' });

    const copy = await run(id, ['cat', '/marker']);
    await stack.waitFor(copy, (c) => c.status === 'Stopped' || c.status === 'Error', 60_000);
    const logs = await stack.call<string>('GET', `/v1/containers/${copy}/logs`);
    expect(String(logs.body)).toContain(`made-${suffix}`);
  }, 180_000);

  it('makes a failed upload visible: the action event has the error and the Glance image is gone', async () => {
    const source = await run(busybox.id);
    await stack.waitFor(source, settled, 60_000);
    const r = await stack.call<{ uuid: string }>(
      'POST',
      `/v1/containers/${source}/commit?repository=zun-test-gone-${suffix}`,
    );
    expect(r.status).toBe(202);
    // Deleted under the agent's feet: the upload into it cannot succeed.
    await glance.deleteImage(r.body.uuid);
    await stack.waitFor(source, (c) => c.task_state === null, 60_000);
    // The action's events are written when the task ends, just after the row's last write.
    await stack.waitForTasksDone(source);
    const events = await db.sequelize.query<{ result: string; traceback: string | null }>(
      `SELECT e.result, e.traceback FROM container_action_events e JOIN container_actions a ON a.id = e.action_id
        WHERE a.container_uuid = :uuid AND a.action = 'commit'`,
      { replacements: { uuid: source }, type: QueryTypes.SELECT },
    );
    expect(events).toEqual([expect.objectContaining({ result: 'Error' })]);
    expect(events[0].traceback).toContain(`Commit to Glance image ${r.body.uuid} failed`);
    expect(await glance.getImage(r.body.uuid)).toBeNull();
    expect((await stack.call<View>('GET', `/v1/containers/${source}`)).body.status).toBe('Running');
  }, 120_000);

  it('ends in Error with a reason a person can act on: unknown image, ambiguous name, other project, wrong format', async () => {
    expect(String((await runFails(`no-such-image-${suffix}`)).status_reason)).toContain(
      `Image no-such-image-${suffix} was not found in Glance`,
    );

    const hidden = await glance.createImage({
      name: `zun-test-private-${suffix}`,
      owner: 'another-project',
      container_format: 'docker',
      disk_format: 'raw',
    });
    madeImages.push(hidden.id);
    expect(String((await runFails(hidden.id)).status_reason)).toContain('was not found in Glance');

    const bare = await glance.createImage({
      name: `zun-test-bare-${suffix}`,
      owner: 'zun-test',
      visibility: 'public',
      container_format: 'bare',
      disk_format: 'raw',
    });
    madeImages.push(bare.id);
    expect(String((await runFails(bare.id)).status_reason)).toContain(
      'has container format bare: only images of container format docker',
    );

    const twin = await uploadSavedImage(glance, BUSYBOX, {
      name: busybox.name!,
      owner: 'zun-test',
      visibility: 'public',
    });
    madeImages.push(twin.id);
    try {
      expect(String((await runFails(busybox.name!)).status_reason)).toContain('is ambiguous in Glance');
    } finally {
      await glance.deleteImage(twin.id);
    }
  }, 180_000);

  it('refuses data that does not match its checksum and leaves no image behind', async () => {
    const damaged = await uploadSavedImage(glance, BUSYBOX, {
      name: `zun-test-damaged-${suffix}`,
      owner: 'zun-test',
      visibility: 'public',
    });
    madeImages.push(damaged.id);
    // Same size, different bytes: Glance serves it as it is; only the checksum can tell.
    const file = path.join(glanceStoreDir(), damaged.id);
    expect(await readdir(glanceStoreDir())).toContain(damaged.id);
    await writeFile(file, Buffer.alloc(Number(damaged.size), 7));
    await removeCacheEntry(damaged);
    const cacheBefore = await zunGlanceImages();
    const danglingBefore = await danglingImages();

    const c = await runFails(damaged.id);
    expect(String(c.status_reason)).toContain('does not match its checksum (md5)');
    expect(await zunGlanceImages()).toEqual(cacheBefore);
    expect(await danglingImages()).toEqual(danglingBefore);
  }, 120_000);

  it('says so when Glance is down', async () => {
    await stack.stopAgent();
    // A port that was free a moment ago: nothing listens, the connection is refused.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    await stack.startAgent({ ...GLANCE_ENV, ZUN_GLANCE_API_SERVERS: `http://127.0.0.1:${port}` });
    const c = await runFails(busybox.id);
    expect(String(c.status_reason)).toContain(
      `Glance at http://127.0.0.1:${port} is unreachable (ECONNREFUSED)`,
    );
  }, 120_000);
});
