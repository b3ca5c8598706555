import { Op, QueryTypes } from 'sequelize';
import { CONTAINER_TYPE, Container, ContainerStatus } from '@zun/common';
import { applyInspect, reasonOf, type ManagerContext } from './context';
import { failCapsule } from './capsule/fail';
import { rollUpCapsule } from './capsule/rollup';

/**
 * Ends a container's part in a task whose command threw instead of settling the row itself
 * (a bug, a write the database refused, an action this agent does not know). The row must not
 * keep its task state: the reconcile skips such rows, so it would stay as it is for ever. It
 * goes to Error with the reason; the reconcile then brings the status in line with the engine.
 */
export async function failTaskContainer(
  ctx: ManagerContext,
  task: { container_uuid: string; action: string },
  reason: string,
): Promise<void> {
  const c = await Container.findOne({
    where: { uuid: task.container_uuid, [Op.or]: [{ host: ctx.host }, { host: null }] },
  });
  if (!c) return;
  if (c.container_type === CONTAINER_TYPE.capsule) {
    // Its sandbox and members go too, and its claim: a failed capsule holds nothing.
    await failCapsule(ctx, c, reason);
    return;
  }
  if (c.status === ContainerStatus.Deleted) {
    // auto_remove already took the Docker container: the reconcile purges the row once it is free.
    await c.update({ task_state: null });
    return;
  }
  await c.update({
    status: ContainerStatus.Error,
    status_reason: reason,
    status_detail: null,
    task_state: null,
  });
  ctx.logger.warn('container left in Error by a failed task', { uuid: c.uuid, reason });
}

/** The reason shown on a container whose task threw: what was asked, where, and why it failed. */
export function unexpectedFailure(ctx: ManagerContext, action: string, err: unknown): string {
  return `The ${action} failed unexpectedly on host ${ctx.host}: ${reasonOf(err)}`;
}

/**
 * At start-up, before any task runs: rows of this host that hold a task state without a
 * pending or running task were left by an agent that died (or failed to record the end of a
 * task). Nothing will ever clear them, and the reconcile skips them, so their status is read
 * again from the engine and the task state cleared; a row whose Docker container is gone goes
 * to Error with the reason.
 */
export async function settleStaleTaskStates(ctx: ManagerContext): Promise<string[]> {
  const stale = await ctx.sequelize.query<{ uuid: string }>(
    `SELECT c.uuid FROM containers c
      WHERE c.host = :host AND c.task_state IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM compute_tasks t
                         WHERE t.container_uuid = c.uuid AND t.state IN ('held', 'pending', 'running'))`,
    { replacements: { host: ctx.host }, type: QueryTypes.SELECT },
  );
  if (!stale.length) return [];
  const rows = await Container.findAll({ where: { uuid: stale.map((r) => r.uuid) } });
  const settled: string[] = [];
  for (const c of rows) {
    // One container the engine cannot answer for must not keep the agent from starting; its
    // row keeps the task state until the next start.
    await settle(ctx, c).then(
      () => settled.push(c.uuid),
      (err: unknown) =>
        ctx.logger.error('could not settle a stale task state', { uuid: c.uuid, error: reasonOf(err) }),
    );
  }
  ctx.logger.warn('cleared task states left by an earlier run', { containers: settled });
  return settled;
}

async function settle(ctx: ManagerContext, c: Container): Promise<void> {
  if (c.container_type === CONTAINER_TYPE.capsule) {
    if (c.status === ContainerStatus.Creating) {
      await failCapsule(ctx, c, `zun-compute on ${ctx.host} stopped during the capsule's create`);
    } else {
      await c.update({ task_state: null });
      await rollUpCapsule(ctx.engine, c.uuid, ctx.logger);
    }
    return;
  }
  if (c.status === ContainerStatus.Deleted) {
    await c.update({ task_state: null });
    return;
  }
  const info = c.container_id ? await ctx.engine.inspectContainer(c.container_id) : null;
  if (info) {
    await applyInspect(c, info, { task_state: null });
    return;
  }
  await c.update({
    status: ContainerStatus.Error,
    status_reason:
      `zun-compute on ${ctx.host} stopped during ${c.task_state} and the container has no Docker container` +
      (c.container_id ? ` (${c.container_id} is gone)` : ''),
    status_detail: null,
    task_state: null,
  });
}
