import type { Request, Response } from 'express';
import { enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import type { ContainerEventHub } from '../../events/container-events';
import { openEventStream } from '../../events/sse';
import { containerView } from './views';

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
    let unsubscribe = (): void => undefined;
    const stream = openEventStream(res, () => unsubscribe());
    unsubscribe = hub.subscribe({
      kind: 'containers',
      ctx,
      allProjects,
      changed: (row) => stream.send('container', containerView(row, ctx, null)),
      removed: (uuid) => stream.send('removed', { uuid }),
      resync: () => stream.send('resync', {}),
      close: () => stream.end(),
    });
    stream.send('ready', { all_projects: allProjects });
  };
}
