import { CONTAINER_TYPE, type Container, type TaskAction, type TaskParamsByAction } from '@zun/common';
import type { ActionLog } from './actions';
import type { ManagerContext } from './context';
import { commitContainer } from './commands/commit';
import { createContainer } from './commands/create';
import { deleteContainer } from './commands/delete';
import { killContainer } from './commands/kill';
import { pauseContainer } from './commands/pause';
import { rebootContainer } from './commands/reboot';
import { rebuildContainer } from './commands/rebuild';
import { startContainer } from './commands/start';
import { stopContainer } from './commands/stop';
import { unpauseContainer } from './commands/unpause';
import { attachNetwork, detachNetwork } from '../network/attach';
import { createCapsule } from './capsule/create';
import { deleteCapsule } from './capsule/delete';

type Handler<A extends TaskAction> = (
  ctx: ManagerContext,
  c: Container,
  params: TaskParamsByAction[A],
  audit: ActionLog,
) => Promise<void>;

/**
 * The command that carries out each durable task action. Typed by the contract's
 * TaskParamsByAction, so an action added there without a command here does not compile.
 */
export const TASK_HANDLERS: { readonly [A in TaskAction]: Handler<A> } = {
  // A capsule is created and deleted through its sandbox row, with the same task actions.
  create: (ctx, c, params, audit) =>
    c.container_type === CONTAINER_TYPE.capsule
      ? createCapsule(ctx, c, params, audit)
      : createContainer(ctx, c, params, audit),
  start: (ctx, c, _params, audit) => startContainer(ctx, c, audit),
  stop: stopContainer,
  delete: (ctx, c, params) =>
    c.container_type === CONTAINER_TYPE.capsule
      ? deleteCapsule(ctx, c, params)
      : deleteContainer(ctx, c, params),
  commit: commitContainer,
  network_attach: attachNetwork,
  network_detach: detachNetwork,
  reboot: rebootContainer,
  pause: (ctx, c, _params, audit) => pauseContainer(ctx, c, audit),
  unpause: (ctx, c, _params, audit) => unpauseContainer(ctx, c, audit),
  kill: killContainer,
  rebuild: rebuildContainer,
};

/** Runs a task's command; the params were written by the API for exactly this action. */
export function runTask(
  action: string,
  ctx: ManagerContext,
  c: Container,
  params: unknown,
  audit: ActionLog,
): Promise<void> {
  if (!Object.hasOwn(TASK_HANDLERS, action)) throw new Error(`unknown task action ${action}`);
  const handler = TASK_HANDLERS[action as TaskAction] as Handler<TaskAction>;
  return handler(ctx, c, params as TaskParamsByAction[TaskAction], audit);
}
