import type { Container } from '@zun/common';
import { collectUnusedNetworks } from '../network/project-networks';
import { releaseMounts } from '../volume/mounts';
import { reasonOf, type ManagerContext } from './context';

/**
 * After the Docker container is gone: drop what lived only for it (sized volumes, injected
 * files) and the project's networks nothing uses any more. Named volumes stay. Failures are
 * logged, not raised: the container is already gone and the next delete tries again.
 */
export async function releaseHostResources(ctx: ManagerContext, c: Container): Promise<void> {
  try {
    await releaseMounts(ctx, c);
    await collectUnusedNetworks(ctx, { project: c.project_id });
  } catch (err) {
    ctx.logger.warn('could not release host resources', { uuid: c.uuid, reason: reasonOf(err) });
  }
}
