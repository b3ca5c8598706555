import type { Container } from '@zun/common';
import type { ManagerContext } from '../manager/context';
import { ensureProjectNetwork, forgetNetwork, tenantNetworkName, usingNetworks } from './project-networks';

/**
 * A stopped container still names the networks it was on; if the engine lost one of them (its
 * network store was reset on restart, or someone removed the network behind our back), the
 * container cannot start ("network ... not found"). For the project's own networks we create the
 * network again under the same name and reconnect the container: its filesystem and settings stay
 * as they were. Returns whether anything was repaired (false: the start failure is something else).
 */
export async function repairLostNetworks(ctx: ManagerContext, c: Container, id: string): Promise<boolean> {
  const info = await ctx.engine.inspectContainer(id);
  if (!info) return false;
  let repaired = false;
  for (const dockerName of Object.keys(info.NetworkSettings?.Networks ?? {})) {
    if (await ctx.engine.networks.inspect(dockerName)) continue;
    const tenantName = tenantNetworkName(c.project_id, dockerName);
    if (tenantName === null) continue; // not one of the project's: nothing of ours to recreate
    forgetNetwork(ctx, dockerName);
    await usingNetworks([dockerName], async () => {
      const net = await ensureProjectNetwork(ctx, c.project_id, tenantName);
      // By name, forced: the endpoint still points at the lost network's id.
      await ctx.engine.networks.disconnect(dockerName, id);
      await ctx.engine.networks.connect(net.Id, id);
    });
    ctx.logger.warn('recreated a network the engine had lost', { uuid: c.uuid, network: dockerName });
    repaired = true;
  }
  return repaired;
}
