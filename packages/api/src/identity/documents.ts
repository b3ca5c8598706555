import { createHash } from 'node:crypto';
import type { ZunConfig } from '@zun/common';
import { domainName } from './domain';
import type { TokenRecord } from './tokens';

/**
 * JSON bodies of the Keystone v3 API, shaped after what Keystone itself returns so that
 * keystoneauth (and through it the zun CLI) reads them without special cases.
 */

const INTERFACES = ['public', 'internal', 'admin'] as const;

export interface CatalogEndpoint {
  id: string;
  interface: (typeof INTERFACES)[number];
  region: string;
  region_id: string;
  url: string;
}

export interface CatalogService {
  id: string;
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}

function v3Entry(base: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${base}/identity/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function versionsDocument(base: string) {
  return { versions: { values: [v3Entry(base)] } };
}

export function versionDocument(base: string) {
  return { version: v3Entry(base) };
}

/** Keystone prints microseconds; JavaScript dates have milliseconds, padded to the same width. */
export function keystoneTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

// Catalog ids are derived, not stored, yet stable across restarts and API processes, which is
// what clients that remember endpoint ids expect.
const stableId = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);

function service(type: string, name: string, region: string, url: string): CatalogService {
  return {
    id: stableId('service', type),
    type,
    name,
    endpoints: INTERFACES.map((iface) => ({
      id: stableId('endpoint', type, iface, region),
      interface: iface,
      region,
      region_id: region,
      url,
    })),
  };
}

export function serviceCatalog(config: ZunConfig, base: string): CatalogService[] {
  const region = config.identity.regionName;
  return [
    service('identity', 'keystone', region, `${base}/identity/v3`),
    service('container', 'zun', region, config.identity.containerEndpoint ?? `${base}/v1`),
  ];
}

/** The {"token": ...} body; `catalog` is left out for ?nocatalog requests. */
export function tokenDocument(record: TokenRecord, catalog: CatalogService[] | undefined) {
  const domain = (id: string) => ({ id, name: domainName(id) });
  return {
    token: {
      // Which methods produced a token is not stored; every token starts from a password.
      methods: ['password'],
      user: {
        id: record.user.id,
        name: record.user.name,
        domain: domain(record.user.domainId),
        password_expires_at: null,
      },
      project: { id: record.project.id, name: record.project.name, domain: domain(record.project.domainId) },
      roles: record.roles.map((r) => ({ id: r.id, name: r.name })),
      ...(catalog ? { catalog } : {}),
      expires_at: keystoneTime(record.expiresAt),
      issued_at: keystoneTime(record.issuedAt),
      audit_ids: [record.auditId],
      is_domain: false,
    },
  };
}
