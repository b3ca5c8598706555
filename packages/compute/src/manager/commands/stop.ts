import { TaskState, type Container, type StopTaskParams } from '@zun/common';
import { applyInspect, reasonOf, type ManagerContext } from '../context';

/** Stops the Docker container. A failure is recorded on the action; the status stays truthful. */
export async function stopContainer(
  ctx: ManagerContext,
  c: Container,
  params: StopTaskParams,
  requestId: string | null,
): Promise<void> {
  const ev = await ctx.actions.startEvent(c.uuid, requestId, 'compute__do_container_stop');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to stop');
    await c.update({ task_state: TaskState.ContainerStopping });
    await ctx.engine.stopContainer(c.container_id, params.timeout ?? ctx.config.docker.stopTimeout);
    const info = await ctx.engine.inspectContainer(c.container_id);
    if (info) await applyInspect(c, info);
    await c.update({ task_state: null });
    await ctx.actions.finishEvent(ev);
    await ctx.actions.finishAction(c.uuid, requestId, false);
  } catch (err) {
    ctx.logger.warn('container stop failed', { uuid: c.uuid, reason: reasonOf(err) });
    await c.update({ task_state: null });
    if (c.container_id) {
      const info = await ctx.engine.inspectContainer(c.container_id).catch(() => null);
      if (info) await applyInspect(c, info);
    }
    await ctx.actions.finishEvent(ev, err as Error);
    await ctx.actions.finishAction(c.uuid, requestId, true);
  }
}
