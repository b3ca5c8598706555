import { CONTAINER_TYPE, Container, InputError, type ZunConfig } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import { enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import { keysetPage, pageQuery } from '../paging';
import { LIST_FILTERS } from './schemas';
import { VIEW_COLUMNS } from './views';

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
  'status_reason',
  'status_detail',
  'started_at',
  'interactive',
  'tty',
  'auto_heal',
  'cpu_policy',
]);

export interface Page {
  items: Container[];
  next: string | null;
  /** The view's fields the caller asked for (`fields=`), or null for the whole view. */
  fields: string[] | null;
}

/** What `fields` may name: the list view's fields. */
const VIEW_FIELDS: ReadonlySet<string> = new Set(VIEW_COLUMNS.filter((c) => c !== 'id'));

/**
 * `fields=name,status,...` (an extension; upstream has no such parameter): only these fields of
 * each row, plus `uuid`. A console's table of thousands of rows shows a handful of columns, and
 * reading, rendering and sending the others is most of such a list's cost.
 */
function parseFields(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const fields = raw
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  const unknown = fields.filter((f) => !VIEW_FIELDS.has(f));
  if (fields.length === 0 || unknown.length > 0) {
    throw new InputError(
      `Invalid fields: ${unknown.join(', ') || '(none)'}. Acceptable values are ${[...VIEW_FIELDS].join(', ')}`,
      'invalid-parameter-value',
    );
  }
  return [...new Set(['uuid', ...fields])];
}

/** GET /v1/containers: project-scoped (or all projects for admins who ask), filtered, paged. */
export async function listContainers(
  q: Record<string, string>,
  ctx: RequestContext,
  config: ZunConfig,
  base: string,
): Promise<Page> {
  enforce(ctx, 'container:get_all');
  const allProjects = parseBool('all_projects', q.all_projects, false);
  if (allProjects) enforce(ctx, 'container:get_all_all_projects');
  if (q.host !== undefined) enforce(ctx, 'container:get_one:host');

  const { limit, sortKey, sortDir } = pageQuery(q, SORT_KEYS, config.api.maxLimit);
  const fields = parseFields(q.fields);

  const where: Record<string | symbol, unknown> = {};
  const filters: Record<string, string> = {};
  for (const f of LIST_FILTERS) {
    if (q[f] === undefined) continue;
    filters[f] = q[f];
    where[f] = f === 'auto_remove' ? parseBool(f, q[f], false) : q[f];
  }
  // The caller's scope is an extra condition, never replaced by a project_id filter: a
  // non-admin asking for another project gets nothing, as upstream.
  // Capsules and their parts are listed by /v1/capsules only.
  const scope = {
    container_type: CONTAINER_TYPE.container,
    ...(allProjects ? {} : { project_id: ctx.projectId }),
  };
  const { items, next } = await keysetPage(Container, {
    where: [where, scope],
    // Only a container the caller could list can serve as a marker.
    markerScope: {
      container_type: CONTAINER_TYPE.container,
      ...(ctx.isAdmin ? {} : { project_id: ctx.projectId }),
    },
    marker: q.marker,
    page: { limit, sortKey, sortDir },
    maxLimit: config.api.maxLimit,
    // Plain rows: a list only renders them, and model instances cost CPU per row.
    plainColumns: fields ?? VIEW_COLUMNS,
    link: {
      url: `${base}/v1/containers`,
      before: { ...filters, ...(allProjects ? { all_projects: 'True' } : {}) },
      ...(fields ? { after: { fields: fields.join(',') } } : {}),
    },
  });
  return { items, next, fields };
}
