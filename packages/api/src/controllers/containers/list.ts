import { Op, type Order, type WhereOptions } from 'sequelize';
import { Container, InputError, NotFoundError, type ZunConfig } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import { LIST_FILTERS } from './schemas';

const SORT_KEYS = new Set([
  'id',
  'uuid',
  'name',
  'image',
  'project_id',
  'user_id',
  'status',
  'task_state',
  'cpu',
  'memory',
  'disk',
  'host',
  'created_at',
  'updated_at',
  'hostname',
  'workdir',
  'image_driver',
  'runtime',
  'auto_remove',
]);

export interface Page {
  items: Container[];
  next: string | null;
}

/** GET /v1/containers: project-scoped (or all projects for admins who ask), filtered, paged. */
export async function listContainers(
  q: Record<string, string>,
  ctx: RequestContext,
  config: ZunConfig,
  base: string,
): Promise<Page> {
  const allProjects = parseBool('all_projects', q.all_projects, false);
  if (allProjects) enforce(ctx, 'container:get_all_all_projects');
  if (q.host !== undefined) enforce(ctx, 'container:get_one:host');

  const limit = q.limit === undefined ? config.api.maxLimit : Number(q.limit);
  if (!Number.isInteger(limit) || limit <= 0)
    throw new InputError(`Limit must be positive integer: ${q.limit}`);
  const sortKey = q.sort_key ?? 'id';
  if (!SORT_KEYS.has(sortKey)) {
    throw new InputError(
      `The sort_key value "${sortKey}" is an invalid field for sorting`,
      'invalid-parameter-value',
    );
  }
  const sortDir = (q.sort_dir ?? 'asc').toLowerCase();
  if (sortDir !== 'asc' && sortDir !== 'desc') {
    throw new InputError(`Invalid sort direction: ${q.sort_dir}. Acceptable values are 'asc' or 'desc'`);
  }

  const where: Record<string | symbol, unknown> = allProjects ? {} : { project_id: ctx.projectId };
  for (const f of LIST_FILTERS) {
    if (q[f] === undefined) continue;
    where[f] = f === 'auto_remove' ? parseBool(f, q[f], false) : q[f];
  }
  if (!allProjects) where.project_id = ctx.projectId;

  if (q.marker) {
    const marker = await Container.findOne({ where: { uuid: q.marker } });
    if (!marker) throw new NotFoundError(`Marker ${q.marker} could not be found.`, 'marker-not-found');
    const op = sortDir === 'asc' ? Op.gt : Op.lt;
    const mv = marker.get(sortKey as keyof Container) as unknown;
    where[Op.or] = [{ [sortKey]: { [op]: mv } }, { [sortKey]: mv, id: { [op]: marker.id } }];
  }
  const order: Order = [
    [sortKey, sortDir.toUpperCase()],
    ['id', sortDir.toUpperCase()],
  ];
  // Plain rows: a list only renders them, and model instances cost CPU per row.
  const items = (await Container.findAll({
    where: where as WhereOptions<Container>,
    order,
    limit: Math.min(limit, config.api.maxLimit),
    raw: true,
  })) as Container[];
  const next =
    items.length === limit
      ? `${base}/v1/containers?sort_key=${sortKey}&sort_dir=${sortDir}&limit=${limit}&marker=${items[items.length - 1].uuid}`
      : null;
  return { items, next };
}
