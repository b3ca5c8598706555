import { isIP } from 'node:net';
import { InputError } from '@zun/common';
import type { ApiVersion } from '../../api-version';

/**
 * Networks without Neutron. A network is named by its project: `NAME` in project P is the
 * Docker network the agent creates on demand for (P, NAME) on the container's host; every
 * project has a network called `default`, which containers join when no `nets` are given.
 * Projects cannot name each other's networks, so containers of different projects never
 * share a network, while containers of one project on the same network reach each other.
 */
export const DEFAULT_NETWORK = 'default';
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
/** Docker names of the service's networks start with this; refusing it keeps them out of reach. */
const RESERVED_PREFIX = 'zun-';

export function checkNetworkName(name: string): string {
  if (!NETWORK_NAME.test(name)) {
    throw new InputError(
      `Invalid network name "${name}": use 1-63 characters of [a-zA-Z0-9_.-], starting with a letter or digit.`,
    );
  }
  if (name.toLowerCase().startsWith(RESERVED_PREFIX)) {
    throw new InputError(
      `Network name "${name}" is reserved: names starting with "${RESERVED_PREFIX}" belong to the service.`,
    );
  }
  return name;
}

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

/**
 * Security groups without Neutron: each project has exactly one, `default`, which is the
 * isolation the project networks give (open within the project, closed to other projects).
 * Every container is in it; naming any other group is a not-found, as Neutron would answer.
 */
export const DEFAULT_SECURITY_GROUP = 'default';

export function resolveSecurityGroup(name: string): string {
  if (name !== DEFAULT_SECURITY_GROUP) {
    throw new InputError(
      `Security group ${name} not found. Only "${DEFAULT_SECURITY_GROUP}" exists on this deployment: it is the project network isolation.`,
    );
  }
  return name;
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

export const networkNotAttached = (uuid: string, network: string): InputError =>
  new InputError(`Container ${uuid} is not connected to network ${network}.`);
