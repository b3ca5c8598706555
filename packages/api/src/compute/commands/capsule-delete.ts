import { Op } from 'sequelize';
import { Container, ContainerStatus, TaskState } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';

/**
 * DELETE /v1/capsules/{id}: a `delete` task on the sandbox row, queued on its host like a
 * container's (it waits there while the agent is down, and runs after a create still in
 * progress), which removes the members, the sandbox, the capsule's own volumes, the claim and
 * the rows. Any status is accepted, as upstream has no state check for capsules. A capsule no host
 * ever took (no valid host) has nothing on any engine: its rows go at once.
 */
export async function deleteCapsule(
  deps: ComputeDeps,
  ctx: RequestContext,
  sandbox: Container,
): Promise<void> {
  const host = sandbox.host;
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, sandbox, 'delete_force', {
      taskState: host ? TaskState.ContainerDeleting : null,
      status: ContainerStatus.Deleting,
      overrideInProgress: true,
      verb: 'delete',
    });
    if (host) {
      await recordAndQueue(t, sandbox, host, 'delete', { force: false, stop: false }, ctx);
      return;
    }
    await Container.destroy({
      where: { [Op.or]: [{ uuid: sandbox.uuid }, { capsule_id: sandbox.uuid }] },
      transaction: t,
    });
  });
}
