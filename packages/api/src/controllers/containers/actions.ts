import { ContainerAction, ContainerActionEvent, NotFoundError, type Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { allowed } from '../../policy';
import { isoMicro } from '../format';

/** The audit trail (containers.md §10): `zun action-list` and `zun action-show`. */
function actionView(a: ContainerAction): Record<string, unknown> {
  return {
    action: a.action,
    container_uuid: a.container_uuid,
    request_id: a.request_id,
    user_id: a.user_id,
    project_id: a.project_id,
    message: a.message ?? null,
    start_time: isoMicro(a.start_time),
    finish_time: isoMicro(a.finish_time),
  };
}

/** GET /v1/containers/{id}/container_actions: newest first. */
export async function listActions(c: Container): Promise<Record<string, unknown>[]> {
  const rows = await ContainerAction.findAll({
    where: { container_uuid: c.uuid },
    order: [
      ['created_at', 'DESC'],
      ['id', 'DESC'],
    ],
  });
  return rows.map(actionView);
}

/**
 * GET /v1/containers/{id}/container_actions/{request_id}: the action with its events, newest
 * first. Tracebacks are for admins only (container:action:events).
 */
export async function showAction(
  c: Container,
  requestId: string,
  ctx: RequestContext,
): Promise<Record<string, unknown>> {
  const action = await ContainerAction.findOne({
    where: { container_uuid: c.uuid, request_id: requestId },
    order: [['id', 'DESC']],
  });
  if (!action) {
    throw new NotFoundError(`Action for request_id ${requestId} on container ${c.uuid} not found.`);
  }
  const events = await ContainerActionEvent.findAll({
    where: { action_id: action.id },
    order: [
      ['created_at', 'DESC'],
      ['id', 'DESC'],
    ],
  });
  const tracebacks = allowed(ctx, 'container:action:events');
  return {
    ...actionView(action),
    events: events.map((e) => ({
      event: e.event,
      start_time: isoMicro(e.start_time),
      finish_time: isoMicro(e.finish_time),
      result: e.result ?? null,
      traceback: tracebacks ? (e.traceback ?? null) : null,
    })),
  };
}
