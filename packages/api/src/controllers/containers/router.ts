import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import {
  UnsupportedMediaTypeError,
  InvalidParamInVersion,
  NotAllowedError,
  type Container,
  type OpenStreams,
} from '@zun/common';
import type { ComputeDeps } from '../../compute/deps';
import { createContainer } from '../../compute/commands/create';
import { deleteContainer } from '../../compute/commands/delete';
import { containerLogs } from '../../compute/commands/logs';
import { startContainer, stopContainer } from '../../compute/commands/start-stop';
import { parseBool, validator } from '../../validation/schema';
import { listContainers } from './list';
import { logsParams } from './logs-params';
import { JsonStringEncoder } from './logs-stream';
import { followLogs } from './logs-follow';
import { interactiveRouter } from './interactive';
import { actionParams } from './action-params';
import { findContainer, findContainerToShow } from './lookup';
import { enforce } from '../../policy';
import { addLifecycleRoutes } from './lifecycle-routes';
import { addNetworkRoutes } from './network-routes';
import { createParams } from './params';
import { registerSyncVerbs } from './sync-verbs';
import {
  CREATE_HINTS,
  createBodySchema,
  createQuerySchema,
  deleteQuerySchema,
  emptyQuerySchema,
  listQuerySchema,
  logsQuerySchema,
  stopQuerySchema,
} from './schemas';
import { containerView, pickFields } from './views';
import { containerEvents } from './events';
import { waitForStatusChange, waitRequest } from './wait';
import type { ContainerEventHub } from '../../events/container-events';
import type { ApiVersion } from '../../api-version';

type Query = Record<string, string>;

/** /v1/containers — handlers for the container verbs; schemas in ./schemas, views in ./views. */
export function containersRouter(
  deps: ComputeDeps,
  baseUrl: (req: Request) => string,
  events: ContainerEventHub,
  follows: OpenStreams,
): Router {
  const r = Router();
  const createBody = new Map<string, (d: unknown) => Record<string, unknown>>();
  const bodyValidator = (v: ApiVersion) => {
    const key = v.toString();
    let fn = createBody.get(key);
    if (!fn) {
      fn = validator<Record<string, unknown>>(createBodySchema(v), CREATE_HINTS);
      createBody.set(key, fn);
    }
    return fn;
  };
  const createQuery = validator<Query>(createQuerySchema);
  const listQuery = validator<Query>(listQuerySchema);
  const deleteQuery = validator<Query>(deleteQuerySchema);
  const stopQuery = validator<Query>(stopQuerySchema);
  const emptyQuery = validator<Query>(emptyQuerySchema);
  const logsQuery = validator<Query>(logsQuerySchema);

  r.post('/', async (req, res) => {
    if (!req.is('application/json')) {
      throw new UnsupportedMediaTypeError(
        'The server could not comply with the request since it is either malformed or otherwise incorrect. Content-Type must be application/json.',
      );
    }
    enforce(req.context, 'container:create');
    const q = createQuery({ ...(req.query as Query) });
    const body = bodyValidator(req.apiVersion)(req.body ?? {});
    const run = parseBool('run', q.run, false);
    const params = createParams(body, req.apiVersion, req.context, deps.config);
    const c = await createContainer(deps, req.context, params, run);
    const base = baseUrl(req);
    res
      .status(202)
      .location(`${base}/v1/containers/${c.uuid}`)
      .json(containerView(c, req.context, base));
  });

  r.get('/', async (req, res) => {
    const q = listQuery({ ...(req.query as Query) });
    const base = baseUrl(req);
    const page = await listContainers(q, req.context, deps.config, base);
    const view = (c: Container): Record<string, unknown> => containerView(c, req.context, null);
    const { fields } = page;
    res.json({
      containers: page.items.map(fields ? (c) => pickFields(view(c), fields) : view),
      next: page.next,
    });
  });

  // Before /:ident, which would take `events` for a container's name.
  r.get('/events', containerEvents(events));

  r.get('/:ident', async (req, res) => {
    const q = req.query as Query;
    if (parseBool('all_projects', q.all_projects, false) && !req.context.isAdmin) {
      throw new NotAllowedError("Policy doesn't allow container:get_one_all_projects to be performed.");
    }
    const wait = waitRequest(q);
    const c = wait
      ? await waitForStatusChange(
          events,
          req.context,
          req.params.ident,
          wait,
          new Promise((resolve) => res.on('close', () => resolve())),
        )
      : await findContainerToShow(req.params.ident, req.context, events.rows);
    res.json(containerView(c, req.context, baseUrl(req)));
  });

  r.delete('/:ident', async (req, res) => {
    const q = deleteQuery(actionParams(req));
    const force = parseBool('force', q.force, false);
    const stop = parseBool('stop', q.stop, false);
    const allProjects = parseBool('all_projects', q.all_projects, false);
    const v = req.apiVersion;
    if (stop && !v.atLeast('1.12')) throw new InvalidParamInVersion('stop', v.toString(), '1.12');
    if (force && !stop && !v.atLeast('1.7')) throw new InvalidParamInVersion('force', v.toString(), '1.7');
    if (force && !stop) enforce(req.context, 'container:delete_force');
    if (allProjects) enforce(req.context, 'container:delete_all_projects');
    const c = await findContainer(req.params.ident, req.context, 'delete');
    await deleteContainer(deps, req.context, c, { force, stop });
    res.status(204).end();
  });

  r.post('/:ident/start', async (req, res) => {
    emptyQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'start');
    await startContainer(deps, req.context, c);
    res.status(202).json(null);
  });

  r.post('/:ident/stop', async (req, res) => {
    const q = stopQuery(actionParams(req));
    const c = await findContainer(req.params.ident, req.context, 'stop');
    await stopContainer(deps, req.context, c, q.timeout === undefined ? null : Number(q.timeout));
    res.status(202).json(null);
  });

  r.get('/:ident/logs', async (req, res) => {
    const q = logsParams(logsQuery(actionParams(req)));
    const c = await findContainer(req.params.ident, req.context, 'logs');
    const logs = await containerLogs(deps, c, q);
    if (q.follow) {
      followLogs(logs, res, follows, deps.logger.child({ uuid: c.uuid }));
      return;
    }
    res.type('application/json');
    // Errors before this point are ordinary error answers; after the first byte a broken host
    // stream can only cut the answer short (the client then sees invalid JSON, not a wrong log).
    await pipeline(logs, new JsonStringEncoder(), res).catch((err: unknown) =>
      deps.logger.warn('logs stream cut short', { uuid: c.uuid, error: String(err) }),
    );
  });

  registerSyncVerbs(r, deps);

  addNetworkRoutes(r, deps);
  addLifecycleRoutes(r, deps, baseUrl);
  r.use(interactiveRouter(deps));

  return r;
}
