import type { WhereOptions } from 'sequelize';
import {
  ConflictError,
  InputError,
  NotFoundError,
  Registry,
  parseImageReference,
  sameRegistryHost,
} from '@zun/common';
import type { RequestContext } from '../identity/context';

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * A registry by uuid or name in the caller's scope: their project, everything for admins unless
 * `ownProject` (a container's registry: its pulls use the credentials, so they must be the
 * container's project's even when an admin creates it). Registries out of scope are
 * indistinguishable from missing ones (404).
 */
export async function findRegistry(
  ident: string,
  ctx: RequestContext,
  opts: { ownProject?: boolean } = {},
): Promise<Registry> {
  const scope: WhereOptions<Registry> = ctx.isAdmin && !opts.ownProject ? {} : { project_id: ctx.projectId };
  if (UUID_LIKE.test(ident)) {
    const byUuid = await Registry.findOne({ where: { ...scope, uuid: ident.toLowerCase() } });
    if (byUuid) return byUuid;
  }
  const byName = await Registry.findAll({ where: { ...scope, name: ident }, limit: 2 });
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) {
    throw new ConflictError(
      `Multiple registries exist with same name: ${ident}. Please use the registry uuid instead.`,
    );
  }
  throw new NotFoundError(`Registry ${ident} could not be found.`, 'registry-not-found');
}

/**
 * A registry's credentials go only to its own domain. An image naming another registry host
 * would make the engine present them there: any member of the project could then collect a
 * password the API never shows them. Names without a host are prefixed with the domain.
 */
export function refuseForeignImageHost(image: string, registry: Registry): void {
  const host = parseImageReference(image).registry;
  if (host !== null && !sameRegistryHost(host, registry.domain)) {
    throw new InputError(
      `Image ${image} names registry host ${host}, but registry ${registry.name ?? registry.uuid} ` +
        `is for ${registry.domain}: its credentials are only sent there.`,
    );
  }
}
