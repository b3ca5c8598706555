import { Op } from 'sequelize';
import { Container, ContainerStatus } from '@zun/common';
import { collectUnusedNetworks } from '../../network/project-networks';
import { applyInspect, reasonOf, type ManagerContext } from '../context';
import { loadParts, removeEngineContainers } from './parts';
import { releaseCapsuleVolumes } from './volumes';

/**
 * Ends a capsule create that cannot finish: the capsule (sandbox row) in Error with `reason`,
 * holding nothing. Its sandbox and members go from the engine; init containers that ran and
 * exited are kept, with their rows Stopped and their exit code, so `zun logs <uuid>` shows why
 * one failed (the capsule's delete removes them). Members and init containers that never ran
 * are Error, saying why. The claim is released; the rows keep this host, since kept containers
 * live here and the capsule's delete must come here to remove them.
 */
export async function failCapsule(ctx: ManagerContext, capsule: Container, reason: string): Promise<void> {
  ctx.logger.warn('capsule create failed', { uuid: capsule.uuid, reason });
  const parts = await loadParts(capsule.uuid);
  const kept = new Set<string>();
  for (const init of parts.inits) {
    const info = init.container_id ? await ctx.engine.inspectContainer(init.container_id) : null;
    if (!info || info.State?.Running) continue;
    kept.add(init.uuid);
    // One that ran to its end was settled then, with its exit code as the reason.
    if (init.status !== ContainerStatus.Stopped) await applyInspect(init, info, { task_state: null });
  }
  await removeEngineContainers(ctx, capsule, kept);
  try {
    await releaseCapsuleVolumes(ctx, capsule, { inUseIsFine: true });
    await collectUnusedNetworks(ctx, { project: capsule.project_id });
  } catch (err) {
    // Tried again by the capsule's delete (volumes) and the reconcile (networks).
    ctx.logger.warn('could not release capsule resources', { uuid: capsule.uuid, reason: reasonOf(err) });
  }
  const notRun = [...parts.inits, ...parts.members].filter((p) => !kept.has(p.uuid)).map((p) => p.uuid);
  await ctx.sequelize.transaction(async (transaction) => {
    await ctx.tracker.release(capsule.uuid, transaction);
    await capsule.update(
      {
        status: ContainerStatus.Error,
        status_reason: reason,
        status_detail: null,
        task_state: null,
        container_id: null,
      },
      { transaction },
    );
    await Container.update(
      {
        status: ContainerStatus.Error,
        status_reason: `Not running: ${reason}`,
        status_detail: null,
        task_state: null,
        container_id: null,
      },
      { where: { uuid: { [Op.in]: notRun } }, transaction },
    );
  });
}
