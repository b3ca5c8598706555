import { Router, type Request } from 'express';
import { maxVersionString, minVersionString } from '../api-version';
import { microversion } from '../middleware/microversion';

const COLLECTIONS = [
  'services',
  'containers',
  'images',
  'networks',
  'hosts',
  'capsules',
  'availability_zones',
  'quotas',
  'quota_classes',
  'registries',
];

function versionEntry(base: string) {
  return {
    id: 'v1',
    links: [{ href: `${base}/v1/`, rel: 'self' }],
    status: 'CURRENT',
    max_version: maxVersionString,
    min_version: minVersionString,
  };
}

/** GET / and GET /v1: the unauthenticated version documents the client discovers with. */
export function rootRouter(baseUrl: (req: Request) => string): Router {
  const r = Router();
  r.get('/', (req, res) => {
    const base = baseUrl(req);
    res.json({
      name: 'OpenStack Zun API',
      description: 'Zun is an OpenStack project which aims to provide container management.',
      versions: [versionEntry(base)],
      default_version: versionEntry(base),
    });
  });
  r.get(['/v1', '/v1/'], microversion, (req, res) => {
    const base = baseUrl(req);
    const doc: Record<string, unknown> = {
      id: 'v1',
      media_types: [{ base: 'application/json', type: 'application/vnd.openstack.zun.v1+json' }],
      links: [
        { href: `${base}/v1/`, rel: 'self' },
        {
          href: 'https://docs.openstack.org/developer/zun/dev/api-spec-v1.html',
          rel: 'describedby',
          type: 'text/html',
        },
      ],
    };
    for (const c of COLLECTIONS) {
      doc[c] = [
        { href: `${base}/v1/${c}/`, rel: 'self' },
        { href: `${base}/${c}/`, rel: 'bookmark' },
      ];
    }
    res.json(doc);
  });
  return r;
}
