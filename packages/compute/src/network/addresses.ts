import type { ContainerInspect } from '../docker/engine';
import { tenantNetworkName } from './project-networks';

export interface Address {
  addr: string;
  version: 4 | 6;
  port: string | null;
  subnet_id: string | null;
  preserve_on_delete: boolean;
}

/**
 * The container's `addresses` as the contract shows them: keyed by the network's name as
 * the tenant knows it. A project network the container is configured on but holds no
 * address on (not running) is listed with no addresses, so it still shows as attached.
 */
export function addressesOf(project: string, info: ContainerInspect): Record<string, Address[]> {
  const out: Record<string, Address[]> = {};
  for (const [dockerName, n] of Object.entries(info.NetworkSettings?.Networks ?? {})) {
    const tenantName = tenantNetworkName(project, dockerName);
    if (!tenantName && !n.IPAddress) continue;
    const port = n.EndpointID || null;
    const subnet = n.NetworkID || null;
    const list: Address[] = [];
    if (n.IPAddress)
      list.push({ addr: n.IPAddress, version: 4, port, subnet_id: subnet, preserve_on_delete: false });
    if (n.GlobalIPv6Address) {
      list.push({
        addr: n.GlobalIPv6Address,
        version: 6,
        port,
        subnet_id: subnet,
        preserve_on_delete: false,
      });
    }
    out[tenantName ?? dockerName] = list;
  }
  return out;
}
