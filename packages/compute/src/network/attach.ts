import { TaskState, type Container, type NetworkTaskParams } from '@zun/common';
import { isNotFound } from '../docker/errors';
import type { ActionLog } from '../manager/actions';
import { applyInspect, reasonOf, type ManagerContext } from '../manager/context';
import {
  collectUnusedNetworks,
  dockerNetworkName,
  ensureProjectNetwork,
  usingNetworks,
} from './project-networks';

/**
 * Creates the Docker container on its project networks: created on the first, connected to
 * the others. The networks cannot be collected meanwhile. A container that cannot be
 * connected is removed again, so a failed create leaves no container behind.
 */
export async function createOnNetworks(
  ctx: ManagerContext,
  c: Container,
  nets: string[],
  create: (primaryNetwork: string) => Promise<string>,
): Promise<string> {
  const names = nets.map((n) => dockerNetworkName(c.project_id, n));
  return usingNetworks(names, async () => {
    const infos = [];
    for (const n of nets) infos.push(await ensureProjectNetwork(ctx, c.project_id, n));
    // By name, not id: the engine resolves names when the container starts (it checks neither
    // at create or connect), so a network this agent knew but the engine lost meanwhile (removed
    // behind our back, or a reset network store) fails that start by name, and the start's
    // repair (repairLostNetworks) makes it again under the same name.
    const id = await create(infos[0].Name);
    try {
      for (const info of infos.slice(1)) await ctx.engine.networks.connect(info.Name, id);
    } catch (err) {
      await ctx.engine.removeContainer(id, true).catch(() => undefined);
      throw err;
    }
    return id;
  });
}

async function refresh(ctx: ManagerContext, c: Container): Promise<void> {
  const info = c.container_id ? await ctx.engine.inspectContainer(c.container_id) : null;
  if (info) await applyInspect(c, info, { task_state: null });
  else await c.update({ task_state: null });
}

/** network_attach task: connect the container to its project's network (created on demand). */
export async function attachNetwork(
  ctx: ManagerContext,
  c: Container,
  params: NetworkTaskParams,
  audit: ActionLog,
): Promise<void> {
  const done = audit.event('compute__do_network_attach');
  try {
    if (!c.container_id) throw new Error(`Container ${c.uuid} has no Docker container to attach`);
    const id = c.container_id;
    await c.update({ task_state: TaskState.NetworkAttaching });
    await usingNetworks([dockerNetworkName(c.project_id, params.network)], async () => {
      const net = await ensureProjectNetwork(ctx, c.project_id, params.network);
      await ctx.engine.networks.connect(net.Id, id);
    });
    await refresh(ctx, c);
    done();
  } catch (err) {
    await failNetworkTask(ctx, c, 'attach', err);
    done(err as Error);
  }
}

/** network_detach task: disconnect, then remove the network if nothing uses it any more. */
export async function detachNetwork(
  ctx: ManagerContext,
  c: Container,
  params: NetworkTaskParams,
  audit: ActionLog,
): Promise<void> {
  const done = audit.event('compute__do_network_detach');
  try {
    if (!c.container_id) throw new Error(`Container ${c.uuid} has no Docker container to detach`);
    await c.update({ task_state: TaskState.NetworkDetaching });
    const net = await ctx.engine.networks.inspect(dockerNetworkName(c.project_id, params.network));
    if (net) {
      try {
        await ctx.engine.networks.disconnect(net.Id, c.container_id);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await refresh(ctx, c);
    await collectUnusedNetworks(ctx, { project: c.project_id, name: params.network });
    done();
  } catch (err) {
    await failNetworkTask(ctx, c, 'detach', err);
    done(err as Error);
  }
}

/** A failed attach/detach leaves the container as it was; the action event carries the error. */
async function failNetworkTask(ctx: ManagerContext, c: Container, verb: string, err: unknown): Promise<void> {
  ctx.logger.warn(`network ${verb} failed`, { uuid: c.uuid, reason: reasonOf(err) });
  await c.update({ task_state: null });
}
