import { Op } from 'sequelize';
import { Container, ContainerStatus, TaskState, isDatabaseUnavailable } from '@zun/common';
import { applyInspect, reasonOf, type ManagerContext } from './context';
import { containerSpec } from './commands/create';
import { createOnNetworks } from '../network/attach';
import { DEFAULT_NETWORK } from '../network/project-networks';
import { restoreMounts } from '../volume/mounts';
import { ensureRowImage } from '../image/row-image';

/** Statuses in which a vanished container is brought back (states.md §6.1 step 4). */
export const HEALABLE: ContainerStatus[] = [
  ContainerStatus.Created,
  ContainerStatus.Running,
  ContainerStatus.Stopped,
  ContainerStatus.Error,
];

/**
 * auto_heal: the Docker container of a row vanished behind the service's back, so a new one is
 * created from the row (same image, command, limits, ports, policies, networks and mounts) and
 * started again if the row was Running when it vanished. Upstream intends this but its call is
 * broken; here it works. The claim is kept: the row never left the host. A failure leaves the
 * row in Error with the reason.
 */
export async function healContainer(ctx: ManagerContext, c: Container, wasRunning: boolean): Promise<void> {
  const lost = c.container_id;
  // First writer wins, as for any task: a concurrent heal (event + reconcile) or a user's
  // delete that got there first leaves this one with nothing to do.
  const [taken] = await Container.update(
    { task_state: TaskState.ContainerRebuilding },
    { where: { uuid: c.uuid, container_id: lost, task_state: null, status: { [Op.in]: HEALABLE } } },
  );
  if (taken === 0) return;
  await c.reload();
  ctx.logger.warn('docker container vanished; auto-healing', { uuid: c.uuid, lost });
  try {
    const { ref } = await ensureRowImage(ctx, c, 'ifnotpresent');
    const id = await recreateFromRow(ctx, c, ref);
    await c.update({ container_id: id });
    if (wasRunning) await ctx.engine.startContainer(id);
    const info = await ctx.engine.inspectContainer(id);
    if (info) await applyInspect(c, info, { task_state: null });
    else await c.update({ task_state: null });
    ctx.logger.info('container auto-healed', { uuid: c.uuid, container_id: id, started: wasRunning });
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    const reason = `auto_heal could not recreate the container: ${reasonOf(err)}`;
    ctx.logger.warn('auto-heal failed', { uuid: c.uuid, reason });
    await c.update({ status: ContainerStatus.Error, status_reason: reason, task_state: null });
  }
}

/**
 * A new Docker container for a row whose container is gone: on the project networks it was on
 * (the row's addresses are keyed by them) and with the mounts the row asked for, so named and
 * sized volumes that survived keep their data. Rows from before those were stored (mounts
 * null) have nothing to go by and come back without mounts.
 */
export async function recreateFromRow(ctx: ManagerContext, c: Container, ref: string): Promise<string> {
  if (c.mounts === null) ctx.logger.warn('no stored mounts; recreating without mounts', { uuid: c.uuid });
  const mounts = await restoreMounts(ctx, c, c.mounts ?? []);
  const nets = Object.keys(c.addresses ?? {});
  return createOnNetworks(ctx, c, nets.length ? nets : [DEFAULT_NETWORK], (network) =>
    ctx.engine.createContainer(containerSpec(ctx, c, ref, network, mounts)),
  );
}

/**
 * A heal cut short by an agent crash would hold its task state for ever; releasing it lets the
 * reconcile that follows start up find the row again and heal it anew. (Rows being rebuilt by
 * a user's rebuild are Rebuilding and belong to that task.)
 */
export async function releaseInterruptedHeals(host: string): Promise<void> {
  await Container.update(
    { task_state: null },
    {
      where: {
        host,
        task_state: TaskState.ContainerRebuilding,
        status: { [Op.ne]: ContainerStatus.Rebuilding },
      },
    },
  );
}
