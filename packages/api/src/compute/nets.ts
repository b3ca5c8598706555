import { InputError } from '@zun/common';

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

export const networkNotAttached = (uuid: string, network: string): InputError =>
  new InputError(`Container ${uuid} is not connected to network ${network}.`);
