import { Op, type WhereOptions } from 'sequelize';
import { InputError } from '@zun/common';

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
