import { randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import {
  ComputeTask,
  currentRequestId,
  TASK_CHANNEL,
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
): Promise<void> {
  // The request's id, which `zun action-list` shows and the agent's task carries into its logs.
  const requestId = currentRequestId() ?? `req-${randomUUID()}`;
  // One statement: the action row, the task that points at it, and the notification.
  await ComputeTask.sequelize!.query(
    `WITH audit AS (
       INSERT INTO container_actions (container_uuid, action, request_id, user_id, project_id, start_time,
                                      created_at, updated_at)
       VALUES (:uuid, :action, :requestId, :userId, :projectId, now(), now(), now())
       RETURNING id)
     INSERT INTO compute_tasks (container_uuid, host, action, params, request_id, action_id, state, created_at,
                                updated_at)
     SELECT :uuid, :host, :action, CAST(:params AS jsonb), :requestId, audit.id, 'pending', now(), now() FROM audit
     RETURNING pg_notify(:channel, :host)`,
    {
      replacements: {
        uuid: c.uuid,
        action,
        requestId,
        userId: ctx.userId,
        projectId: ctx.projectId,
        host,
        params: JSON.stringify(params),
        channel: TASK_CHANNEL,
      },
      transaction: t,
    },
  );
}

export async function agentEndpoint(host: string): Promise<string | null> {
  const service = await Service.findOne({
    where: { host, binary: COMPUTE_BINARY },
    attributes: ['endpoint'],
  });
  return service?.endpoint ?? null;
}
