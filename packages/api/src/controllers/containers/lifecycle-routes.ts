import type { Request, Router } from 'express';
import { InputError } from '@zun/common';
import type { ComputeDeps } from '../../compute/deps';
import { killContainer, normaliseSignal } from '../../compute/commands/kill';
import { pauseContainer } from '../../compute/commands/pause';
import { rebootContainer } from '../../compute/commands/reboot';
import { rebuildContainer } from '../../compute/commands/rebuild';
import { renameContainer } from '../../compute/commands/rename';
import { unpauseContainer } from '../../compute/commands/unpause';
import { updateContainer } from '../../compute/commands/update';
import { versioned } from '../../middleware/microversion';
import { validator } from '../../validation/schema';
import { listActions, showAction } from './actions';
import { actionParams } from './action-params';
import { findContainer } from './lookup';
import { imageDriverOf } from './params';
import {
  CREATE_HINTS,
  emptyQuerySchema,
  killQuerySchema,
  rebootQuerySchema,
  rebuildQuerySchema,
  renameQuerySchema,
  updateBodySchema,
} from './schemas';
import { updateChange } from './update-params';
import { containerView } from './views';

type Query = Record<string, string>;

/**
 * The lifecycle verbs beyond create/start/stop/delete (containers.md §6, §8.3–8.6, §8.21, §10):
 * reboot, pause, unpause, kill, rebuild (durable tasks), PATCH and rename, and the actions
 * audit trail.
 */
export function addLifecycleRoutes(r: Router, deps: ComputeDeps, baseUrl: (req: Request) => string): void {
  const emptyQuery = validator<Query>(emptyQuerySchema);
  const rebootQuery = validator<Query>(rebootQuerySchema);
  const killQuery = validator<Query>(killQuerySchema);
  const rebuildQuery = validator<Query>(rebuildQuerySchema);
  const updateBody = validator<Record<string, unknown>>(updateBodySchema, CREATE_HINTS);
  const renameQuery = validator<Query>(renameQuerySchema, CREATE_HINTS);

  r.post('/:ident/reboot', async (req, res) => {
    const q = rebootQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'reboot');
    const timeout = q.timeout === undefined ? null : Number(q.timeout);
    await rebootContainer(deps, req.context, c, timeout);
    res.status(202).json(null);
  });

  r.post('/:ident/pause', async (req, res) => {
    emptyQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'pause');
    await pauseContainer(deps, req.context, c);
    res.status(202).json(null);
  });

  r.post('/:ident/unpause', async (req, res) => {
    emptyQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'unpause');
    await unpauseContainer(deps, req.context, c);
    res.status(202).json(null);
  });

  r.post('/:ident/kill', async (req, res) => {
    const q = killQuery(actionParams(req));
    const signal = normaliseSignal(q.signal);
    const c = await findContainer(req.params.ident, req.context, 'kill');
    await killContainer(deps, req.context, c, signal);
    res.status(202).json(null);
  });

  r.post('/:ident/rebuild', async (req, res) => {
    const q = rebuildQuery(actionParams(req));
    const driver = q.image_driver === undefined || q.image_driver === 'None' ? null : q.image_driver;
    if (driver !== null && !['docker', 'glance'].includes(driver)) {
      throw new InputError(
        `Invalid input for field/attribute image_driver. Value: ${driver}. image_driver must be one of docker, glance.`,
      );
    }
    if (driver === 'glance') imageDriverOf(driver, deps.config);
    const c = await findContainer(req.params.ident, req.context, 'rebuild');
    await rebuildContainer(deps, req.context, c, { image: q.image ?? null, imageDriver: driver });
    res.status(202).json(null);
  });

  r.patch('/:ident', async (req, res) => {
    const body = updateBody(req.body ?? {});
    const change = updateChange(body, deps.config);
    const c = await findContainer(req.params.ident, req.context, 'update');
    const updated = await updateContainer(deps, c, change);
    res.json(containerView(updated, req.context, baseUrl(req)));
  });

  r.post('/:ident/rename', versioned('1.1', '1.13'), async (req, res) => {
    const q = renameQuery(actionParams(req));
    const c = await findContainer(String(req.params.ident), req.context, 'rename');
    const renamed = await renameContainer(c, q.name);
    res.json(containerView(renamed, req.context, baseUrl(req)));
  });

  r.get('/:ident/container_actions', async (req, res) => {
    emptyQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'actions');
    res.json({ containerActions: await listActions(c) });
  });

  r.get('/:ident/container_actions/:requestId', async (req, res) => {
    emptyQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'actions');
    res.json(await showAction(c, String(req.params.requestId), req.context));
  });
}
