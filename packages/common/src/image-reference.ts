/**
 * Docker image reference parsing: `[registry[:port]/]name[:tag][@digest]`. The registry is
 * whatever precedes the first `/` when it looks like a host (has a `.` or `:` or is
 * `localhost`), as Docker decides it.
 */
export interface ImageReference {
  registry: string | null;
  repository: string;
  tag: string | null;
  digest: string | null;
}

export function parseImageReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let registry: string | null = null;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { registry, repository: rest, tag, digest };
}

/** The reference Docker should pull/create from: tag defaults to `latest` unless pinned by digest. */
export function normaliseReference(ref: string): string {
  const r = parseImageReference(ref);
  const name = r.registry ? `${r.registry}/${r.repository}` : r.repository;
  if (r.digest) return `${name}@${r.digest}`;
  return `${name}:${r.tag ?? 'latest'}`;
}

/** The reference prefixed with `domain` when it names no registry host (a private registry's). */
export function withRegistry(ref: string, domain: string): string {
  if (parseImageReference(ref).registry) return ref;
  return `${trimRegistryDomain(domain)}/${ref}`;
}

/** A configured registry domain (`host[:port]`, perhaps with a trailing slash) as a host. */
export const trimRegistryDomain = (domain: string): string => domain.trim().replace(/\/+$/, '');

/** Whether two registry domains name the same host; host names compare without case. */
export const sameRegistryHost = (a: string, b: string): boolean =>
  trimRegistryDomain(a).toLowerCase() === trimRegistryDomain(b).toLowerCase();
