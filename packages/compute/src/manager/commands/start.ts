import { ContainerStatus, TaskState, type Container } from '@zun/common';
import { applyInspect, reasonOf, type ManagerContext } from '../context';

/** Starts the Docker container. Returns true when it failed (the row is then in Error). */
export async function startContainer(
  ctx: ManagerContext,
  c: Container,
  requestId: string | null,
  opts: { asPartOfCreate?: boolean } = {},
): Promise<boolean> {
  const ev = await ctx.actions.startEvent(c.uuid, requestId, 'compute__do_container_start');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to start');
    await c.update({ task_state: TaskState.ContainerStarting });
    await ctx.engine.startContainer(c.container_id);
    const info = await ctx.engine.inspectContainer(c.container_id);
    if (info) await applyInspect(c, info);
    // A container whose command exits at once may already be Stopped; keep what Docker says.
    if (!info) await c.update({ status: ContainerStatus.Running });
    await c.update({ task_state: null });
    await ctx.actions.finishEvent(ev);
    if (!opts.asPartOfCreate) await ctx.actions.finishAction(c.uuid, requestId, false);
    return false;
  } catch (err) {
    const reason = reasonOf(err);
    ctx.logger.warn('container start failed', { uuid: c.uuid, reason });
    await c.update({ status: ContainerStatus.Error, status_reason: reason, task_state: null });
    await ctx.actions.finishEvent(ev, err as Error);
    if (!opts.asPartOfCreate) await ctx.actions.finishAction(c.uuid, requestId, true);
    return true;
  }
}
