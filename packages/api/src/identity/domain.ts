/**
 * The built-in identity service has exactly one domain, Keystone's bootstrap domain. It is a
 * constant rather than a table: users and projects carry its id so that an external Keystone
 * (with real domains) can replace this one without reshaping stored data.
 */
export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

export type DomainRef = { id: string } | { name: string };

/** Keystone accepts a domain by id or by name; ours answers to either spelling of its name. */
export function resolveDomainId(ref: DomainRef): string | null {
  if ('id' in ref) return ref.id === DEFAULT_DOMAIN.id ? DEFAULT_DOMAIN.id : null;
  return ref.name.toLowerCase() === DEFAULT_DOMAIN.name.toLowerCase() ? DEFAULT_DOMAIN.id : null;
}

export function domainName(id: string): string {
  return id === DEFAULT_DOMAIN.id ? DEFAULT_DOMAIN.name : id;
}
