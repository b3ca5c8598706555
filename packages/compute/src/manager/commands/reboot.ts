import {
  ContainerStatus,
  TaskState,
  type Container,
  type RebootTaskParams,
  isDatabaseUnavailable,
} from '@zun/common';
import type { ActionLog } from '../actions';
import { applyInspect, reasonOf, type ManagerContext } from '../context';
import { logFailure, settleFromEngine } from '../settle';

/**
 * Restarts the Docker container (the API already set Restarting). Success → Running with a
 * new StartedAt. On failure the row does not stay Restarting: a container Docker still runs
 * shows Running, anything else is Error with the engine's reason (as a failed start).
 */
export async function rebootContainer(
  ctx: ManagerContext,
  c: Container,
  params: RebootTaskParams,
  audit: ActionLog,
): Promise<void> {
  const done = audit.event('compute__do_container_reboot');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to restart');
    await c.update({ task_state: TaskState.ContainerRebooting });
    await ctx.engine.restartContainer(c.container_id, params.timeout ?? ctx.config.docker.stopTimeout);
    const info = await ctx.engine.inspectContainer(c.container_id);
    if (!info) throw new Error(`No such container: ${c.container_id} in docker`);
    await applyInspect(c, info, { task_state: null });
    done();
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    logFailure(ctx, c, 'reboot', err);
    const info = c.container_id ? await ctx.engine.inspectContainer(c.container_id).catch(() => null) : null;
    if (info?.State?.Running) await applyInspect(c, info, { task_state: null });
    else if (!info) await settleFromEngine(ctx, c);
    else
      await c.update({
        status: ContainerStatus.Error,
        status_reason: reasonOf(err),
        task_state: null,
      });
    done(err as Error);
  }
}
