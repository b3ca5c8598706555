import type { Request, Response } from 'express';
import { allowed, enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import type { ContainerEventHub } from '../../events/container-events';
import { openEventStream } from '../../events/sse';
import { capsuleView, type CapsuleViewContext } from './views';

/**
 * GET /v1/capsules/events: a server-sent-events stream of the caller's project's capsules as
 * they or their parts change (`capsule`: the capsule's whole view, as GET /v1/capsules/<id>
 * shows it; `removed`: its uuid). `all_projects` widens it for those whose policy lets them
 * list every project's capsules, and is ignored for others, as for the list. `ready` comes
 * first (list after it and nothing is missed); `resync` asks the client to list again.
 */
export function capsuleEvents(hub: ContainerEventHub, viewContext: (req: Request) => CapsuleViewContext) {
  return (req: Request, res: Response): void => {
    const ctx = req.context;
    enforce(ctx, 'capsule:get_all');
    const allProjects =
      parseBool('all_projects', req.query.all_projects as string | undefined, false) &&
      allowed(ctx, 'capsule:get_all_all_projects');
    const view = viewContext(req);
    let unsubscribe = (): void => undefined;
    const stream = openEventStream(res, () => unsubscribe());
    unsubscribe = hub.subscribe({
      kind: 'capsules',
      ctx,
      allProjects,
      changed: (rows) => stream.send('capsule', capsuleView(rows.sandbox, rows.members, rows.inits, view)),
      removed: (uuid) => stream.send('removed', { uuid }),
      resync: () => stream.send('resync', {}),
      close: () => stream.end(),
    });
    stream.send('ready', { all_projects: allProjects });
  };
}
