import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GlanceError, type Container, type GlanceClient, type GlanceImage, type Logger } from '@zun/common';
import type { EngineClient, ImageInspect } from '../docker/engine';
import { ImageNotPresentError } from './docker-image-driver';
import { downloadVerified, untagged } from './glance-tarball';

/** Engine repository of the images loaded from Glance; the tag is the data's checksum. */
export const GLANCE_CACHE_REPO = 'zun-glance';

export type GlanceFetch = 'cache_hit' | 'downloaded';

/**
 * Containers whose image_driver is glance: the image NAME_OR_ID is looked up in Glance among
 * the images the container's project may use, and its data (a `docker save` tarball,
 * container format `docker`) is downloaded, checked against Glance's checksums and loaded into
 * the engine, tagged `zun-glance:<checksum>`. That tag is this host's cache: an image whose
 * data is already here (same checksum, whatever its name or id) is not downloaded again.
 */
export class GlanceImageDriver {
  /** Told of every image made available, so a cache hit is observable (metrics, tests). */
  onFetch: (outcome: GlanceFetch, image: GlanceImage) => void = () => undefined;

  constructor(
    private readonly engine: EngineClient,
    readonly client: GlanceClient,
    private readonly logger: Logger,
    private readonly downloadDir: string = tmpdir(),
  ) {}

  async ensure(
    c: Pick<Container, 'image' | 'project_id' | 'image_pull_policy'>,
    pulling: (active: boolean) => Promise<void> = async () => undefined,
  ): Promise<{ ref: string; inspect: ImageInspect }> {
    const image = await this.client.resolve(c.image, c.project_id);
    const label = image.name ? `${image.name} (${image.id})` : image.id;
    if (image.container_format !== 'docker') {
      throw new GlanceError(
        `Glance image ${label} has container format ${image.container_format ?? 'none'}: only images of container format docker (a docker save tarball) can run as containers.`,
      );
    }
    if (image.status !== 'active') {
      throw new GlanceError(
        `Glance image ${label} is ${image.status}, not active: it has no data to run yet.`,
      );
    }
    const key = image.checksum ?? image.os_hash_value?.slice(0, 64);
    if (!key) throw new GlanceError(`Glance image ${label} has no checksum: its data cannot be verified.`);
    const ref = `${GLANCE_CACHE_REPO}:${key}`;
    const cached = await this.engine.inspectImage(ref);
    if (cached) {
      this.logger.info('glance image cache hit', { image: image.id, name: image.name, ref });
      this.onFetch('cache_hit', image);
      return { ref, inspect: cached };
    }
    if ((c.image_pull_policy ?? '').toLowerCase() === 'never') {
      throw new ImageNotPresentError(
        `Glance image ${label} is not in this host's cache and the pull policy is never`,
      );
    }
    await pulling(true);
    const id = await this.download(image, label);
    try {
      await this.engine.imageFiles.tag(id, GLANCE_CACHE_REPO, key);
    } catch (err) {
      await this.engine.imageFiles.remove(id).catch(() => undefined);
      throw err;
    }
    await pulling(false);
    const inspect = await this.engine.inspectImage(ref);
    if (!inspect)
      throw new ImageNotPresentError(`Glance image ${label} was loaded but cannot be found on this host`);
    this.onFetch('downloaded', image);
    return { ref, inspect };
  }

  /**
   * Downloads into a file first and loads only verified data: the engine never sees bytes that
   * fail the checksum, so a bad download leaves no image behind.
   */
  private async download(image: GlanceImage, label: string): Promise<string> {
    const started = Date.now();
    this.logger.info('glance image download', { image: image.id, name: image.name, size: image.size });
    const dir = await mkdtemp(path.join(this.downloadDir, 'zun-glance-'));
    const file = path.join(dir, 'image.tar');
    try {
      await downloadVerified(await this.client.download(image.id), image, file);
      let id: string;
      try {
        id = await this.engine.imageFiles.load(untagged(createReadStream(file)));
      } catch (err) {
        throw new GlanceError(
          `Glance image ${label} could not be loaded into the engine: ${(err as Error).message}`,
        );
      }
      this.logger.info('glance image loaded', { image: image.id, id, ms: Date.now() - started });
      return id;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
