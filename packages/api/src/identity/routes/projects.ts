import express, { type Router } from 'express';
import { resolveDomainId } from '../domain';
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  summary,
  updateProject,
} from '../manage/projects';
import { collectionLinks, projectView } from '../views';
import { projectInput } from './bodies';
import { callerOf, enforce, flag, isAdmin, queryText, type IdentityRoutes } from './context';

/** /v3/projects: admins manage and list them; a token may read its own project. */
export function projectRoutes(deps: IdentityRoutes): Router {
  const { provider, baseOf } = deps;
  const router = express.Router();

  router
    .route('/v3/projects')
    .get(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:list_projects');
      const name = queryText(req, 'name');
      const domain = queryText(req, 'domain_id');
      const enabled = queryText(req, 'enabled');
      const projects = await listProjects({
        name,
        // An unknown domain holds no projects; Keystone answers an empty list, not 404.
        domainId: domain === undefined ? undefined : (resolveDomainId({ id: domain }) ?? domain),
        enabled: enabled === undefined ? undefined : flag(req, 'enabled'),
      });
      const base = baseOf(req);
      res.json({
        projects: projects.map((p) => projectView(summary(p), base)),
        links: collectionLinks(base, req.originalUrl),
      });
    })
    .post(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:create_project');
      const project = await createProject(projectInput(req.body, true));
      res.status(201).json({ project: projectView(summary(project), baseOf(req)) });
    });

  router
    .route('/v3/projects/:projectId')
    .get(async (req, res) => {
      const caller = await callerOf(provider, req);
      const { projectId } = req.params;
      enforce(caller, 'identity:get_project', isAdmin(caller) || caller.project.id === projectId);
      res.json({ project: projectView(summary(await getProject(projectId)), baseOf(req)) });
    })
    .patch(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:update_project');
      const project = await updateProject(req.params.projectId, projectInput(req.body, false));
      provider.forgetProject(project.id);
      res.json({ project: projectView(summary(project), baseOf(req)) });
    })
    .delete(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:delete_project');
      await deleteProject(req.params.projectId);
      provider.forgetProject(req.params.projectId);
      res.status(204).end();
    });

  return router;
}
