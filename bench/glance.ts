/**
 * `zun run --image-driver glance` with the image in the host's Glance cache versus a registry
 * image already on the host (pull policy ifnotpresent), same stack, same run, interleaved: the
 * latency from POST /v1/containers?run=true to the service's own record of status Running. The
 * glance side still asks Glance for the image (name lookup, checksum) on every run; neither side
 * transfers image data. The first glance run (download and load) is reported once. Run with
 * `npm run bench -- glance` (scripts/bench.sh starts Keystone and Glance and sets [glance]).
 */
import { createReadStream, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import Docker from 'dockerode';
import { GlanceClient, loadConfig, type GlanceImage } from '@zun/common';
import { api, login } from './api-client';
import { median, parsePyDate } from './stats';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const RUNS = Number(process.env.BENCH_GLANCE_RUNS ?? 15);
const NAME = 'zun-bench-busybox';
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

/** Milliseconds from the POST to the service's Running record; the container is deleted after. */
async function runOnce(body: Record<string, unknown>): Promise<number> {
  const wall0 = Date.now();
  const r = await api<{ uuid: string }>('POST', '/v1/containers?run=true', {
    command: ['sleep', '300'],
    cpu: 0.1,
    memory: 32,
    ...body,
  });
  if (r.status !== 202) throw new Error(`run failed: ${r.status} ${JSON.stringify(r.body)}`);
  type Row = { status: string; status_reason: string; updated_at: string };
  for (;;) {
    const c = (await api<Row>('GET', `/v1/containers/${r.body.uuid}`)).body;
    if (c.status === 'Running') {
      await api('DELETE', `/v1/containers/${r.body.uuid}?force=True`);
      return parsePyDate(c.updated_at) - wall0;
    }
    if (c.status === 'Error') throw new Error(`container failed: ${c.status_reason}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** The bench's Glance image: a `docker save` of IMAGE, public, made once. */
async function benchImage(glance: GlanceClient): Promise<GlanceImage> {
  const found = await glance.resolve(NAME, 'zun-bench').catch(() => null);
  if (found) return found;
  const file = path.join(os.tmpdir(), `zun-bench-${process.pid}.tar`);
  await pipeline(await docker.getImage(IMAGE).get(), createWriteStream(file));
  const image = await glance.createImage({
    name: NAME,
    owner: 'zun-bench',
    visibility: 'public',
    container_format: 'docker',
    disk_format: 'raw',
  });
  await glance.upload(image.id, createReadStream(file));
  await rm(file, { force: true });
  return (await glance.getImage(image.id))!;
}

async function main(): Promise<void> {
  const glance = GlanceClient.fromConfig(loadConfig(process.env));
  if (!glance) throw new Error('[glance] auth_url is not set (scripts/bench.sh sets ZUN_GLANCE_AUTH_URL)');
  await login();
  const image = await benchImage(glance);
  // A cold cache for the one download figure.
  await docker
    .getImage(`zun-glance:${image.checksum}`)
    .remove({ force: true })
    .catch(() => undefined);
  const download = await runOnce({ image: image.id, image_driver: 'glance' });
  await runOnce({ image: IMAGE, image_pull_policy: 'ifnotpresent' });

  const cached: number[] = [];
  const registry: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternating, so a busy moment of the machine weighs on both sides alike.
    cached.push(await runOnce({ image: NAME, image_driver: 'glance' }));
    registry.push(await runOnce({ image: IMAGE, image_pull_policy: 'ifnotpresent' }));
  }
  const result = {
    date: new Date().toISOString(),
    runs: RUNS,
    image_bytes: image.size,
    glance_first_run_download_ms: download,
    glance_cached_median_ms: median(cached),
    registry_present_median_ms: median(registry),
    ratio: median(cached) / median(registry),
    glance_cached_ms: cached,
    registry_present_ms: registry,
  };
  console.log(
    `glance (cached) ${result.glance_cached_median_ms.toFixed(1)} ms vs registry image present ` +
      `${result.registry_present_median_ms.toFixed(1)} ms (median of ${RUNS}), ratio ${result.ratio.toFixed(2)}; ` +
      `first run with download ${download.toFixed(1)} ms (${image.size} bytes)`,
  );
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'glance.json'), `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
