import { ConflictError, Image, ImageStatus, NotFoundError, type Logger } from '@zun/common';
import type { EngineClient, ImageInspect } from '../docker/engine';
import { EngineError } from '../docker/errors';
import { reasonOf } from '../manager/context';
import type { DockerImageDriver } from './docker-image-driver';

/**
 * This host's image records (/v1/images): pulls the rows `Pulling`, keeps `image_id` and `size`
 * true to the engine and removes images on request. A pull runs in the background, at most
 * once per record at a time; its row is its durable work item, so a pull the agent missed or
 * was interrupted in is taken up again by the next resume() (start-up and every reconcile).
 */
export class ImageRecords {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly host: string,
    private readonly engine: EngineClient,
    private readonly images: DockerImageDriver,
    private readonly logger: Logger,
  ) {}

  /** Starts pulling record `uuid` unless it is already being pulled; does not wait for the pull. */
  async startPull(uuid: string): Promise<void> {
    const row = await Image.findOne({ where: { uuid, host: this.host } });
    if (!row) throw new NotFoundError(`Image ${uuid} could not be found on ${this.host}.`, 'image-not-found');
    if (row.status === ImageStatus.Pulling) this.pullInBackground(row);
  }

  /** Waits for the pulls in flight (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight.values());
  }

  /**
   * Takes up the rows still `Pulling`, and checks the pulled ones against the engine: an image
   * removed outside the service loses its `image_id` and says so; a name pulled again since
   * (another image under the same repo:tag) gets the new id and size.
   */
  async reconcile(): Promise<void> {
    const rows = await Image.findAll({ where: { host: this.host } });
    for (const row of rows) {
      if (row.status === ImageStatus.Pulling) {
        this.pullInBackground(row);
        continue;
      }
      if (row.status !== ImageStatus.Pulled || this.inFlight.has(row.uuid)) continue;
      const now = await this.engine.inspectImage(`${row.repo}:${row.tag}`);
      if (!now) {
        this.logger.warn('image removed from the host outside zun', {
          image: row.uuid,
          image_id: row.image_id,
        });
        await row.update({
          status: ImageStatus.Error,
          image_id: null,
          size: null,
          status_reason: `Image ${row.repo}:${row.tag} (${row.image_id ?? 'no id'}) is no longer on host ${this.host}: it was removed outside Zun. Pull it again.`,
        });
      } else if (now.Id !== row.image_id || String(now.Size) !== String(row.size)) {
        await row.update(recordOf(now));
      }
    }
  }

  /**
   * Removes the record's image from the engine by its name (another name of the same image
   * keeps it). An image a container uses is refused (409) and stays.
   */
  async remove(uuid: string): Promise<void> {
    const row = await Image.findOne({ where: { uuid, host: this.host } });
    if (!row) throw new NotFoundError(`Image ${uuid} could not be found on ${this.host}.`, 'image-not-found');
    await this.inFlight.get(uuid);
    const present = await this.engine.inspectImage(`${row.repo}:${row.tag}`);
    // Only the image the record stands for: a name another image took since is not ours to remove.
    if (!present || (row.image_id && present.Id !== row.image_id)) return;
    try {
      await this.engine.removeImage(`${row.repo}:${row.tag}`);
    } catch (err) {
      if (err instanceof EngineError && err.statusCode === 409) {
        throw new ConflictError(`Image ${row.repo}:${row.tag} is in use on ${this.host}: ${err.message}`);
      }
      throw err;
    }
  }

  private pullInBackground(row: Image): void {
    if (this.inFlight.has(row.uuid)) return;
    const run = this.pull(row)
      .catch((err: unknown) => {
        this.logger.warn('image record update failed', { image: row.uuid, error: String(err) });
      })
      .finally(() => this.inFlight.delete(row.uuid));
    this.inFlight.set(row.uuid, run);
  }

  /** Pulls with policy always from the registry the name says (the default registry's credentials apply). */
  private async pull(row: Image): Promise<void> {
    const ref = `${row.repo}:${row.tag}`;
    const log = this.logger.child({ image: row.uuid });
    log.info('pulling image', { ref });
    try {
      const { inspect } = await this.images.ensureImage(ref, 'always', null);
      await row.update({ ...recordOf(inspect), status: ImageStatus.Pulled, status_reason: null });
      log.info('image pulled', { ref, image_id: inspect.Id });
    } catch (err) {
      log.warn('image pull failed', { ref, reason: reasonOf(err) });
      await row.update({
        status: ImageStatus.Error,
        status_reason: `Pulling ${ref} failed: ${reasonOf(err)}`,
      });
    }
  }
}

const recordOf = (i: ImageInspect): { image_id: string; size: string } => ({
  image_id: i.Id,
  size: String(i.Size),
});
