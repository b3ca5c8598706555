import { InvalidStateError, isActionAllowed, type Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { recordAndQueue } from '../dispatch';
import { hostOf } from './start-stop';

/** POST /v1/containers/{id}/unpause */
export async function unpauseContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  requestId: string,
): Promise<void> {
  if (!isActionAllowed('unpause', c.status)) throw new InvalidStateError('unpause', c.uuid, c.status);
  const host = hostOf(c);
  await deps.sequelize.transaction((t) => recordAndQueue(t, c, host, 'unpause', {}, ctx, requestId));
}
