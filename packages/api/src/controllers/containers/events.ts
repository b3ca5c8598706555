import type { Request, Response } from 'express';
import { enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import type { ContainerEventHub } from '../../events/container-events';
import { containerView } from './views';

/** A comment line often enough that proxies and browsers never see an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * GET /v1/containers/events: a server-sent-events stream of the caller's project's container
 * rows as they change (`container`: the row's view, `removed`: its uuid), all projects for an
 * admin with all_projects. `ready` comes first: a client lists after it and misses nothing;
 * `resync` asks it to list again because notifications may have been lost.
 */
export function containerEvents(hub: ContainerEventHub) {
  return (req: Request, res: Response): void => {
    const allProjects = parseBool('all_projects', req.query.all_projects as string | undefined, false);
    if (allProjects) enforce(req.context, 'container:get_all_all_projects');
    const ctx = req.context;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const send = (event: string, data: unknown): void => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const unsubscribe = hub.subscribe({
      ctx,
      allProjects,
      changed: (row) => send('container', containerView(row, ctx, null)),
      removed: (uuid) => send('removed', { uuid }),
      resync: () => send('resync', {}),
      close: () => res.end(),
    });
    res.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
    send('ready', { all_projects: allProjects });
  };
}
