import { ContainerStatus, InvalidStateError, isActionAllowed, TaskState, type Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';
import { hostOf } from './start-stop';

/** POST /v1/containers/{id}/reboot?timeout=N: Restarting at once, the restart queued on the host. */
export async function rebootContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  timeout: number | null,
): Promise<void> {
  if (!isActionAllowed('reboot', c.status)) throw new InvalidStateError('reboot', c.uuid, c.status);
  const host = hostOf(c);
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, c, 'reboot', {
      taskState: TaskState.ContainerRebooting,
      status: ContainerStatus.Restarting,
    });
    await recordAndQueue(t, c, host, 'reboot', { timeout }, ctx);
  });
}
