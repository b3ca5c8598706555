import { Op } from 'sequelize';
import {
  Container,
  ContainerStatus,
  TaskState,
  isDatabaseUnavailable,
  type DeleteTaskParams,
} from '@zun/common';
import { collectUnusedNetworks } from '../../network/project-networks';
import { reasonOf, type ManagerContext } from '../context';
import { removeEngineContainers } from './parts';
import { releaseCapsuleVolumes } from './volumes';

/**
 * Deletes a capsule, the `delete` task of its sandbox row: the engine containers of its init
 * containers and members (removed at once, as `docker rm -f` does), then its sandbox, its
 * autoRemove volumes, the claim held under the sandbox's uuid and every row (one transaction
 * for the last two). Re-runnable: what is already gone is skipped. Without force an engine
 * failure leaves the capsule in Error with the reason and its rows in place, to be deleted again.
 */
export async function deleteCapsule(
  ctx: ManagerContext,
  capsule: Container,
  params: DeleteTaskParams,
): Promise<void> {
  const all = { [Op.or]: [{ uuid: capsule.uuid }, { capsule_id: capsule.uuid }] };
  // The parts' own events (die, destroy) must not be read as failures while they go.
  await Container.update({ task_state: TaskState.ContainerDeleting }, { where: all });
  try {
    await removeEngineContainers(ctx, capsule);
    await releaseCapsuleVolumes(ctx, capsule, { inUseIsFine: false });
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw err;
    if (!params.force) {
      const reason = `The capsule delete failed: ${reasonOf(err)}`;
      ctx.logger.warn('capsule delete failed', { uuid: capsule.uuid, reason });
      await Container.update({ task_state: null }, { where: all });
      await capsule.update({ status: ContainerStatus.Error, status_reason: reason, task_state: null });
      return;
    }
  }
  await collectUnusedNetworks(ctx, { project: capsule.project_id }).catch((err: unknown) =>
    ctx.logger.warn('could not release capsule networks', { uuid: capsule.uuid, reason: reasonOf(err) }),
  );
  await ctx.sequelize.transaction(async (transaction) => {
    await ctx.tracker.release(capsule.uuid, transaction);
    await Container.destroy({ where: all, transaction });
  });
  ctx.logger.info('capsule deleted', { uuid: capsule.uuid });
}
