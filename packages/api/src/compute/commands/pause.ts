import { InvalidStateError, isActionAllowed, TaskState, type Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';
import { hostOf } from './start-stop';

/** POST /v1/containers/{id}/pause */
export async function pauseContainer(deps: ComputeDeps, ctx: RequestContext, c: Container): Promise<void> {
  if (!isActionAllowed('pause', c.status)) throw new InvalidStateError('pause', c.uuid, c.status);
  const host = hostOf(c);
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, c, 'pause', { taskState: TaskState.ContainerPausing });
    await recordAndQueue(t, c, host, 'pause', {}, ctx);
  });
}
