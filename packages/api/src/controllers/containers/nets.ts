import { isIP } from 'node:net';
import { InputError } from '@zun/common';
import {
  DEFAULT_NETWORK,
  DEFAULT_SECURITY_GROUP,
  checkNetworkName,
  resolveSecurityGroup,
} from '../../compute/nets';
import type { ApiVersion } from '../../api-version';

const portRefusal = (port: string) =>
  new InputError(
    `Port ${port} cannot be used: this deployment has no Neutron ports; select a network by name instead.`,
  );

/** `nets` of a create request → project network names, primary first (duplicates refused). */
export function parseNets(value: unknown): string[] {
  if (value === undefined || value === null) return [DEFAULT_NETWORK];
  if (!Array.isArray(value)) throw new InputError('Invalid input for field/attribute nets: not an array.');
  const names: string[] = [];
  for (const item of value) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw new InputError(
        `Invalid input for field/attribute nets: ${JSON.stringify(item)} is not an object.`,
      );
    }
    const net = item as Record<string, unknown>;
    const extra = Object.keys(net).filter(
      (k) => !['network', 'port', 'v4-fixed-ip', 'v6-fixed-ip'].includes(k),
    );
    if (extra.length) {
      throw new InputError(`Additional properties are not allowed in nets (${extra.join(', ')} unexpected).`);
    }
    for (const k of ['network', 'port', 'v4-fixed-ip', 'v6-fixed-ip']) {
      const v = net[k];
      if (v !== undefined && (typeof v !== 'string' || v.length < 1 || v.length > 255)) {
        throw new InputError(
          `Invalid input for field/attribute nets: ${k} must be a string of 1-255 characters.`,
        );
      }
    }
    if ((net.network === undefined) === (net.port === undefined)) {
      throw new InputError('Invalid input for field/attribute nets: give exactly one of network or port.');
    }
    const v4 = net['v4-fixed-ip'] as string | undefined;
    const v6 = net['v6-fixed-ip'] as string | undefined;
    if (v4 !== undefined && isIP(v4) !== 4) throw new InputError(`Invalid IPv4 address ${v4}.`);
    if (v6 !== undefined && isIP(v6) !== 6) throw new InputError(`Invalid IPv6 address ${v6}.`);
    if (net.port !== undefined) throw portRefusal(String(net.port));
    if (v4 !== undefined || v6 !== undefined) {
      throw new InputError(
        'Fixed IPs are not supported: addresses on project networks are assigned by the host.',
      );
    }
    const name = checkNetworkName(String(net.network));
    if (names.includes(name)) throw new InputError(`Network ${name} is requested more than once.`);
    names.push(name);
  }
  return names.length ? names : [DEFAULT_NETWORK];
}

export function parseSecurityGroups(body: Record<string, unknown>, v: ApiVersion): string[] {
  const groups = body.security_groups;
  if (Array.isArray(groups) && groups.length > 0) {
    const ports = body.exposed_ports;
    if (v.atLeast('1.20') && ports && typeof ports === 'object' && Object.keys(ports).length > 0) {
      throw new InputError('security_groups cannot be combined with exposed_ports.');
    }
    for (const g of groups) resolveSecurityGroup(String(g));
  }
  return [DEFAULT_SECURITY_GROUP];
}

/** network_attach/detach query: the network named, checked; a port is refused. */
export function networkFromQuery(q: Record<string, string>, verb: 'attach' | 'detach'): string {
  if (q.network !== undefined && q.port !== undefined) {
    throw new InputError('Only one of network or port may be given.');
  }
  if (q.port !== undefined) throw portRefusal(q.port);
  if (q.fixed_ip !== undefined) {
    if (isIP(q.fixed_ip) === 0) throw new InputError(`Invalid IP address ${q.fixed_ip}.`);
    throw new InputError(
      'Fixed IPs are not supported: addresses on project networks are assigned by the host.',
    );
  }
  if (q.network === undefined) {
    if (verb === 'detach') throw new InputError('One of network or port must be given.');
    return DEFAULT_NETWORK;
  }
  return checkNetworkName(q.network);
}
