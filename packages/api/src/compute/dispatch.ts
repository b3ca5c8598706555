import type { Transaction } from 'sequelize';
import {
  ComputeTask,
  TASK_CHANNEL,
  ContainerAction,
  Service,
  COMPUTE_BINARY,
  type Container,
  type TaskAction,
  type TaskParamsByAction,
} from '@zun/common';
import type { RequestContext } from '../identity/context';

/**
 * Writes the audit row and the durable task for an action inside the caller's transaction,
 * and notifies the host's agent (delivered by PostgreSQL on commit only). Writing them
 * together means an accepted request is always both visible in `zun action-list` and
 * eventually carried out.
 */
export async function recordAndQueue<A extends TaskAction>(
  t: Transaction,
  c: Container,
  host: string,
  action: A,
  params: TaskParamsByAction[A],
  ctx: RequestContext,
  requestId: string,
): Promise<void> {
  const audit = await ContainerAction.create(
    {
      container_uuid: c.uuid,
      action,
      request_id: requestId,
      user_id: ctx.userId,
      project_id: ctx.projectId,
      start_time: new Date(),
    },
    { transaction: t },
  );
  await ComputeTask.create(
    {
      container_uuid: c.uuid,
      host,
      action,
      params: params as unknown as Record<string, unknown>,
      request_id: requestId,
      action_id: audit.id,
      state: 'pending',
    },
    { transaction: t },
  );
  await ComputeTask.sequelize!.query('SELECT pg_notify(:channel, :host)', {
    replacements: { channel: TASK_CHANNEL, host },
    transaction: t,
  });
}

export async function agentEndpoint(host: string): Promise<string | null> {
  const service = await Service.findOne({ where: { host, binary: COMPUTE_BINARY }, attributes: ['endpoint'] });
  return service?.endpoint ?? null;
}
