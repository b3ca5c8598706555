import {
  ContainerStatus,
  LABEL_IMAGE_UUID,
  LABEL_MANAGED,
  isDatabaseUnavailable,
  type Container,
} from '@zun/common';
import { reasonOf, type ManagerContext } from '../manager/context';
import { GLANCE_CACHE_REPO } from './glance-image-driver';
import { glanceDriver } from './row-image';

/**
 * The agent's half of a commit into Glance: the API made the (queued) Glance image and set
 * task state image_uploading. The container is committed into an untagged engine image (no
 * name on this host changes), whose `docker save` is streamed into the Glance image; the image
 * then stays here as the cache entry of its checksum, so running it on this host downloads
 * nothing. On failure the Glance image is deleted (a half-made one must not be run), the engine
 * image removed and the reason recorded on the action. The task state is cleared either way.
 */
export async function commitToGlance(
  ctx: ManagerContext,
  c: Container,
  glanceImageId: string,
  imageUuid: string,
  done: (err?: Error) => void,
): Promise<void> {
  let engineImage: string | null = null;
  try {
    const glance = glanceDriver(ctx);
    if (!c.container_id) throw new Error('Container has no Docker container to commit');
    engineImage = await ctx.engine.commitContainer(c.container_id, {
      repository: '',
      tag: '',
      pause: c.status === ContainerStatus.Running,
      labels: { [LABEL_MANAGED]: 'false', [LABEL_IMAGE_UUID]: imageUuid },
    });
    const started = Date.now();
    await glance.client.upload(glanceImageId, await ctx.engine.imageFiles.save(engineImage));
    const uploaded = await glance.client.getImage(glanceImageId);
    if (uploaded?.checksum)
      await ctx.engine.imageFiles.tag(engineImage, GLANCE_CACHE_REPO, uploaded.checksum);
    else await ctx.engine.imageFiles.remove(engineImage);
    ctx.logger.info('container committed to glance', {
      uuid: c.uuid,
      glance_image: glanceImageId,
      size: uploaded?.size,
      ms: Date.now() - started,
    });
    await c.update({ task_state: null });
    done();
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    const reason = reasonOf(err);
    ctx.logger.warn('container commit to glance failed', {
      uuid: c.uuid,
      glance_image: glanceImageId,
      reason,
    });
    if (engineImage) await ctx.engine.imageFiles.remove(engineImage).catch(() => undefined);
    await ctx.glance?.client.deleteImage(glanceImageId).catch((e: unknown) =>
      ctx.logger.warn('could not delete the failed glance image', {
        glance_image: glanceImageId,
        reason: reasonOf(e),
      }),
    );
    await c.update({ task_state: null });
    done(
      new Error(`Commit to Glance image ${glanceImageId} failed (the Glance image was deleted): ${reason}`),
    );
  }
}
