import { TaskState, type Container, isDatabaseUnavailable } from '@zun/common';
import type { ActionLog } from '../actions';
import type { ManagerContext } from '../context';
import { logFailure, settleFromEngine } from '../settle';

/** Unpauses the Docker container (task container_unpausing). */
export async function unpauseContainer(ctx: ManagerContext, c: Container, audit: ActionLog): Promise<void> {
  const done = audit.event('compute__do_container_unpause');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to unpause');
    await c.update({ task_state: TaskState.ContainerUnpausing });
    await ctx.engine.unpauseContainer(c.container_id);
    await settleFromEngine(ctx, c);
    done();
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    logFailure(ctx, c, 'unpause', err);
    await settleFromEngine(ctx, c);
    done(err as Error);
  }
}
