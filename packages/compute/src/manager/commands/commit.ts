import {
  ContainerStatus,
  LABEL_IMAGE_UUID,
  LABEL_MANAGED,
  type CommitTaskParams,
  type Container,
  isDatabaseUnavailable,
} from '@zun/common';
import { parseImageReference } from '@zun/common';
import type { ActionLog } from '../actions';
import { reasonOf, type ManagerContext } from '../context';

/**
 * Commits the container into `repository:tag` and pushes it when the repository names a
 * registry; otherwise the image stays on this host. A running container is paused by the
 * engine for the copy and resumed after (an already paused one stays paused). Failures are
 * recorded on the action (`zun action-show`); the container itself is left as it was.
 */
export async function commitContainer(
  ctx: ManagerContext,
  c: Container,
  params: CommitTaskParams,
  audit: ActionLog,
): Promise<void> {
  const done = audit.event('compute__do_container_commit');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to commit');
    const imageId = await ctx.engine.commitContainer(c.container_id, {
      repository: params.repository,
      tag: params.tag,
      pause: c.status === ContainerStatus.Running,
      // The container's own labels are copied into the image; containers started from it by
      // anyone else must not look like ours to the state sync.
      labels: { [LABEL_MANAGED]: 'false', [LABEL_IMAGE_UUID]: params.image_uuid },
    });
    ctx.logger.info('container committed', { uuid: c.uuid, image: imageId, repository: params.repository });
    if (parseImageReference(params.repository).registry) {
      await ctx.engine.pushImage(params.repository, params.tag);
      ctx.logger.info('image pushed', { repository: params.repository, tag: params.tag });
    }
    done();
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    ctx.logger.warn('container commit failed', { uuid: c.uuid, reason: reasonOf(err) });
    done(err as Error);
  }
}
