import express, { Router, type Request } from 'express';
import {
  ConflictError,
  Container,
  InputError,
  InvalidStateError,
  NotFoundError,
  isActionAllowed,
  type ExecRequest,
  type ExecResult,
} from '@zun/common';
import { ExecTimeoutError, type InteractiveEngine } from '../docker/interactive';
import type { InteractiveSessions } from './sessions';

/** Synchronous interactive calls from the API: execute, resize, execute_resize. */
export function interactiveRoutes(deps: {
  host: string;
  engine: InteractiveEngine;
  sessions: InteractiveSessions;
  executeTimeoutMs: number;
}): Router {
  const r = Router();
  r.use(express.json({ limit: '64kb' }));

  const running = async (req: Request, action: 'execute' | 'resize' | 'execute_resize') => {
    const uuid = String(req.params.uuid);
    const c = await Container.findOne({ where: { uuid, host: deps.host } });
    if (!c)
      throw new NotFoundError(`Container ${uuid} could not be found on ${deps.host}.`, 'container-not-found');
    if (!isActionAllowed(action, c.status)) throw new InvalidStateError(action, c.uuid, c.status);
    if (!c.container_id) throw new InputError(`Container ${uuid} has no engine container yet.`);
    return c.container_id;
  };
  const size = (req: Request) => {
    const b = (req.body ?? {}) as { w?: unknown; h?: unknown };
    const w = Number(b.w);
    const h = Number(b.h);
    if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || w > 65535 || h > 65535) {
      throw new InputError('Width and height must be integers between 1 and 65535.');
    }
    return { w, h };
  };

  r.post('/v1/containers/:uuid/execute', async (req, res) => {
    const id = await running(req, 'execute');
    const body = req.body as ExecRequest;
    if (!Array.isArray(body?.command) || body.command.length === 0)
      throw new InputError('command is required');
    let result: ExecResult;
    if (body.run) {
      try {
        const out = await deps.engine.runExec(id, body.command.map(String), deps.executeTimeoutMs);
        result = { output: out.output, exit_code: out.exitCode, exec_id: null };
      } catch (err) {
        if (err instanceof ExecTimeoutError) throw new ConflictError(err.message);
        throw err;
      }
    } else {
      const execId = await deps.engine.createExec(id, body.command.map(String), !!body.interactive);
      result = { output: null, exit_code: null, exec_id: execId };
    }
    res.json(result);
  });

  r.post('/v1/containers/:uuid/resize', async (req, res) => {
    const id = await running(req, 'resize');
    const { w, h } = size(req);
    await deps.engine.resize(id, w, h);
    res.json(null);
  });

  r.post('/v1/containers/:uuid/exec/:execId/resize', async (req, res) => {
    const id = await running(req, 'execute_resize');
    const { w, h } = size(req);
    const execId = String(req.params.execId);
    const info = await deps.engine.inspectExec(execId);
    if (!info || info.containerId !== id) {
      throw new InputError(`Exec ${execId} does not belong to container ${req.params.uuid}.`);
    }
    await deps.sessions.resizeExec(execId, w, h);
    res.json(null);
  });

  return r;
}
