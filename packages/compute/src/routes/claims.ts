import { Router } from 'express';
import { InputError, type ClaimRequest, type ClaimAnswer, type Logger } from '@zun/common';
import { InsufficientResourcesError, type ResourceTracker } from '../manager/claims';
import type { TaskRunner, TakenRow } from '../manager/task-runner';

const isAmount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * /v1/claims: the API's placement claim on this host. The tracker checks and reserves in memory
 * (no waits, never over-commits) and records the claim; the answer carries the host's usage so the
 * API's snapshot follows the authority. 409 means "this host cannot take it, try the next one".
 * With `take_task` the container's held create is taken in the claim's statement and run at once.
 */
export function claimsRouter(
  tracker: ResourceTracker,
  logger: Logger,
  tasks: Pick<TaskRunner, 'takeHeld' | 'run'>,
): Router {
  const r = Router();
  r.post('/', async (req, res) => {
    const b = (req.body ?? {}) as Partial<ClaimRequest>;
    if (
      typeof b.container_uuid !== 'string' ||
      !isAmount(b.cpu) ||
      !isAmount(b.memory) ||
      !isAmount(b.disk)
    ) {
      throw new InputError('A claim needs container_uuid, cpu, memory and disk.');
    }
    const answer = (claimed: boolean, reason: string | null): ClaimAnswer => ({
      claimed,
      reason,
      usage: tracker.usage(),
      limits: tracker.currentLimits(),
    });
    let taken: TakenRow[];
    try {
      taken = await tracker.claimFor<TakenRow>(
        b.container_uuid,
        { cpu: b.cpu, memory: b.memory, disk: b.disk },
        b.cpu_policy === 'dedicated' ? 'dedicated' : 'shared',
        b.take_task === true ? tasks.takeHeld(b.container_uuid) : undefined,
      );
    } catch (err) {
      if (!(err instanceof InsufficientResourcesError)) throw err;
      logger.info('claim refused', { uuid: b.container_uuid, reason: err.message });
      res.status(409).json(answer(false, err.message));
      return;
    }
    tasks.run(taken);
    res.status(201).json({ ...answer(true, null), task_taken: taken.length > 0 });
  });
  r.delete('/:uuid', async (req, res) => {
    await tracker.release(req.params.uuid);
    res.status(204).end();
  });
  return r;
}
