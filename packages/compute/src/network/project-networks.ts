import { LABEL_HOST, LABEL_MANAGED, LABEL_NETWORK, LABEL_PROJECT } from '@zun/common';
import type { NetworkInspect } from '../docker/resources';
import type { ManagerContext } from '../manager/context';

/**
 * Project networks without Neutron: network NAME of project P is the Docker bridge network
 * `zun-<P>-<NAME>` on the container's host, created on demand and labelled as ours. Docker
 * isolates bridge networks from one another, so only containers sharing a network (hence a
 * project) reach each other. A network no container uses any more is removed once it has been
 * idle for `[compute] network_idle_timeout`, since each bridge takes a subnet from the engine's
 * limited address pools; until then the project's next container reuses it.
 */
export const DEFAULT_NETWORK = 'default';
export const dockerNetworkName = (project: string, name: string): string => `zun-${project}-${name}`;

/** The tenant's name for a Docker network of project `project`, or null if it is not one. */
export function tenantNetworkName(project: string, dockerName: string): string | null {
  const prefix = `zun-${project}-`;
  return dockerName.startsWith(prefix) ? dockerName.slice(prefix.length) : null;
}

// Creating/connecting (users) and removing an unused network (collector) must not interleave,
// or a container could be configured on a network that is removed under it.
const inUse = new Map<string, number>();
const removing = new Map<string, Promise<void>>();
const ensuring = new Map<string, Promise<NetworkInspect>>();
/** When each unused network was first found unused (ms); a network in use has no entry. */
const idleSince = new Map<string, number>();
/**
 * The project networks this agent made or found, per engine: a create on a known network then
 * skips the engine's network inspect, one serial round trip of every start. Forgotten when we
 * remove the network, and when the engine says it is gone (see forgetNetwork).
 */
const known = new WeakMap<object, Map<string, NetworkInspect>>();
const knownOn = (ctx: ManagerContext): Map<string, NetworkInspect> => {
  let m = known.get(ctx.engine.networks);
  if (!m) known.set(ctx.engine.networks, (m = new Map()));
  return m;
};

/** Drops what this agent knows of a network, which the engine no longer has. */
export function forgetNetwork(ctx: ManagerContext, dockerName: string): void {
  knownOn(ctx).delete(dockerName);
}

/** Runs `fn` while the networks `names` (Docker names) cannot be collected. */
export async function usingNetworks<T>(names: string[], fn: () => Promise<T>): Promise<T> {
  for (;;) {
    const pending = names.map((n) => removing.get(n)).filter((p) => p !== undefined);
    if (!pending.length) break;
    await Promise.all(pending);
  }
  for (const n of names) inUse.set(n, (inUse.get(n) ?? 0) + 1);
  try {
    return await fn();
  } finally {
    for (const n of names) {
      const left = (inUse.get(n) ?? 1) - 1;
      if (left) inUse.set(n, left);
      else inUse.delete(n);
    }
  }
}

/** The project network (created if missing); refuses a same-named network that is not ours. */
export async function ensureProjectNetwork(
  ctx: ManagerContext,
  project: string,
  name: string,
): Promise<NetworkInspect> {
  const dockerName = dockerNetworkName(project, name);
  idleSince.delete(dockerName);
  const cached = knownOn(ctx).get(dockerName);
  if (cached) return cached;
  // The engine does not reliably refuse a duplicate name under concurrent creates: creates of
  // one network by this agent share one request.
  let pending = ensuring.get(dockerName);
  if (!pending) {
    pending = ctx.engine.networks
      .ensure(dockerName, {
        [LABEL_MANAGED]: 'true',
        [LABEL_PROJECT]: project,
        [LABEL_HOST]: ctx.host,
        [LABEL_NETWORK]: name,
      })
      .finally(() => ensuring.delete(dockerName));
    ensuring.set(dockerName, pending);
  }
  const net = await pending;
  if (net.Labels?.[LABEL_PROJECT] !== project || net.Labels?.[LABEL_MANAGED] !== 'true') {
    throw new Error(`Docker network ${dockerName} exists but does not belong to project ${project}`);
  }
  knownOn(ctx).set(dockerName, net);
  return net;
}

/**
 * Removes this host's project networks that no container uses and that have been idle for
 * `[compute] network_idle_timeout` (at once when it is 0). Called after a container leaves a
 * network (with its project, and the network's name for a detach) and on every reconcile for
 * all of this host's networks, which also finds networks left behind while the agent was down.
 */
export async function collectUnusedNetworks(
  ctx: ManagerContext,
  scope: { project?: string; name?: string } = {},
): Promise<void> {
  const labels = [`${LABEL_MANAGED}=true`, `${LABEL_HOST}=${ctx.host}`];
  if (scope.project) labels.push(`${LABEL_PROJECT}=${scope.project}`);
  if (scope.name) labels.push(`${LABEL_NETWORK}=${scope.name}`);
  const timeoutMs = ctx.config.compute.networkIdleTimeout * 1000;
  for (const net of await ctx.engine.networks.list(labels)) {
    if (inUse.has(net.Name) || removing.has(net.Name)) continue;
    const job = (async () => {
      if ((await ctx.engine.networks.containers(net.Name)).length > 0) {
        idleSince.delete(net.Name);
        return;
      }
      const now = Date.now();
      const since = idleSince.get(net.Name) ?? now;
      idleSince.set(net.Name, since);
      // A create that began meanwhile holds the network (inUse): it is not idle any more.
      if (now - since < timeoutMs || inUse.has(net.Name)) return;
      forgetNetwork(ctx, net.Name);
      await ctx.engine.networks.remove(net.Id);
      idleSince.delete(net.Name);
      ctx.logger.info('removed unused project network', { network: net.Name });
    })();
    removing.set(
      net.Name,
      job.then(
        () => undefined,
        () => undefined,
      ),
    );
    try {
      await job;
    } catch (err) {
      // A network that cannot go now is tried again on the next reconcile.
      ctx.logger.warn('could not remove unused network', { network: net.Name, error: String(err) });
    } finally {
      removing.delete(net.Name);
    }
  }
}
