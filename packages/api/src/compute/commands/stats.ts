import { InvalidStateError, isActionAllowed, type Container, type StatsResult } from '@zun/common';
import type { ComputeDeps } from '../deps';
import { hostEndpoint } from './host-endpoint';

/** GET /v1/containers/{id}/stats: one sample from the engine, summarised by the host. */
export async function containerStats(deps: ComputeDeps, c: Container): Promise<StatsResult> {
  if (!isActionAllowed('stats', c.status)) throw new InvalidStateError('stats', c.uuid, c.status);
  return deps.agents.stats(await hostEndpoint(c), c.uuid);
}
