import { InvalidStateError, isActionAllowed, InputError, TaskState, type Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';

/** The host that holds the container; a container never placed has nothing to act on (400). */
export function hostOf(c: Container): string {
  if (!c.host)
    throw new InputError(
      `Container ${c.uuid} has no host: it was never created on a compute host.`,
      'invalid',
    );
  return c.host;
}

/** POST /v1/containers/{id}/start: checked against the state table, queued on the host. */
export async function startContainer(deps: ComputeDeps, ctx: RequestContext, c: Container): Promise<void> {
  if (!isActionAllowed('start', c.status)) throw new InvalidStateError('start', c.uuid, c.status);
  const host = hostOf(c);
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, c, 'start', { taskState: TaskState.ContainerStarting });
    await recordAndQueue(t, c, host, 'start', {}, ctx);
  });
}

/** POST /v1/containers/{id}/stop?timeout=N */
export async function stopContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  timeout: number | null,
): Promise<void> {
  if (!isActionAllowed('stop', c.status)) throw new InvalidStateError('stop', c.uuid, c.status);
  const host = hostOf(c);
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, c, 'stop', { taskState: TaskState.ContainerStopping });
    await recordAndQueue(t, c, host, 'stop', { timeout }, ctx);
  });
}
