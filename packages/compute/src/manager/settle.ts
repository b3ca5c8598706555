import { ContainerStatus, type Container } from '@zun/common';
import { applyInspect, reasonOf, type ManagerContext } from './context';

/**
 * After an operation on an existing Docker container: write what the engine now shows and
 * clear the task state in one UPDATE. A failed operation must not leave a half-changed row,
 * so the status is what Docker reports (the container is usually as it was), not a guess; a
 * Docker container that has vanished makes the row Error with the engine's reason.
 */
export async function settleFromEngine(ctx: ManagerContext, c: Container): Promise<void> {
  const info = c.container_id ? await ctx.engine.inspectContainer(c.container_id).catch(() => null) : null;
  if (info) {
    await applyInspect(c, info, { task_state: null });
    return;
  }
  await c.update({
    status: ContainerStatus.Error,
    status_reason: c.container_id
      ? `No such container: ${c.container_id} in docker`
      : 'Container has no Docker container',
    status_detail: null,
    task_state: null,
  });
}

/** Logs a failed command the same way for every verb. */
export function logFailure(ctx: ManagerContext, c: Container, verb: string, err: unknown): void {
  ctx.logger.warn(`container ${verb} failed`, { uuid: c.uuid, reason: reasonOf(err) });
}
