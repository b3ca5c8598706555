import express, { type Request, type Router } from 'express';
import {
  assignmentNotFound,
  getRole,
  grant,
  grantsOf,
  hasGrant,
  listAssignments,
  listRoles,
  revokeGrant,
} from '../manage/grants';
import { assignmentView, collectionLinks, roleView } from '../views';
import { callerOf, enforce, flag, isAdmin, queryText, type IdentityRoutes } from './context';

/**
 * /v3/roles (the fixed admin, member and reader), grants of a role to a user on a project, and
 * /v3/role_assignments. Admins only, except that a user may list their own assignments.
 */
export function roleRoutes(deps: IdentityRoutes): Router {
  const { provider, baseOf } = deps;
  const router = express.Router();

  router.get('/v3/roles', async (req, res) => {
    enforce(await callerOf(provider, req), 'identity:list_roles');
    const base = baseOf(req);
    const roles = await listRoles(queryText(req, 'name'));
    res.json({ roles: roles.map((r) => roleView(r, base)), links: collectionLinks(base, req.originalUrl) });
  });

  router.get('/v3/roles/:roleId', async (req, res) => {
    enforce(await callerOf(provider, req), 'identity:get_role');
    res.json({ role: roleView(await getRole(req.params.roleId), baseOf(req)) });
  });

  const grantKey = (req: Request) => ({
    projectId: String(req.params.projectId),
    userId: String(req.params.userId),
    roleId: String(req.params.roleId),
  });

  router
    .route('/v3/projects/:projectId/users/:userId/roles/:roleId')
    .put(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:create_grant');
      await grant(grantKey(req));
      res.status(204).end();
    })
    .get(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:check_grant');
      if (!(await hasGrant(grantKey(req)))) throw assignmentNotFound(grantKey(req));
      res.status(204).end();
    })
    .head(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:check_grant');
      res.status((await hasGrant(grantKey(req))) ? 204 : 404).end();
    })
    .delete(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:revoke_grant');
      const key = grantKey(req);
      await revokeGrant(key);
      provider.forgetUser(key.userId);
      res.status(204).end();
    });

  router.get('/v3/projects/:projectId/users/:userId/roles', async (req, res) => {
    enforce(await callerOf(provider, req), 'identity:list_grants');
    const base = baseOf(req);
    const roles = await grantsOf(req.params.projectId, req.params.userId);
    res.json({ roles: roles.map((r) => roleView(r, base)), links: collectionLinks(base, req.originalUrl) });
  });

  router.get('/v3/role_assignments', async (req, res) => {
    const caller = await callerOf(provider, req);
    const userId = queryText(req, 'user.id');
    enforce(caller, 'identity:list_role_assignments', isAdmin(caller) || userId === caller.user.id);
    const base = baseOf(req);
    // Groups, domains and the system hold no assignments here: filtering on them finds none.
    const other = ['group.id', 'scope.domain.id', 'scope.system'].some((k) => req.query[k] !== undefined);
    const inherited = req.query['scope.OS-INHERIT:inherited_to'] !== undefined;
    const rows =
      other || inherited
        ? []
        : await listAssignments({
            userId,
            projectId: queryText(req, 'scope.project.id'),
            roleId: queryText(req, 'role.id'),
            effective: flag(req, 'effective'),
          });
    const names = flag(req, 'include_names');
    res.json({
      role_assignments: rows.map((a) => assignmentView(a, base, names)),
      links: collectionLinks(base, req.originalUrl),
    });
  });

  return router;
}
