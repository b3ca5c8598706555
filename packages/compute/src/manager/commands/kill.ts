import { TaskState, type Container, type KillTaskParams, isDatabaseUnavailable } from '@zun/common';
import type { ActionLog } from '../actions';
import type { ManagerContext } from '../context';
import { logFailure, settleFromEngine } from '../settle';

/** How long a killed container gets to exit before its state is recorded. */
const EXIT_GRACE_MS = 2_000;

/**
 * Sends the signal. Upstream marks the row Stopped whatever the signal; here the row shows
 * what Docker reports once the process had a moment to exit, so a signal the process handles
 * (and survives) leaves it Running, and a later exit arrives through the engine's events.
 */
export async function killContainer(
  ctx: ManagerContext,
  c: Container,
  params: KillTaskParams,
  audit: ActionLog,
): Promise<void> {
  const done = audit.event('compute__do_container_kill');
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to kill');
    await c.update({ task_state: TaskState.ContainerKilling });
    await ctx.engine.killContainer(c.container_id, params.signal);
    const deadline = Date.now() + EXIT_GRACE_MS;
    while (Date.now() < deadline) {
      const info = await ctx.engine.inspectContainer(c.container_id);
      if (!info?.State?.Running) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await settleFromEngine(ctx, c);
    done();
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    logFailure(ctx, c, 'kill', err);
    await settleFromEngine(ctx, c);
    done(err as Error);
  }
}
