import { Op, type WhereOptions } from 'sequelize';
import { CONTAINER_TYPE, ConflictError, Container, NotFoundError } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { CapsuleRows } from '../../compute/commands/capsule-create';

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * A capsule's sandbox row by uuid or `metadata.name`, in the caller's scope (their project, or
 * every project for admins). Another project's capsule answers 404 like a missing one; a name
 * several capsules share is a 409 asking for the uuid.
 */
export async function findCapsule(ident: string, ctx: RequestContext): Promise<Container> {
  const scope: WhereOptions<Container> = {
    container_type: CONTAINER_TYPE.capsule,
    ...(ctx.isAdmin ? {} : { project_id: ctx.projectId }),
  };
  if (UUID_LIKE.test(ident)) {
    const byUuid = await Container.findOne({ where: { ...scope, uuid: ident.toLowerCase() } });
    if (byUuid) return byUuid;
  }
  const byName = await Container.findAll({ where: { ...scope, name: ident }, limit: 2 });
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) {
    throw new ConflictError(
      `Multiple capsules exist with same name: ${ident}. Please use the capsule uuid instead.`,
    );
  }
  throw new NotFoundError(`Capsule ${ident} could not be found.`, 'capsule-not-found');
}

/** The parts of the given capsules, in id order (init containers in the order they run). */
export async function capsuleParts(sandboxes: Container[]): Promise<CapsuleRows[]> {
  if (sandboxes.length === 0) return [];
  const parts = await Container.findAll({
    where: { capsule_id: { [Op.in]: sandboxes.map((s) => s.uuid) } },
    order: [['id', 'ASC']],
  });
  return sandboxes.map((sandbox) => {
    const mine = parts.filter((p) => p.capsule_id === sandbox.uuid);
    return {
      sandbox,
      members: mine.filter((p) => p.container_type === CONTAINER_TYPE.capsuleMember),
      inits: mine.filter((p) => p.container_type === CONTAINER_TYPE.capsuleInit),
    };
  });
}
