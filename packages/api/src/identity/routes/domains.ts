import express, { type Router } from 'express';
import { DEFAULT_DOMAIN, resolveDomainId } from '../domain';
import { notFound } from '../keystone-error';
import { collectionLinks, domainView } from '../views';
import { callerOf, queryText, type IdentityRoutes } from './context';

/**
 * The one domain, read-only, so that clients resolving `--domain Default` (or the
 * *_DOMAIN_NAME settings) find it. Any authenticated user may read it: it is every token's domain.
 */
export function domainRoutes(deps: IdentityRoutes): Router {
  const { provider, baseOf } = deps;
  const router = express.Router();

  router.get('/v3/domains', async (req, res) => {
    await callerOf(provider, req);
    const name = queryText(req, 'name');
    const base = baseOf(req);
    const match = name === undefined || resolveDomainId({ name }) === DEFAULT_DOMAIN.id;
    res.json({ domains: match ? [domainView(base)] : [], links: collectionLinks(base, req.originalUrl) });
  });

  router.get('/v3/domains/:domainId', async (req, res) => {
    await callerOf(provider, req);
    if (req.params.domainId !== DEFAULT_DOMAIN.id)
      throw notFound(`Could not find domain: ${req.params.domainId}.`);
    res.json({ domain: domainView(baseOf(req)) });
  });

  return router;
}
