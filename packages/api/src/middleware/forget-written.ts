import type { NextFunction, Request, Response } from 'express';
import type { ContainerRowCache } from '../events/row-cache';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Read-your-writes for the cached show: a request that may have changed container rows drops
 * them from the row cache when its answer's headers are written, which is after its transaction
 * committed and before the client can ask again. The change's notification would drop them too,
 * but it travels through PostgreSQL and may arrive after the client's next GET.
 *
 * `/containers/<uuid>/...` drops that row, any other container or capsule write (a name, a
 * capsule and its parts) drops them all. A create needs nothing: no one has read its row yet.
 */
export function forgetWrittenContainers(rows: ContainerRowCache) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (READS.has(req.method)) return next();
    const [, collection, ident] = req.path.split('/');
    if (collection !== 'containers' && collection !== 'capsules') return next();
    // `/containers` or `/containers/`: a create.
    if (collection === 'containers' && !ident) return next();
    const forget = () =>
      collection === 'containers' && UUID.test(ident ?? '')
        ? rows.forget(ident!.toLowerCase())
        : rows.clear();
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
    res.writeHead = ((...args: unknown[]) => {
      forget();
      return writeHead(...args);
    }) as Response['writeHead'];
    next();
  };
}
