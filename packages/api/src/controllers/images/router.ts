import { Router, type Request } from 'express';
import {
  Image,
  InputError,
  NotFoundError,
  UnsupportedMediaTypeError,
  type Logger,
  type ZunConfig,
} from '@zun/common';
import type { ComputeDeps } from '../../compute/deps';
import { deleteImage } from '../../compute/commands/image-delete';
import { pullImage } from '../../compute/commands/image-pull';
import { searchGlance, searchImages } from '../../compute/image-search';
import { enforce } from '../../policy';
import { parseBool, validator } from '../../validation/schema';
import { listImages } from './list';
import { PULL_HINTS, pullSchema, searchQuerySchema } from './schemas';
import { imageView } from './views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * /v1/images: images pulled onto compute hosts (pull, list, show, delete: admins) and search
 * (any member). The client uses `/v1/images/` for list and pull; the search term may hold `/`
 * and `:` (`127.0.0.1:5000/busybox`), so its route takes the whole path before `/search`.
 */
export function imagesRouter(deps: ComputeDeps, logger: Logger, baseUrl: (req: Request) => string): Router {
  const r = Router();
  const pullBody = validator<{ repo: string; host: string }>(pullSchema, PULL_HINTS);
  const searchQuery = validator<Record<string, string>>(searchQuerySchema);
  const config: ZunConfig = deps.config;

  r.get(/^\/(.+)\/search\/?$/, async (req, res) => {
    enforce(req.context, 'image:search');
    const q = searchQuery({ ...(req.query as Record<string, string>) });
    const term = decodeURIComponent((req.params as Record<string, string>)[0]);
    const exact = parseBool('exact_match', q.exact_match, false);
    if (q.image_driver === 'glance') {
      if (!deps.glance) {
        throw new InputError(
          'Image search with the glance driver is not available in this deployment ([glance] auth_url is not set): search the registries with the docker driver.',
        );
      }
      res.json(await searchGlance(deps.glance, req.context, term, exact));
      return;
    }
    res.json(await searchImages(config, req.context, logger, term, exact));
  });

  r.post('/', async (req, res) => {
    enforce(req.context, 'image:pull');
    if (!req.is('application/json')) {
      throw new UnsupportedMediaTypeError(
        'The server could not comply with the request since it is either malformed or otherwise incorrect. Content-Type must be application/json.',
      );
    }
    const body = pullBody(req.body ?? {});
    const row = await pullImage(deps, req.context, body.repo, body.host);
    const base = baseUrl(req);
    res.status(202).location(`${base}/v1/images/${row.uuid}`).json(imageView(row, base));
  });

  r.get('/', async (req, res) => {
    enforce(req.context, 'image:get_all');
    const base = baseUrl(req);
    const page = await listImages(req.query as Record<string, string>, req.context, config, base);
    res.json({ images: page.items.map((i) => imageView(i, base)), next: page.next });
  });

  const find = async (ident: string): Promise<Image> => {
    const row = UUID.test(ident) ? await Image.findOne({ where: { uuid: ident.toLowerCase() } }) : null;
    if (!row) throw new NotFoundError(`Image ${ident} could not be found.`, 'image-not-found');
    return row;
  };

  r.get('/:uuid', async (req, res) => {
    enforce(req.context, 'image:get_one');
    res.json(imageView(await find(req.params.uuid), baseUrl(req)));
  });

  r.delete('/:uuid', async (req, res) => {
    enforce(req.context, 'image:delete');
    await deleteImage(deps, await find(req.params.uuid));
    res.status(200).json(null);
  });
  return r;
}
