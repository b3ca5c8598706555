import { pipeline } from 'node:stream/promises';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  REQUEST_ID_HEADER,
  SERVICE_TOKEN_HEADER,
  credentialMatches,
  isActionAllowed,
  Container,
  NotFoundError,
  InvalidStateError,
  InputError,
  isDatabaseUnavailable,
  ServiceUnavailableError,
  ZunError,
  causeChain,
  runWithRequestId,
  type AgentErrorBody,
  type Logger,
} from '@zun/common';
import type { EngineClient } from './docker/engine';
import type { ResourceTracker } from './manager/claims';
import { claimsRouter } from './routes/claims';
import { containerReadsRouter } from './routes/container-reads';
import type { ManagerContext } from './manager/context';
import { updateResources } from './manager/commands/update';
import type { Router } from 'express';
import type { AgentAvailability } from './routes/availability';
import type { TaskRunner } from './manager/task-runner';

/**
 * The agent's HTTP endpoint. Only the API (holding the service credential) may call it; it
 * offers synchronous reads (tasks arrive through the database), never the Docker socket itself.
 */
export function createAgentApp(deps: {
  serviceToken: string;
  host: string;
  engine: EngineClient;
  tracker: ResourceTracker;
  logger: Logger;
  /** For the synchronous changes that go through the host's claims (PATCH cpu/memory). */
  manager: ManagerContext;
  /** Extra routes (behind the credential check), e.g. the interactive calls. */
  routes?: Router[];
  /** Served before the credential check: access log, /metrics, /healthcheck. */
  publicRoutes?: Router;
  /**
   * The host's task runner: orders such a change with the container's tasks (serialize), and
   * runs the create a claim takes (takeHeld, run).
   */
  tasks: Pick<TaskRunner, 'serialize' | 'takeHeld' | 'run'>;
  availability: AgentAvailability;
}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // The API's request id (forwarded in the header) becomes the context of what this request does.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const requestId = req.header(REQUEST_ID_HEADER);
    if (requestId) runWithRequestId(requestId, next);
    else next();
  });
  if (deps.publicRoutes) app.use(deps.publicRoutes);
  app.use(deps.availability.refuseWhileDraining);

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!credentialMatches(req.header(SERVICE_TOKEN_HEADER), deps.serviceToken)) {
      res.status(401).json(errorBody(401, 'unauthorized', 'A valid service credential is required.'));
      return;
    }
    next();
  });

  app.use(
    '/v1/claims',
    deps.availability.needsTally,
    express.json(),
    claimsRouter(deps.tracker, deps.logger, deps.tasks),
  );

  app.get('/v1/health', (_req, res) => {
    res.json({ host: deps.host });
  });

  app.get('/v1/containers/:uuid/logs', async (req, res) => {
    const c = await Container.findOne({ where: { uuid: req.params.uuid, host: deps.host } });
    if (!c)
      throw new NotFoundError(
        `Container ${req.params.uuid} could not be found on ${deps.host}.`,
        'container-not-found',
      );
    if (!isActionAllowed('logs', c.status)) throw new InvalidStateError('logs', c.uuid, c.status);
    res.type('text/plain; charset=utf-8');
    if (!c.container_id) {
      res.end();
      return;
    }
    const q = req.query as Record<string, string | undefined>;
    const tail = q.tail === undefined || q.tail === 'all' ? 'all' : Number(q.tail);
    const follow = q.follow === 'true';
    const logs = await deps.engine.logStream(c.container_id, {
      stdout: q.stdout !== 'false',
      stderr: q.stderr !== 'false',
      timestamps: q.timestamps === 'true',
      tail: Number.isFinite(tail) ? tail : 'all',
      since: q.since ? Number(q.since) : null,
      follow,
    });
    if (follow) {
      // Each chunk goes out as the engine sends it, until the container stops (the engine ends
      // the stream). A caller that goes away closes the engine's stream; a drain ends the answer.
      res.flushHeaders();
      const forget = deps.availability.follows.add(() => {
        logs.unpipe(res);
        logs.destroy();
        res.end();
      });
      res.once('close', () => (forget(), logs.destroy()));
      logs.once('error', (err) => {
        deps.logger.warn('followed logs cut short', { uuid: c.uuid, error: String(err) });
        res.destroy();
      });
      logs.pipe(res);
      return;
    }
    // Streamed with back-pressure: the agent holds a chunk, never the whole log. An engine error
    // after the first byte can only cut the answer short, which the API passes on as such.
    await pipeline(logs, res).catch((err: unknown) =>
      deps.logger.warn('logs stream cut short', { uuid: c.uuid, error: String(err) }),
    );
  });

  app.use(containerReadsRouter(deps));
  for (const r of deps.routes ?? []) app.use(r);

  app.post('/v1/containers/:uuid/update', deps.availability.needsTally, express.json(), async (req, res) => {
    const body = (req.body ?? {}) as { cpu?: unknown; memory?: unknown };
    const cpu = typeof body.cpu === 'number' ? body.cpu : null;
    const memory = typeof body.memory === 'string' && /^[0-9]+$/.test(body.memory) ? body.memory : null;
    if (cpu === null && memory === null) throw new InputError('Nothing to update: give cpu and/or memory.');
    const uuid = req.params.uuid;
    const log = deps.logger.child({ uuid });
    // Read the row only once earlier tasks are done: they may change its state or Docker id.
    const c = await deps.tasks.serialize(uuid, async () => {
      const row = await Container.findOne({ where: { uuid, host: deps.host } });
      if (!row)
        throw new NotFoundError(
          `Container ${uuid} could not be found on ${deps.host}.`,
          'container-not-found',
        );
      await updateResources({ ...deps.manager, logger: log }, row, { cpu, memory });
      return row;
    });
    res.json({ cpu: c.cpu, memory: c.memory });
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ZunError && err.status < 500) {
      res.status(err.status).json(errorBody(err.status, err.code, err.message, err));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // The agent cannot record a claim without its database: the API treats the 503 like an
      // unreachable agent, and the caller retries.
      deps.logger.warn('agent request refused: database unavailable', {
        path: req.path,
      });
      res
        .status(503)
        .set('Retry-After', '5')
        .json(errorBody(503, 'service-unavailable', 'The compute agent cannot reach its database.'));
      return;
    }
    // Not a fault: the caller is told to come back (Retry-After is set by whoever refused).
    if (err instanceof ServiceUnavailableError) {
      deps.logger.info('agent request refused', {
        path: req.path,
        reason: err.message,
      });
      res.status(err.status).json(errorBody(err.status, err.code, err.message, err));
      return;
    }
    deps.logger.error('agent request failed', {
      path: req.path,
      error: (err as Error).stack ?? String(err),
    });
    const status = err instanceof ZunError ? err.status : 500;
    res
      .status(status)
      .json(errorBody(status, 'compute-error', (err as Error).message ?? 'compute agent error', err));
  });
  return app;
}

/** `err` travels as the cause: the original error's name, code and message, and its own causes. */
function errorBody(status: number, code: string, message: string, err?: unknown): AgentErrorBody {
  return { error: { status, code, message, ...(err === undefined ? {} : { cause: causeChain(err) }) } };
}
