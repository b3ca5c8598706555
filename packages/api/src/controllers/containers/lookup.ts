import { Op, type WhereOptions } from 'sequelize';
import { CONTAINER_TYPE, ConflictError, Container, NotFoundError, capsulePartAllows } from '@zun/common';
import type { ContainerRowCache } from '../../events/row-cache';
import type { RequestContext } from '../../identity/context';
import { enforce } from '../../policy';

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * What a request does with the container it looks up, as its policy rule names it
 * (`container:<verb>`, checked here against the container's project for every lookup).
 */
export type ContainerVerb =
  | 'get_one'
  | 'delete'
  | 'update'
  | 'start'
  | 'stop'
  | 'reboot'
  | 'pause'
  | 'unpause'
  | 'logs'
  | 'execute'
  | 'execute_resize'
  | 'kill'
  | 'rename'
  | 'attach'
  | 'resize'
  | 'top'
  | 'get_archive'
  | 'put_archive'
  | 'stats'
  | 'commit'
  | 'add_security_group'
  | 'remove_security_group'
  | 'network_attach'
  | 'network_detach'
  | 'network_list'
  | 'rebuild'
  | 'actions';

/**
 * Finds a container by uuid or name in the caller's scope (their project, or everything for
 * admins), then checks the verb's policy rule against it: 403 when an operator's policy
 * refuses it. No match → 404, several names → 409 asking for the uuid. Names only match
 * plain containers; a capsule's sandbox row is not a container here at all.
 */
export async function findContainer(
  ident: string,
  ctx: RequestContext,
  verb: ContainerVerb,
): Promise<Container> {
  const c = await lookUp(ident, ctx, verb);
  enforce(ctx, `container:${verb}`, { project_id: c.project_id, user_id: c.user_id });
  return c;
}

/**
 * `findContainer(ident, ctx, 'get_one')` through the row cache: a container asked for by uuid
 * and cached is answered from memory under the same scope and policy checks; anything else
 * (a name, a miss, another project's row) takes the database path, whose row is then cached.
 */
export async function findContainerToShow(
  ident: string,
  ctx: RequestContext,
  rows: ContainerRowCache,
): Promise<Container> {
  const hit = UUID_LIKE.test(ident) ? rows.get(ident.toLowerCase()) : undefined;
  if (hit && (ctx.isAdmin || hit.project_id === ctx.projectId)) {
    enforce(ctx, 'container:get_one', { project_id: hit.project_id, user_id: hit.user_id });
    rows.served.cache += 1;
    return hit;
  }
  const generation = rows.generation;
  const c = await findContainer(ident, ctx, 'get_one');
  rows.fill(c, generation);
  rows.served.database += 1;
  return c;
}

async function lookUp(ident: string, ctx: RequestContext, verb: ContainerVerb): Promise<Container> {
  const scope: WhereOptions<Container> = ctx.isAdmin ? {} : { project_id: ctx.projectId };
  if (UUID_LIKE.test(ident)) {
    const byUuid = await Container.findOne({
      where: {
        ...scope,
        uuid: ident.toLowerCase(),
        container_type: {
          [Op.in]: [CONTAINER_TYPE.container, CONTAINER_TYPE.capsuleMember, CONTAINER_TYPE.capsuleInit],
        },
      },
    });
    if (byUuid) {
      if (byUuid.container_type !== CONTAINER_TYPE.container && !capsulePartAllows(verb))
        throw await partOfCapsule(byUuid);
      return byUuid;
    }
  }
  const byName = await Container.findAll({
    where: { ...scope, name: ident, container_type: CONTAINER_TYPE.container },
    limit: 2,
  });
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) {
    throw new ConflictError(
      `Multiple containers exist with same name: ${ident}. Please use the container uuid instead.`,
    );
  }
  throw new NotFoundError(`Container ${ident} could not be found.`, 'container-not-found');
}

async function partOfCapsule(c: Container): Promise<ConflictError> {
  const capsule = await Container.findOne({ where: { uuid: c.capsule_id ?? '' }, attributes: ['name'] });
  const named = capsule?.name ? `${capsule.name} (${c.capsule_id})` : String(c.capsule_id);
  return new ConflictError(
    `Container ${c.uuid} is part of capsule ${named}: it is started, stopped, changed and deleted with its capsule only (zun capsule-delete ${c.capsule_id}).`,
    'capsule-member',
  );
}
