import express, { NextFunction, Request, Response, Router } from 'express';
import type { Logger, ZunConfig } from '@zun/common';
import { parseAuthRequest } from './auth-request';
import {
  projectDocument,
  serviceCatalog,
  tokenDocument,
  versionDocument,
  versionsDocument,
} from './documents';
import { asKeystoneError, badRequest, KeystoneError, notFound, unauthorized } from './keystone-error';
import type { LocalAuthProvider } from './local-provider';
import type { TokenRecord } from './tokens';

export interface IdentityRouterDeps {
  config: ZunConfig;
  provider: LocalAuthProvider;
  logger?: Logger;
}

const SUBJECT_INVALID = 'Failed to validate token';

/**
 * The Keystone v3 subset the zun CLI's auth stack (keystoneauth "password" plugin) needs, to be
 * mounted at /identity. Self-contained: it parses its own JSON and renders its own errors in
 * Keystone's format, so it must be mounted before any middleware that demands a token.
 */
export function identityRouter(deps: IdentityRouterDeps): Router {
  const { config, provider, logger } = deps;
  const router = express.Router();
  router.use(express.json({ type: ['application/json', 'application/*+json'] }));

  // Where clients should come back to: the configured public URL, else the address they used.
  const baseOf = (req: Request): string =>
    config.api.publicUrl?.replace(/\/+$/, '') ??
    `${req.protocol}://${req.get('host') ?? `${config.api.host}:${config.api.port}`}`;

  const caller = async (req: Request): Promise<TokenRecord> => {
    const token = req.get('x-auth-token');
    const record = token ? await provider.validate(token) : null;
    if (!record) throw unauthorized();
    return record;
  };

  const subject = async (req: Request): Promise<{ token: string; record: TokenRecord }> => {
    const token = req.get('x-subject-token');
    if (!token) throw badRequest('Expecting to find X-Subject-Token in request headers.');
    const record = await provider.validate(token);
    if (!record) throw notFound(SUBJECT_INVALID);
    return { token, record };
  };

  const wantsCatalog = (req: Request): boolean => !('nocatalog' in req.query);

  // Keystone answers its unversioned root with 300 Multiple Choices.
  router.get('/', (req, res) => {
    res.status(300).json(versionsDocument(baseOf(req)));
  });

  router.get('/v3', (req, res) => {
    res.json(versionDocument(baseOf(req)));
  });

  router
    .route('/v3/auth/tokens')
    .post(async (req, res) => {
      const auth = parseAuthRequest(req.body);
      const result =
        auth.identity.method === 'password'
          ? await provider.passwordLogin(auth.identity.user, auth.identity.password, auth.project)
          : await provider.rescope(auth.identity.token, auth.project);
      if (!result) throw unauthorized();
      const catalog = wantsCatalog(req) ? serviceCatalog(config, baseOf(req)) : undefined;
      res.status(201).set('X-Subject-Token', result.token).json(tokenDocument(result.record, catalog));
    })
    .get(async (req, res) => {
      await caller(req);
      const { token, record } = await subject(req);
      const catalog = wantsCatalog(req) ? serviceCatalog(config, baseOf(req)) : undefined;
      res.set('X-Subject-Token', token).json(tokenDocument(record, catalog));
    })
    .head(async (req, res) => {
      await caller(req);
      const { token } = await subject(req);
      res.status(200).set('X-Subject-Token', token).end();
    })
    .delete(async (req, res) => {
      await caller(req);
      const { token } = await subject(req);
      if (!(await provider.revoke(token))) throw notFound(SUBJECT_INVALID);
      res.status(204).end();
    })
    .all(() => {
      throw new KeystoneError(405, 'The method specified is not allowed for the requested URL.');
    });

  router.get('/v3/auth/catalog', async (req, res) => {
    await caller(req);
    const base = baseOf(req);
    res.json({ catalog: serviceCatalog(config, base), links: selfLinks(`${base}/identity/v3/auth/catalog`) });
  });

  router.get('/v3/auth/projects', async (req, res) => {
    const record = await caller(req);
    const base = baseOf(req);
    const projects = await provider.projectsOf(record.user.id);
    res.json({
      projects: projects.map((p) => projectDocument(p, base)),
      links: selfLinks(`${base}/identity/v3/auth/projects`),
    });
  });

  router.use(() => {
    throw notFound('The resource could not be found.');
  });

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = asKeystoneError(err);
    if (error.status >= 500) logger?.error('identity request failed', { path: req.originalUrl, err });
    // keystoneauth and keystonemiddleware look here to find where to authenticate.
    if (error.status === 401) res.set('WWW-Authenticate', `Keystone uri="${baseOf(req)}/identity"`);
    res.status(error.status).json(error.toJSON());
  });

  return router;
}

function selfLinks(self: string) {
  return { self, previous: null, next: null };
}
