import type { Router } from 'express';
import type { ComputeDeps } from '../../compute/deps';
import { getArchive, putArchive } from '../../compute/commands/archive';
import { commitContainer } from '../../compute/commands/commit';
import { containerStats } from '../../compute/commands/stats';
import { containerTop } from '../../compute/commands/top';
import { validator, type JsonSchema } from '../../validation/schema';
import { actionParams } from './action-params';
import { findContainer } from './lookup';

type Query = Record<string, string>;

const query = (props: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  properties: props,
  required,
  additionalProperties: false,
});
const str = { type: 'string' };
export const topQuerySchema = query({ ps_args: str });
export const statsQuerySchema = query({});
export const archiveQuerySchema = query({ path: { type: 'string', minLength: 1 } }, ['path']);
export const commitQuerySchema = query(
  { repository: { type: 'string', minLength: 1, maxLength: 255 }, tag: { type: 'string', minLength: 1 } },
  ['repository'],
);

/**
 * top, stats, get_archive, put_archive and commit (containers.md §8.12–8.16): schema (400) →
 * lookup (404/409) → state table (409) → the container's host.
 */
export function registerSyncVerbs(r: Router, deps: ComputeDeps): void {
  const topQuery = validator<Query>(topQuerySchema);
  const statsQuery = validator<Query>(statsQuerySchema);
  const archiveQuery = validator<Query>(archiveQuerySchema);
  const commitQuery = validator<Query>(commitQuerySchema);

  r.get('/:ident/top', async (req, res) => {
    const p = topQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'top');
    res.json(await containerTop(deps, c, p.ps_args));
  });

  r.get('/:ident/stats', async (req, res) => {
    statsQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'stats');
    res.json(await containerStats(deps, c));
  });

  r.get('/:ident/get_archive', async (req, res) => {
    const p = archiveQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'get_archive');
    res.json(await getArchive(deps, c, p.path, req.apiVersion));
  });

  r.post('/:ident/put_archive', async (req, res) => {
    const p = archiveQuery(actionParams(req, ['data']));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const c = await findContainer(req.params.ident, req.context, 'put_archive');
    await putArchive(deps, c, p.path, body.data, req.apiVersion);
    res.status(200).json(null);
  });

  r.post('/:ident/commit', async (req, res) => {
    const p = commitQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'commit');
    const image = await commitContainer(deps, req.context, c, p.repository, p.tag);
    res.status(202).json(image);
  });
}
