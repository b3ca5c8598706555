import { Router } from 'express';
import type { ImageRecords } from '../image/image-records';

/**
 * The agent's side of /v1/images: a pull is started and answered at once (202), its outcome
 * lands on the record; a removal is answered when the engine has removed the image.
 */
export function imagesRouter(records: ImageRecords): Router {
  const r = Router();
  r.post('/v1/images/:uuid/pull', async (req, res) => {
    await records.startPull(req.params.uuid);
    res.status(202).json(null);
  });
  r.delete('/v1/images/:uuid', async (req, res) => {
    await records.remove(req.params.uuid);
    res.status(204).end();
  });
  return r;
}
