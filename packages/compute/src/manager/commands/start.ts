import { ContainerStatus, TaskState, type Container, isDatabaseUnavailable } from '@zun/common';
import type { ActionLog } from '../actions';
import { applyInspect, reasonOf, type ManagerContext } from '../context';
import { repairLostNetworks } from '../../network/repair';

/**
 * Starts the Docker container; on failure the row goes to Error with the engine's reason.
 * `recording` is a write of the row still in flight (create's): the engine starts meanwhile,
 * and every write of the start lands after it.
 */
export async function startContainer(
  ctx: ManagerContext,
  c: Container,
  audit: ActionLog,
  recording: Promise<unknown> = Promise.resolve(),
): Promise<void> {
  const done = audit.event('compute__do_container_start');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to start');
    if (c.task_state !== TaskState.ContainerStarting)
      await c.update({ task_state: TaskState.ContainerStarting });
    try {
      await ctx.engine.startContainer(c.container_id);
      ctx.steps?.mark('engine_start');
    } catch (err) {
      await recording;
      if (!(await repairLostNetworks(ctx, c))) throw err;
      await ctx.engine.startContainer(c.container_id);
    }
    await recording;
    ctx.steps?.mark('row_created');
    // Running is what a successful start means; say so at once, then fill in what only an
    // inspect tells (addresses, hostname, or Stopped already if the command exited at once).
    await c.update({
      status: ContainerStatus.Running,
      status_reason: null,
      task_state: null,
      started_at: new Date(),
    });
    ctx.steps?.mark('row_running');
    done();
    const info = await ctx.engine.inspectContainer(c.container_id);
    if (info) await applyInspect(c, info);
    ctx.steps?.mark('inspect_after');
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    // The row's pending write first, so the Error below is the last word.
    await recording.catch(() => undefined);
    const reason = reasonOf(err);
    ctx.logger.warn('container start failed', { uuid: c.uuid, reason });
    await c.update({ status: ContainerStatus.Error, status_reason: reason, task_state: null });
    done(err as Error);
  }
}
