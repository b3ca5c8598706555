import {
  ContainerStatus,
  InvalidStateError,
  Registry,
  TaskState,
  isActionAllowed,
  type Container,
} from '@zun/common';
import { refuseForeignImageHost } from '../registries';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';
import { hostOf } from './start-stop';

/**
 * POST /v1/containers/{id}/rebuild[?image=&image_driver=]: the new image (if any) and
 * Rebuilding are saved with the queued rebuild in one transaction; the host starts the new
 * Docker container again if this one was running.
 */
export async function rebuildContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  change: { image: string | null; imageDriver: string | null },
): Promise<void> {
  if (!isActionAllowed('rebuild', c.status)) throw new InvalidStateError('rebuild', c.uuid, c.status);
  const host = hostOf(c);
  if (change.image && c.registry_id) {
    const registry = await Registry.findOne({ where: { uuid: c.registry_id } });
    if (registry) refuseForeignImageHost(change.image, registry);
  }
  const run = c.status === ContainerStatus.Running;
  const previous = { image: c.image, image_driver: c.image_driver };
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, c, 'rebuild', {
      taskState: TaskState.ContainerRebuilding,
      status: ContainerStatus.Rebuilding,
    });
    if (change.image || change.imageDriver) {
      await c.update(
        {
          ...(change.image ? { image: change.image } : {}),
          ...(change.imageDriver ? { image_driver: change.imageDriver } : {}),
        },
        { transaction: t },
      );
    }
    await recordAndQueue(t, c, host, 'rebuild', { run, previous }, ctx);
  });
}
