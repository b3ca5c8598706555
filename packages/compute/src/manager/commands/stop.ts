import { TaskState, type Container, type StopTaskParams, isDatabaseUnavailable } from '@zun/common';
import type { ActionLog } from '../actions';
import { applyInspect, reasonOf, type ManagerContext } from '../context';

/** Stops the Docker container. A failure is recorded on the action; the status stays truthful. */
export async function stopContainer(
  ctx: ManagerContext,
  c: Container,
  params: StopTaskParams,
  audit: ActionLog,
): Promise<void> {
  const done = audit.event('compute__do_container_stop');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to stop');
    await c.update({ task_state: TaskState.ContainerStopping });
    await ctx.engine.stopContainer(c.container_id, params.timeout ?? ctx.config.docker.stopTimeout);
    const info = await ctx.engine.inspectContainer(c.container_id);
    if (info) await applyInspect(c, info, { task_state: null });
    else await c.update({ task_state: null });
    done();
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    ctx.logger.warn('container stop failed', { uuid: c.uuid, reason: reasonOf(err) });
    const info = c.container_id ? await ctx.engine.inspectContainer(c.container_id).catch(() => null) : null;
    if (info) await applyInspect(c, info, { task_state: null });
    else await c.update({ task_state: null });
    done(err as Error);
  }
}
