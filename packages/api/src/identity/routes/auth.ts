import express, { type Request, type Router } from 'express';
import { parseAuthRequest } from '../auth-request';
import { serviceCatalog, tokenDocument } from '../documents';
import { badRequest, KeystoneError, notFound, unauthorized } from '../keystone-error';
import type { TokenRecord } from '../tokens';
import { projectView } from '../views';
import { callerOf, enforce, isAdmin, sourceOf, type IdentityRoutes } from './context';

const SUBJECT_INVALID = 'Failed to validate token';

function selfLinks(self: string) {
  return { self, previous: null, next: null };
}

/** /v3/auth: issuing, validating and revoking tokens, and what a token may see. */
export function authRoutes(deps: IdentityRoutes): Router {
  const { config, provider, baseOf } = deps;
  const router = express.Router();

  /**
   * The X-Subject-Token's record, for a caller allowed to see it: an admin, or the subject
   * token's own user (Keystone's default rule: a user may check and revoke their own tokens,
   * which `openstack token revoke` needs as it logs in anew first). Anyone else gets 403, so a
   * token someone got hold of cannot be used to learn about or revoke other users' tokens.
   */
  const subject = async (req: Request, action: string): Promise<{ token: string; record: TokenRecord }> => {
    const caller = await callerOf(provider, req);
    const token = req.get('x-subject-token');
    if (!token) throw badRequest('Expecting to find X-Subject-Token in request headers.');
    const record = await provider.validate(token);
    if (!record) throw notFound(SUBJECT_INVALID);
    enforce(caller, action, isAdmin(caller) || caller.user.id === record.user.id);
    return { token, record };
  };

  const wantsCatalog = (req: Request): boolean => !('nocatalog' in req.query);

  router
    .route('/v3/auth/tokens')
    .post(async (req, res) => {
      const auth = parseAuthRequest(req.body);
      const result =
        auth.identity.method === 'password'
          ? await provider.passwordLogin(
              auth.identity.user,
              auth.identity.password,
              auth.project,
              sourceOf(req),
            )
          : await provider.rescope(auth.identity.token, auth.project);
      if (!result) throw unauthorized();
      const catalog = wantsCatalog(req) ? serviceCatalog(config, baseOf(req)) : undefined;
      res.status(201).set('X-Subject-Token', result.token).json(tokenDocument(result.record, catalog));
    })
    .get(async (req, res) => {
      const { token, record } = await subject(req, 'identity:validate_token');
      const catalog = wantsCatalog(req) ? serviceCatalog(config, baseOf(req)) : undefined;
      res.set('X-Subject-Token', token).json(tokenDocument(record, catalog));
    })
    .head(async (req, res) => {
      const { token } = await subject(req, 'identity:check_token');
      res.status(200).set('X-Subject-Token', token).end();
    })
    .delete(async (req, res) => {
      const { token } = await subject(req, 'identity:revoke_token');
      if (!(await provider.revoke(token))) throw notFound(SUBJECT_INVALID);
      res.status(204).end();
    })
    .all(() => {
      throw new KeystoneError(405, 'The method specified is not allowed for the requested URL.');
    });

  router.get('/v3/auth/catalog', async (req, res) => {
    await callerOf(provider, req);
    const base = baseOf(req);
    res.json({ catalog: serviceCatalog(config, base), links: selfLinks(`${base}/identity/v3/auth/catalog`) });
  });

  router.get('/v3/auth/projects', async (req, res) => {
    const record = await callerOf(provider, req);
    const base = baseOf(req);
    const projects = await provider.projectsOf(record.user.id);
    res.json({
      projects: projects.map((p) => projectView(p, base)),
      links: selfLinks(`${base}/identity/v3/auth/projects`),
    });
  });

  return router;
}
