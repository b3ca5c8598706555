import {
  ContainerStatus,
  TaskState,
  type Container,
  type RebuildTaskParams,
  isDatabaseUnavailable,
} from '@zun/common';
import type { ContainerInspect, MountSpec } from '../../docker/engine';
import { usingNetworks } from '../../network/project-networks';
import { restoreMounts } from '../../volume/mounts';
import { recreateFromRow } from '../heal';
import type { ActionLog } from '../actions';
import { applyInspect, reasonOf, type ManagerContext } from '../context';
import { settleFromEngine } from '../settle';
import { containerSpec, removeQuietly } from './create';
import { startContainer } from './start';
import { ensureRowImage } from '../../image/row-image';

/**
 * Rebuild (the API set Rebuilding and, if asked, the new image): a new Docker container from
 * the row's image and settings under the same uuid and claim, on the old one's networks and
 * mounts, started again if it was running. The image is made available before the old
 * container goes, so a bad image leaves the old one in place and the row as it was (the
 * failure is on the action); a failure after that leaves Error with the reason. Never
 * Rebuilding.
 */
export async function rebuildContainer(
  ctx: ManagerContext,
  c: Container,
  params: RebuildTaskParams,
  audit: ActionLog,
): Promise<void> {
  const done = audit.event('compute__do_container_rebuild');
  let removed = false;
  try {
    await c.update({ task_state: TaskState.ContainerRebuilding });
    const { ref } = await ensureRowImage(ctx, c, c.image_pull_policy);
    const old = c.container_id ? await ctx.engine.inspectContainer(c.container_id) : null;
    const removeOld = async () => {
      if (c.container_id) await removeQuietly(ctx, c.container_id);
      removed = true;
    };
    const id = old
      ? await recreateLike(ctx, c, ref, old, removeOld)
      : // Its Docker container vanished: the row is all there is to go by, as for auto_heal.
        await removeOld().then(() => recreateFromRow(ctx, c, ref));
    const after = {
      container_id: id,
      status: ContainerStatus.Created,
      task_state: params.run ? TaskState.ContainerStarting : null,
    };
    const info = await ctx.engine.inspectContainer(id);
    if (info) await applyInspect(c, info, after);
    else await c.update({ ...after, status_reason: null });
    done();
  } catch (err) {
    // An outage is not the action's failure: the task runner runs it again once the
    // database answers (a catch-all here once turned it into an Error row).
    if (isDatabaseUnavailable(err)) throw err;
    const reason = reasonOf(err);
    ctx.logger.warn('container rebuild failed', { uuid: c.uuid, reason, old_container_kept: !removed });
    if (removed) {
      await c.update({
        status: ContainerStatus.Error,
        status_reason: reason,
        status_detail: null,
        task_state: null,
        container_id: null,
      });
    } else {
      // Nothing was changed (e.g. the new image cannot be pulled): the row goes back to the
      // image the container still runs and to Docker's state; the reason is on the action.
      if (params.previous) await c.update(params.previous);
      await settleFromEngine(ctx, c);
    }
    done(err as Error);
    return;
  }
  if (params.run) await startContainer(ctx, c, audit);
}

/**
 * Replaces the old Docker container by one on the same networks with the same mounts
 * (volumes keep their data), so a rebuild changes the image and nothing else. The networks
 * cannot be collected between the removal and the new container joining them.
 */
async function recreateLike(
  ctx: ManagerContext,
  c: Container,
  ref: string,
  old: ContainerInspect,
  removeOld: () => Promise<void>,
): Promise<string> {
  const networks = Object.entries(old.NetworkSettings?.Networks ?? {});
  // The row's mounts when it has them; rows from before they were stored have only the old inspect.
  const mounts: MountSpec[] = c.mounts
    ? await restoreMounts(ctx, c, c.mounts)
    : (old.HostConfig?.Mounts ?? []).map((m) => ({
        type: m.Type === 'bind' ? 'bind' : 'volume',
        source: m.Source,
        target: m.Target,
        readOnly: Boolean(m.ReadOnly),
      }));
  return usingNetworks(
    networks.map(([name]) => name),
    async () => {
      await removeOld();
      const [first, ...rest] = networks.map(([, n]) => n.NetworkID);
      const id = await ctx.engine.createContainer(containerSpec(ctx, c, ref, first ?? null, mounts));
      try {
        for (const n of rest) await ctx.engine.networks.connect(n, id);
      } catch (err) {
        await ctx.engine.removeContainer(id, true).catch(() => undefined);
        throw err;
      }
      return id;
    },
  );
}
