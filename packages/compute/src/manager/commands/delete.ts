import {
  ContainerStatus,
  TaskState,
  type Container,
  type DeleteTaskParams,
  isDatabaseUnavailable,
} from '@zun/common';
import { isNotFound } from '../../docker/errors';
import { reasonOf, type ManagerContext } from '../context';
import { releaseHostResources } from '../host-resources';

/**
 * Removes the Docker container, releases the claim and deletes the row (one transaction for
 * the last two). Without force a failure keeps the row in Error with the reason; with force
 * engine errors are ignored and the row goes anyway.
 */
export async function deleteContainer(
  ctx: ManagerContext,
  c: Container,
  params: DeleteTaskParams,
): Promise<void> {
  await c.update({ task_state: TaskState.ContainerDeleting });
  try {
    if (c.container_id) {
      if (params.stop) {
        await ctx.engine
          .stopContainer(c.container_id, ctx.config.docker.stopTimeout)
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          });
      }
      try {
        await ctx.engine.removeContainer(c.container_id, params.force || params.stop);
      } catch (err) {
        if (!isNotFound(err) && !params.force) throw err;
      }
    }
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    const reason = reasonOf(err);
    ctx.logger.warn('container delete failed', { uuid: c.uuid, reason });
    await c.update({ status: ContainerStatus.Error, status_reason: reason, task_state: null });
    return;
  }
  await releaseHostResources(ctx, c);
  await ctx.sequelize.transaction(async (transaction) => {
    await ctx.tracker.release(c.uuid, transaction);
    await c.destroy({ transaction });
  });
  ctx.logger.info('container deleted', { uuid: c.uuid });
}
