import express, { NextFunction, Request, Response, Router } from 'express';
import type { Logger, ZunConfig } from '@zun/common';
import { versionDocument, versionsDocument } from './documents';
import { asKeystoneError, notFound, TooManyRequests } from './keystone-error';
import type { LocalAuthProvider } from './local-provider';
import { authRoutes } from './routes/auth';
import type { IdentityRoutes } from './routes/context';
import { domainRoutes } from './routes/domains';
import { projectRoutes } from './routes/projects';
import { roleRoutes } from './routes/roles';
import { userRoutes } from './routes/users';

export interface IdentityRouterDeps {
  config: ZunConfig;
  provider: LocalAuthProvider;
  logger?: Logger;
}

/**
 * The Keystone v3 subset that the zun CLI's auth stack (keystoneauth) and the openstack CLI's
 * identity commands need, to be mounted at /identity. Self-contained: it parses its own JSON and
 * renders its own errors in Keystone's format, so it must be mounted before any middleware that
 * demands a token.
 */
export function identityRouter(deps: IdentityRouterDeps): Router {
  const { config } = deps;
  const router = express.Router();
  router.use(express.json({ type: ['application/json', 'application/*+json'] }));

  const routes: IdentityRoutes = {
    ...deps,
    baseOf: (req: Request): string =>
      config.api.publicUrl?.replace(/\/+$/, '') ??
      `${req.protocol}://${req.get('host') ?? `${config.api.host}:${config.api.port}`}`,
  };

  // Keystone answers its unversioned root with 300 Multiple Choices.
  router.get('/', (req, res) => {
    res.status(300).json(versionsDocument(routes.baseOf(req)));
  });

  router.get('/v3', (req, res) => {
    res.json(versionDocument(routes.baseOf(req)));
  });

  router.use(authRoutes(routes));
  router.use(projectRoutes(routes));
  router.use(userRoutes(routes));
  router.use(roleRoutes(routes));
  router.use(domainRoutes(routes));

  router.use(() => {
    throw notFound('The resource could not be found.');
  });

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = asKeystoneError(err);
    if (error.status >= 500) deps.logger?.error('identity request failed', { path: req.originalUrl, err });
    // keystoneauth and keystonemiddleware look here to find where to authenticate.
    if (error.status === 401) res.set('WWW-Authenticate', `Keystone uri="${routes.baseOf(req)}/identity"`);
    if (error instanceof TooManyRequests) res.set('Retry-After', String(error.retryAfter));
    res.status(error.status).json(error.toJSON());
  });

  return router;
}
