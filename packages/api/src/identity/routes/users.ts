import express, { type Router } from 'express';
import { resolveDomainId } from '../domain';
import { unauthorized } from '../keystone-error';
import { createUser, deleteUser, getUser, listUsers, setPassword, updateUser } from '../manage/users';
import { collectionLinks, projectView, userView } from '../views';
import { passwordChange, userInput } from './bodies';
import { callerOf, enforce, flag, isAdmin, queryText, sourceOf, type IdentityRoutes } from './context';

/** /v3/users: admins manage and list them; a user may read themselves and change their own password. */
export function userRoutes(deps: IdentityRoutes): Router {
  const { provider, baseOf } = deps;
  const router = express.Router();

  router
    .route('/v3/users')
    .get(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:list_users');
      const domain = queryText(req, 'domain_id');
      const enabled = queryText(req, 'enabled');
      const users = await listUsers({
        name: queryText(req, 'name'),
        domainId: domain === undefined ? undefined : (resolveDomainId({ id: domain }) ?? domain),
        enabled: enabled === undefined ? undefined : flag(req, 'enabled'),
      });
      const base = baseOf(req);
      res.json({ users: users.map((u) => userView(u, base)), links: collectionLinks(base, req.originalUrl) });
    })
    .post(async (req, res) => {
      enforce(await callerOf(provider, req), 'identity:create_user');
      const user = await createUser(userInput(req.body, true));
      res.status(201).json({ user: userView(user, baseOf(req)) });
    });

  router
    .route('/v3/users/:userId')
    .get(async (req, res) => {
      const caller = await callerOf(provider, req);
      const { userId } = req.params;
      enforce(caller, 'identity:get_user', isAdmin(caller) || caller.user.id === userId);
      res.json({ user: userView(await getUser(userId), baseOf(req)) });
    })
    .patch(async (req, res) => {
      const caller = await callerOf(provider, req);
      enforce(caller, 'identity:update_user');
      const user = await updateUser(req.params.userId, userInput(req.body, false), caller.user.id);
      // Cached validations would show the old name, or outlive a revocation, for a few seconds.
      provider.forgetUser(user.id);
      res.json({ user: userView(user, baseOf(req)) });
    })
    .delete(async (req, res) => {
      const caller = await callerOf(provider, req);
      enforce(caller, 'identity:delete_user');
      await deleteUser(req.params.userId, caller.user.id);
      provider.forgetUser(req.params.userId);
      res.status(204).end();
    });

  // What `openstack project list` falls back to when listing all projects is refused.
  router.get('/v3/users/:userId/projects', async (req, res) => {
    const caller = await callerOf(provider, req);
    const { userId } = req.params;
    enforce(caller, 'identity:list_user_projects', isAdmin(caller) || caller.user.id === userId);
    await getUser(userId);
    const base = baseOf(req);
    const projects = await provider.projectsOf(userId);
    res.json({
      projects: projects.map((p) => projectView(p, base)),
      links: collectionLinks(base, req.originalUrl),
    });
  });

  // Keystone lets a user change their own password by proving the old one, without a token (it
  // may have expired with the password). Throttled like a login, since it is as good a way to guess.
  router.post('/v3/users/:userId/password', async (req, res) => {
    const { password, original } = passwordChange(req.body);
    const user = await provider.checkPassword(req.params.userId, original, sourceOf(req));
    if (!user) throw unauthorized();
    await setPassword(user.id, password);
    provider.forgetUser(user.id);
    res.status(204).end();
  });

  return router;
}
