import express, { Router, type Request } from 'express';
import {
  Container,
  ContainerStatus,
  ConflictError,
  InputError,
  InvalidStateError,
  isActionAllowed,
  MAX_ARCHIVE_BYTES,
  NotFoundError,
  ZunError,
  type ContainerActionKey,
  type Logger,
} from '@zun/common';
import type { EngineClient } from '../docker/engine';
import { toEngineError } from '../docker/errors';
import { summariseStats } from '../docker/stats';

/**
 * Synchronous container calls the API forwards to this host: top, stats, get_archive and
 * put_archive. The state is checked again here, since it may have changed since the API
 * looked; engine refusals are turned into the statuses Zun gives them (containers.md §9).
 */
export function containerReadsRouter(deps: { host: string; engine: EngineClient; logger: Logger }): Router {
  const r = Router();

  async function ours(
    req: Request,
    action: ContainerActionKey,
  ): Promise<Container & { container_id: string }> {
    const c = await Container.findOne({ where: { uuid: req.params.uuid, host: deps.host } });
    if (!c) {
      throw new NotFoundError(
        `Container ${req.params.uuid} could not be found on ${deps.host}.`,
        'container-not-found',
      );
    }
    if (!isActionAllowed(action, c.status)) throw new InvalidStateError(action, c.uuid, c.status);
    if (!c.container_id) {
      throw new InputError(`Container ${c.uuid} has no Docker container yet.`, 'invalid');
    }
    return c as Container & { container_id: string };
  }

  /** Maps an engine failure: a vanished container or a state Docker refuses → 409. */
  async function engineFailure(err: unknown, c: Container, action: string): Promise<ZunError | Error> {
    const e = toEngineError(err);
    if (e.statusCode === 409) return new ConflictError(`Cannot ${action} container ${c.uuid}: ${e.message}`);
    if (e.statusCode === 404 && c.container_id && !(await deps.engine.inspectContainer(c.container_id))) {
      // The row must stop claiming a container that is gone (containers.md §9).
      if (c.status !== ContainerStatus.Deleting) {
        await c.update(
          c.auto_remove
            ? { status: ContainerStatus.Deleted, status_reason: null }
            : {
                status: ContainerStatus.Error,
                status_reason: `No such container: ${c.container_id} in docker`,
              },
        );
      }
      return new ConflictError(
        `Cannot ${action} container ${c.uuid}: its Docker container no longer exists.`,
      );
    }
    return e;
  }

  r.get('/v1/containers/:uuid/top', async (req, res) => {
    const c = await ours(req, 'top');
    const psArgs = typeof req.query.ps_args === 'string' ? req.query.ps_args : null;
    try {
      res.json(await deps.engine.top(c.container_id, psArgs));
    } catch (err) {
      const e = await engineFailure(err, c, 'top');
      // Docker answers 500 when ps rejects the arguments; the container being up tells the two apart.
      if (!(e instanceof ZunError) && psArgs !== null) {
        const info = await deps.engine.inspectContainer(c.container_id);
        if (info?.State?.Running) throw new InputError(`ps_args "${psArgs}" were refused: ${e.message}`);
      }
      throw e;
    }
  });

  r.get('/v1/containers/:uuid/stats', async (req, res) => {
    const c = await ours(req, 'stats');
    try {
      res.json(summariseStats(c.name ?? c.uuid, await deps.engine.stats(c.container_id)));
    } catch (err) {
      throw await engineFailure(err, c, 'stats');
    }
  });

  r.get('/v1/containers/:uuid/get_archive', async (req, res) => {
    const c = await ours(req, 'get_archive');
    const path = String(req.query.path ?? '');
    try {
      const { tar, stat } = await deps.engine.getArchive(c.container_id, path, MAX_ARCHIVE_BYTES);
      res.json({ data: tar.toString('base64'), stat });
    } catch (err) {
      throw await archiveFailure(err, c, 'get_archive', path);
    }
  });

  r.put(
    '/v1/containers/:uuid/put_archive',
    express.raw({ type: 'application/x-tar', limit: MAX_ARCHIVE_BYTES }),
    async (req, res) => {
      const c = await ours(req, 'put_archive');
      const path = String(req.query.path ?? '');
      if (!Buffer.isBuffer(req.body)) throw new InputError('put_archive needs a tar archive body.');
      try {
        await deps.engine.putArchive(c.container_id, path, req.body);
        res.json(null);
      } catch (err) {
        throw await archiveFailure(err, c, 'put_archive', path);
      }
    },
  );

  async function archiveFailure(err: unknown, c: Container, action: string, path: string): Promise<Error> {
    const e = await engineFailure(err, c, action);
    if (e instanceof ZunError) return e;
    const status = toEngineError(err).statusCode;
    // The container exists (checked above), so a 404 is the path; 400 is a path Docker refuses.
    if (status === 404 || status === 400)
      return new InputError(`Could not find the file ${path} in container ${c.uuid}: ${e.message}`);
    if (status === 413) return new ZunError(e.message, 413, 'request-entity-too-large');
    return e;
  }

  return r;
}
