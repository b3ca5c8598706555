import { ContainerStatus, TaskState, type Container, isDatabaseUnavailable } from '@zun/common';
import type { ActionLog } from '../actions';
import { applyInspect, reasonOf, type ManagerContext } from '../context';
import { repairLostNetworks } from '../../network/repair';

/** What a create learnt from the engine, written together with the start's outcome. */
export type CreatedFields = Partial<
  Pick<Container, 'container_id' | 'mounts' | 'command' | 'entrypoint' | 'ports'>
> & { container_id: string };

/**
 * Starts the Docker container; on failure the row goes to Error with the engine's reason.
 * `created` is what a create with run=true has not written yet (the Docker container's id
 * among it): it goes into the same write as Running or Error, so the row goes from Creating to
 * Running in one write and the client waiting for it is woken once.
 */
export async function startContainer(
  ctx: ManagerContext,
  c: Container,
  audit: ActionLog,
  created: CreatedFields | null = null,
): Promise<void> {
  const done = audit.event('compute__do_container_start');
  const id = created?.container_id ?? c.container_id;
  try {
    if (!id) throw new Error('Container has no Docker container to start');
    if (!created && c.task_state !== TaskState.ContainerStarting)
      await c.update({ task_state: TaskState.ContainerStarting });
    try {
      await ctx.engine.startContainer(id);
      ctx.steps?.mark('engine_start');
    } catch (err) {
      if (!(await repairLostNetworks(ctx, c, id))) throw err;
      await ctx.engine.startContainer(id);
    }
    // Running is what a successful start means; say so at once, then fill in what only an
    // inspect tells (addresses, hostname, or Stopped already if the command exited at once).
    await c.update({
      ...created,
      status: ContainerStatus.Running,
      status_reason: null,
      task_state: null,
      started_at: new Date(),
    });
    ctx.steps?.mark('row_running');
    done();
    const info = await ctx.engine.inspectContainer(id);
    if (info) await applyInspect(c, info);
    ctx.steps?.mark('inspect_after');
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row). A create run
    // again finds its Docker container by name and makes it afresh.
    if (isDatabaseUnavailable(err)) throw err;
    const reason = reasonOf(err);
    ctx.logger.warn('container start failed', { uuid: c.uuid, reason });
    // With the Docker container's id, so a delete removes it.
    await c.update({ ...created, status: ContainerStatus.Error, status_reason: reason, task_state: null });
    done(err as Error);
  }
}
