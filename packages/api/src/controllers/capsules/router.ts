import { Router, type Request } from 'express';
import { UnsupportedMediaTypeError, type Container } from '@zun/common';
import type { ComputeDeps } from '../../compute/deps';
import { createCapsule, type CapsuleRows } from '../../compute/commands/capsule-create';
import { deleteCapsule } from '../../compute/commands/capsule-delete';
import type { ContainerEventHub } from '../../events/container-events';
import { enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import { capsuleEvents } from './events';
import { listCapsules } from './list';
import { capsuleParts, findCapsule } from './lookup';
import { parseCapsuleTemplate } from './template';
import { capsuleView, type CapsuleViewContext } from './views';

type Query = Record<string, string>;

const target = (c: Container) => ({ project_id: c.project_id, user_id: c.user_id });

/**
 * /v1/capsules: Zun's pods. The client builds these paths with a trailing slash
 * (`/v1/capsules/`), and both spellings are served. A capsule is its sandbox row; its members
 * and init containers are rows pointing at it (capsule_id), shown inside its view.
 */
export function capsulesRouter(
  deps: ComputeDeps,
  baseUrl: (req: Request) => string,
  events: ContainerEventHub,
): Router {
  const r = Router({ strict: false });
  const viewContext = (req: Request): CapsuleViewContext => ({
    request: req.context,
    version: req.apiVersion,
    base: baseUrl(req),
  });
  const render = (req: Request, rows: CapsuleRows) =>
    capsuleView(rows.sandbox, rows.members, rows.inits, viewContext(req));

  r.post('/', async (req, res) => {
    if (!req.is('application/json')) {
      throw new UnsupportedMediaTypeError(
        'The server could not comply with the request since it is either malformed or otherwise incorrect. Content-Type must be application/json.',
      );
    }
    const spec = parseCapsuleTemplate(req.body, {
      isAdmin: req.context.isAdmin,
      limits: deps.config.container,
    });
    enforce(req.context, 'capsule:create');
    const rows = await createCapsule(deps, req.context, spec);
    res
      .status(202)
      .location(`${baseUrl(req)}/v1/capsules/${rows.sandbox.uuid}`)
      .json(render(req, rows));
  });

  r.get('/', async (req, res) => {
    enforce(req.context, 'capsule:get_all');
    const page = await listCapsules(req.query as Query, req.context, deps.config, baseUrl(req));
    const rows = await capsuleParts(page.sandboxes);
    res.json({ capsules: rows.map((c) => render(req, c)), next: page.next });
  });

  r.get('/events', capsuleEvents(events, viewContext));

  r.get('/:ident', async (req, res) => {
    const sandbox = await findCapsule(req.params.ident, req.context);
    enforce(req.context, 'capsule:get', target(sandbox));
    const [rows] = await capsuleParts([sandbox]);
    res.json(render(req, rows));
  });

  r.delete('/:ident', async (req, res) => {
    const q = req.query as Query;
    if (parseBool('all_projects', q.all_projects, false)) enforce(req.context, 'capsule:delete_all_projects');
    const sandbox = await findCapsule(req.params.ident, req.context);
    enforce(req.context, 'capsule:delete', target(sandbox));
    await deleteCapsule(deps, req.context, sandbox);
    res.status(204).end();
  });

  return r;
}
