import { Op } from 'sequelize';
import {
  ComputeTask,
  OPEN_TASK_STATES,
  ContainerStatus,
  InvalidStateError,
  TaskState,
  isActionAllowed,
  type Container,
  type DeleteTaskParams,
} from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';

/**
 * DELETE /v1/containers/{id}: Deleting + a delete task on the host that holds (or is about to
 * hold) the container. A container no host ever took (scheduling failed, create failed) has
 * nothing on any engine, so its row goes at once.
 */
export async function deleteContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  params: DeleteTaskParams,
): Promise<void> {
  const rule = params.stop ? 'delete_after_stop' : params.force ? 'delete_force' : 'delete';
  if (!isActionAllowed(rule, c.status)) throw new InvalidStateError('delete', c.uuid, c.status);

  // A create may still be queued or running for a container without a host yet: the delete
  // must run after it, on the same host, or it would leave an orphan on the engine.
  const inFlight = c.host
    ? null
    : await ComputeTask.findOne({
        where: { container_uuid: c.uuid, state: { [Op.in]: OPEN_TASK_STATES } },
        order: [['id', 'DESC']],
      });
  const host = c.host ?? inFlight?.host ?? null;
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, c, rule, {
      taskState: host ? TaskState.ContainerDeleting : null,
      status: ContainerStatus.Deleting,
      overrideInProgress: params.force,
      verb: 'delete',
    });
    if (host) await recordAndQueue(t, c, host, 'delete', params, ctx);
    else await c.destroy({ transaction: t });
  });
}
