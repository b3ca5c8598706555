import { Op, type Attributes, type Model, type ModelStatic, type WhereOptions } from 'sequelize';
import { InputError, NotFoundError } from '@zun/common';

export interface PageQuery {
  limit: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
}

/**
 * `limit`, `sort_key` and `sort_dir` of a paged list, checked with upstream's messages; `limit`
 * defaults to `maxLimit` (the caller caps it).
 */
export function pageQuery(
  q: Record<string, string>,
  sortKeys: ReadonlySet<string>,
  maxLimit: number,
): PageQuery {
  const limit = q.limit === undefined ? maxLimit : Number(q.limit);
  if (!Number.isInteger(limit) || limit <= 0)
    throw new InputError(`Limit must be positive integer: ${q.limit}`);
  const sortKey = q.sort_key ?? 'id';
  if (!sortKeys.has(sortKey)) {
    throw new InputError(
      `The sort_key value "${sortKey}" is an invalid field for sorting`,
      'invalid-parameter-value',
    );
  }
  const sortDir = (q.sort_dir ?? 'asc').toLowerCase();
  if (sortDir !== 'asc' && sortDir !== 'desc') {
    throw new InputError(`Invalid sort direction: ${q.sort_dir}. Acceptable values are 'asc' or 'desc'`);
  }
  return { limit, sortKey, sortDir };
}

/**
 * Rows after the marker in (sortKey, id) order. PostgreSQL puts NULLs last when ascending and
 * first when descending, so a nullable sort key needs its own conditions.
 */
export function afterMarker<M extends object>(
  key: string,
  dir: 'asc' | 'desc',
  value: unknown,
  id: number,
): WhereOptions<M> {
  const op = dir === 'asc' ? Op.gt : Op.lt;
  const isNull = { [key]: { [Op.is]: null } };
  const notNull = { [key]: { [Op.not]: null } };
  if (value === null || value === undefined) {
    const where: unknown =
      dir === 'asc'
        ? { ...isNull, id: { [op]: id } }
        : { [Op.or]: [notNull, { ...isNull, id: { [op]: id } }] };
    return where as WhereOptions<M>;
  }
  const after: unknown[] = [{ [key]: { [op]: value } }, { [key]: value, id: { [op]: id } }];
  if (dir === 'asc') after.push(isNull);
  return { [Op.or]: after } as WhereOptions<M>;
}

/** A row a keyset page can be built of: its id breaks ties, its uuid is the next page's marker. */
interface PagedRow extends Model {
  id: number;
  uuid: string;
}

export interface KeysetPageOptions {
  /** The caller's scope and filters, all of which a row must meet. */
  where: WhereOptions[];
  /** Which rows may serve as a marker: never wider than the rows the caller could list. */
  markerScope: WhereOptions;
  marker: string | undefined;
  page: PageQuery;
  maxLimit: number;
  /** Only these columns, as plain objects rather than model instances (a large list's cost). */
  plainColumns?: readonly string[];
  /**
   * The next page's link: its URL up to the `?`, and the query parameters that travel with it
   * before and after the paging ones (the scope and filters, so that following it lists the
   * same set; upstream drops them).
   */
  link: { url: string; before?: Record<string, string>; after?: Record<string, string> };
}

/**
 * One page of a list in (sort key, id) order after the marker, and the link to the next page
 * when this one is full.
 */
export async function keysetPage<M extends PagedRow>(
  model: ModelStatic<M>,
  opts: KeysetPageOptions,
): Promise<{ items: M[]; next: string | null }> {
  const { sortKey, sortDir, limit } = opts.page;
  const conditions: WhereOptions[] = [...opts.where];
  if (opts.marker) {
    const markerWhere: WhereOptions = { [Op.and]: [opts.markerScope, { uuid: opts.marker }] };
    const marker = await model.findOne({ where: markerWhere as WhereOptions<Attributes<M>> });
    if (!marker) throw new NotFoundError(`Marker ${opts.marker} could not be found.`, 'marker-not-found');
    conditions.push(afterMarker(sortKey, sortDir, marker.get(sortKey), marker.id));
  }
  const dir = sortDir === 'asc' ? 'ASC' : 'DESC';
  const pageSize = Math.min(limit, opts.maxLimit);
  const items = (await model.findAll({
    ...(opts.plainColumns ? { attributes: [...opts.plainColumns], raw: true } : {}),
    where: { [Op.and]: conditions } as WhereOptions<Attributes<M>>,
    order: [
      [sortKey, dir],
      ['id', dir],
    ],
    limit: pageSize,
  })) as M[];
  let next: string | null = null;
  if (items.length === pageSize) {
    const qs = new URLSearchParams(opts.link.before ?? {});
    qs.set('sort_key', sortKey);
    qs.set('sort_dir', sortDir);
    qs.set('limit', String(pageSize));
    qs.set('marker', items[items.length - 1].uuid);
    for (const [k, v] of Object.entries(opts.link.after ?? {})) qs.set(k, v);
    next = `${opts.link.url}?${qs.toString()}`;
  }
  return { items, next };
}
