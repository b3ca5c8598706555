import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import Docker from 'dockerode';
import { GlanceClient, loadConfig, type GlanceImage } from '@zun/common';

/**
 * The real Keystone and Glance that scripts/lib/openstack.sh starts (npm test does), as the tests
 * of the glance image driver use them. Where they listen and where Glance keeps its image files
 * can be overridden; by default they follow the script.
 */
export const KEYSTONE_URL = process.env.ZUN_TEST_KEYSTONE_URL ?? 'http://127.0.0.1:35357/v3';
export const GLANCE_URL = process.env.ZUN_TEST_GLANCE_URL ?? 'http://127.0.0.1:9292';

/** zun.conf settings (as environment) pointing zun-api and zun-compute at them. */
export const GLANCE_ENV: Record<string, string> = {
  ZUN_GLANCE_AUTH_URL: KEYSTONE_URL,
  ZUN_GLANCE_API_SERVERS: GLANCE_URL,
  ZUN_GLANCE_USERNAME: 'zun',
  ZUN_GLANCE_PASSWORD: 'zun-secret',
  ZUN_GLANCE_PROJECT_NAME: 'service',
};

/** Glance's file store, where a test may damage an image's data behind Glance's back. */
export function glanceStoreDir(): string {
  if (process.env.ZUN_TEST_GLANCE_STORE) return process.env.ZUN_TEST_GLANCE_STORE;
  if (!process.env.ZUN_STATE) {
    throw new Error('ZUN_STATE is not set: run with `npm test` (or set ZUN_TEST_GLANCE_STORE)');
  }
  return path.join(process.env.ZUN_STATE, 'openstack', 'glance', 'images');
}

/**
 * Fails with what to do when Keystone or Glance does not answer: these tests never skip.
 * A service credential client is returned for the test's own uploads and checks.
 */
export async function requireOpenStack(): Promise<GlanceClient> {
  for (const [what, url] of [
    ['Keystone', KEYSTONE_URL],
    ['Glance', `${GLANCE_URL}/`],
  ]) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (!ok) {
      throw new Error(
        `${what} does not answer at ${url}. The glance driver's tests need the real Keystone and Glance: ` +
          '`npm test` starts them (scripts/lib/openstack.sh); by hand: ZUN_STATE=.zun/test bash scripts/lib/openstack.sh up',
      );
    }
  }
  const client = GlanceClient.fromConfig(loadConfig({ ZUN_CONFIG: '/dev/null', ...GLANCE_ENV }));
  if (!client) throw new Error('GLANCE_ENV has no auth_url');
  return client;
}

/** `docker save` of an engine image, uploaded into a new Glance image. */
export async function uploadSavedImage(
  glance: GlanceClient,
  ref: string,
  fields: { name: string; owner: string; visibility?: 'private' | 'public'; container_format?: string },
): Promise<GlanceImage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zun-test-save-'));
  try {
    const file = path.join(dir, 'image.tar');
    const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
    await pipeline(await docker.getImage(ref).get(), createWriteStream(file));
    const image = await glance.createImage({
      container_format: 'docker',
      disk_format: 'raw',
      ...fields,
    });
    await glance.upload(image.id, createReadStream(file));
    const active = await glance.getImage(image.id);
    if (!active || active.status !== 'active')
      throw new Error(`Glance image ${image.id} is not active after upload`);
    return active;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
