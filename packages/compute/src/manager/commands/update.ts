import {
  ConflictError,
  InputError,
  InvalidStateError,
  isActionAllowed,
  type Container,
  type UpdateResourcesRequest,
} from '@zun/common';
import { toEngineError } from '../../docker/errors';
import { InsufficientResourcesError } from '../claims';
import { reasonOf, type ManagerContext } from '../context';

/**
 * PATCH cpu/memory, live: the host's claim is resized only if the host has room, the limits
 * are applied to the Docker container (running or not) and the row and claim recorded
 * together. A refusal or failure changes nothing: the engine is put back if the record fails.
 */
export async function updateResources(
  ctx: ManagerContext,
  c: Container,
  change: UpdateResourcesRequest,
): Promise<void> {
  if (!isActionAllowed('update', c.status)) throw new InvalidStateError('update', c.uuid, c.status);
  const cpu = change.cpu ?? c.cpu ?? 0;
  const memory = Number(change.memory ?? c.memory ?? 0);
  const before = { cpu: c.cpu, memory: c.memory };
  const id = c.container_id;
  let applied = false;
  try {
    await ctx.tracker.resize(
      c,
      { cpu, memory },
      async () => {
        if (!id) return;
        await ctx.engine.updateContainer(id, {
          cpu: change.cpu,
          memoryMiB: change.memory === null ? null : Number(change.memory),
        });
        applied = true;
      },
      async (transaction) => {
        await c.update({ cpu, memory: String(memory) }, { transaction });
      },
    );
  } catch (err) {
    c.set(before);
    if (err instanceof InsufficientResourcesError)
      throw new ConflictError(err.message, 'resources-unavailable');
    if (applied && id) {
      await ctx.engine
        .updateContainer(id, {
          cpu: change.cpu === null ? null : before.cpu,
          memoryMiB: change.memory === null || before.memory === null ? null : Number(before.memory),
        })
        .catch((e: unknown) =>
          ctx.logger.error('could not restore limits', { uuid: c.uuid, error: reasonOf(e) }),
        );
    }
    const status = toEngineError(err).statusCode;
    // The engine refusing the values (e.g. a memory limit below what the process uses) is the
    // caller's to fix; anything else is ours.
    if (!applied && status !== undefined && status >= 400 && status < 500)
      throw new InputError(`Cannot update container ${c.uuid}: ${reasonOf(err)}`);
    throw err;
  }
  ctx.logger.info('container resources updated', { uuid: c.uuid, cpu, memory });
}
