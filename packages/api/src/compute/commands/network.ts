import { InputError, InvalidStateError, isActionAllowed, type Container } from '@zun/common';
import { DEFAULT_SECURITY_GROUP, networkNotAttached, resolveSecurityGroup } from '../nets';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { recordAndQueue } from '../dispatch';

function hostOf(c: Container): string {
  if (!c.host) {
    throw new InputError(
      `Container ${c.uuid} has no host: it was never created on a compute host.`,
      'invalid',
    );
  }
  return c.host;
}

const attached = (c: Container): string[] => Object.keys(c.addresses ?? {});

/**
 * POST …/network_attach: queued on the host (tasks of a container run in order, so an attach
 * right after create waits for the create). Already attached → 400. No state check (contract).
 */
export async function attachNetwork(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  network: string,
): Promise<void> {
  const host = hostOf(c);
  if (attached(c).includes(network)) {
    throw new InputError(`Container ${c.uuid} is already connected to network ${network}.`);
  }
  await deps.sequelize.transaction((t) => recordAndQueue(t, c, host, 'network_attach', { network }, ctx));
}

/** POST …/network_detach: the network must be one the container is on (400 otherwise). */
export async function detachNetwork(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  network: string,
): Promise<void> {
  const host = hostOf(c);
  if (!attached(c).includes(network)) throw networkNotAttached(c.uuid, network);
  await deps.sequelize.transaction((t) => recordAndQueue(t, c, host, 'network_detach', { network }, ctx));
}

/**
 * add/remove_security_group (≤1.14). The only group is `default` (see ../
 * containers/nets.ts) and every container is always in it: adding it is "already present"
 * and removing it is refused, since the project isolation it stands for cannot be lifted.
 */
export function addSecurityGroup(c: Container, name: string): never {
  if (!isActionAllowed('add_security_group', c.status)) {
    throw new InvalidStateError('add_security_group', c.uuid, c.status);
  }
  resolveSecurityGroup(name);
  throw new InputError(`Security group ${name} is already added to container ${c.uuid}.`);
}

export function removeSecurityGroup(c: Container, name: string): never {
  if (!isActionAllowed('remove_security_group', c.status)) {
    throw new InvalidStateError('remove_security_group', c.uuid, c.status);
  }
  resolveSecurityGroup(name);
  throw new InputError(
    `Security group ${DEFAULT_SECURITY_GROUP} cannot be removed from container ${c.uuid}: it is the project network isolation every container keeps.`,
  );
}
