import { Router } from 'express';
import { attachUrl, executeCommand, resizeTty } from '../../compute/commands/interactive';
import type { ComputeDeps } from '../../compute/deps';
import { parseBool, validator } from '../../validation/schema';
import { actionParams } from './action-params';
import { findContainer } from './lookup';
import { splitCommand } from './params';
import { emptyQuerySchema, executeQuerySchema, executeResizeQuerySchema, resizeQuerySchema } from './schemas';

type Query = Record<string, string>;

/** /v1/containers/{ident}/{execute,execute_resize,attach,resize} (containers.md §8.8–8.11). */
export function interactiveRouter(deps: ComputeDeps): Router {
  const r = Router();
  const executeQuery = validator<Query>(executeQuerySchema);
  const resizeQuery = validator<Query>(resizeQuerySchema);
  const executeResizeQuery = validator<Query>(executeResizeQuerySchema);
  const emptyQuery = validator<Query>(emptyQuerySchema);

  r.post('/:ident/execute', async (req, res) => {
    const q = executeQuery(actionParams(req));
    const run = parseBool('run', q.run, true);
    const interactive = parseBool('interactive', q.interactive, false);
    const command = splitCommand(q.command);
    const c = await findContainer(req.params.ident, req.context, 'execute');
    res.json(await executeCommand(deps, c, command, run, interactive));
  });

  r.post('/:ident/execute_resize', async (req, res) => {
    const q = executeResizeQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'execute_resize');
    await resizeTty(deps, c, q.exec_id, { w: Number(q.w), h: Number(q.h) });
    res.json(null);
  });

  r.get('/:ident/attach', async (req, res) => {
    emptyQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'attach');
    res.json(await attachUrl(deps, c));
  });

  r.post('/:ident/resize', async (req, res) => {
    const q = resizeQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'resize');
    await resizeTty(deps, c, null, { w: Number(q.w), h: Number(q.h) });
    res.json(null);
  });

  return r;
}
