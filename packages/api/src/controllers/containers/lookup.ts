import type { WhereOptions } from 'sequelize';
import { ConflictError, Container, NotFoundError } from '@zun/common';
import type { RequestContext } from '../../identity/context';

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Finds a container by uuid or name in the caller's scope: their project, or everything for
 * admins (README §7). No match → 404, several names → 409 asking for the uuid.
 */
export async function findContainer(ident: string, ctx: RequestContext): Promise<Container> {
  const scope: WhereOptions<Container> = ctx.isAdmin ? {} : { project_id: ctx.projectId };
  if (UUID_LIKE.test(ident)) {
    const byUuid = await Container.findOne({ where: { ...scope, uuid: ident.toLowerCase() } });
    if (byUuid) return byUuid;
  }
  const byName = await Container.findAll({ where: { ...scope, name: ident }, limit: 2 });
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) {
    throw new ConflictError(
      `Multiple containers exist with same name: ${ident}. Please use the container uuid instead.`,
    );
  }
  throw new NotFoundError(`Container ${ident} could not be found.`, 'container-not-found');
}
