import {
  ContainerStatus,
  LABEL_IMAGE_UUID,
  LABEL_MANAGED,
  type CommitTaskParams,
  type Container,
  isDatabaseUnavailable,
} from '@zun/common';
import { parseImageReference } from '@zun/common';
import type { ActionLog } from '../actions';
import { reasonOf, type ManagerContext } from '../context';
import { commitToGlance } from '../../image/glance-commit';

/**
 * Commits the container into `repository:tag` and pushes it when the repository names a
 * registry (with the credentials of the registry the API chose); otherwise the image stays on
 * this host. A running container is paused by the engine for the copy and resumed after (an
 * already paused one stays paused). Failures are recorded on the action (`zun action-show`);
 * the container itself is left as it was.
 *
 * A push needs the local name `repository:tag`, which other containers on this host may use
 * (another project's image of that registry, pulled earlier). So a pushed commit gives the name
 * back to the image that held it before, whatever the push's outcome: the host's images change
 * only for the push's duration, and the committed image lives in the registry.
 */
export async function commitContainer(
  ctx: ManagerContext,
  c: Container,
  params: CommitTaskParams,
  audit: ActionLog,
): Promise<void> {
  const done = audit.event('compute__do_container_commit');
  if (params.glance_image_id) {
    await commitToGlance(ctx, c, params.glance_image_id, params.image_uuid, done);
    return;
  }
  try {
    if (!c.container_id) throw new Error('Container has no Docker container to commit');
    const ref = `${params.repository}:${params.tag}`;
    const push = parseImageReference(params.repository).registry !== null;
    const before = push ? await ctx.engine.inspectImage(ref) : null;
    const imageId = await ctx.engine.commitContainer(c.container_id, {
      repository: params.repository,
      tag: params.tag,
      pause: c.status === ContainerStatus.Running,
      // The container's own labels are copied into the image; containers started from it by
      // anyone else must not look like ours to the state sync.
      labels: { [LABEL_MANAGED]: 'false', [LABEL_IMAGE_UUID]: params.image_uuid },
    });
    ctx.logger.info('container committed', { uuid: c.uuid, image: imageId, repository: params.repository });
    if (push) {
      try {
        const auth = await ctx.images.pushAuth(ref, params.registry_id ?? null);
        await ctx.engine.pushImage(params.repository, params.tag, auth ?? undefined);
        ctx.logger.info('image pushed', { repository: params.repository, tag: params.tag });
      } finally {
        await giveNameBack(ctx, ref, imageId, before?.Id ?? null);
      }
    }
    done();
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    ctx.logger.warn('container commit failed', { uuid: c.uuid, reason: reasonOf(err) });
    done(err as Error);
  }
}

/** Points `ref` back at `previous` (or removes the name) and drops the committed local copy. */
async function giveNameBack(
  ctx: ManagerContext,
  ref: string,
  committed: string,
  previous: string | null,
): Promise<void> {
  const { repository, tag } = splitRef(ref);
  if (previous && previous !== committed) await ctx.engine.tagImage(previous, repository, tag);
  else await ctx.engine.removeImage(ref);
  // Untagged now; a container someone started from it meanwhile keeps it (not forced).
  await ctx.engine.removeImage(committed).catch((err: unknown) => {
    ctx.logger.info('committed image kept on the host', { image: committed, reason: reasonOf(err) });
  });
}

function splitRef(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}
