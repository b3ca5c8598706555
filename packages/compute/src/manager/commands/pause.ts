import { TaskState, type Container, isDatabaseUnavailable } from '@zun/common';
import type { ActionLog } from '../actions';
import type { ManagerContext } from '../context';
import { logFailure, settleFromEngine } from '../settle';

/** Pauses the Docker container (task container_pausing); the row shows Docker's state after. */
export async function pauseContainer(ctx: ManagerContext, c: Container, audit: ActionLog): Promise<void> {
  const done = audit.event('compute__do_container_pause');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to pause');
    await c.update({ task_state: TaskState.ContainerPausing });
    await ctx.engine.pauseContainer(c.container_id);
    await settleFromEngine(ctx, c);
    done();
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    logFailure(ctx, c, 'pause', err);
    await settleFromEngine(ctx, c);
    done(err as Error);
  }
}
