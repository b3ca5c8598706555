import { InvalidStateError, isActionAllowed, TaskState, type Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';
import { hostOf } from './start-stop';

/** POST /v1/containers/{id}/unpause */
export async function unpauseContainer(deps: ComputeDeps, ctx: RequestContext, c: Container): Promise<void> {
  if (!isActionAllowed('unpause', c.status)) throw new InvalidStateError('unpause', c.uuid, c.status);
  const host = hostOf(c);
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, c, 'unpause', { taskState: TaskState.ContainerUnpausing });
    await recordAndQueue(t, c, host, 'unpause', {}, ctx);
  });
}
