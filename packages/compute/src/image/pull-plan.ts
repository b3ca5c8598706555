import type { PullAuth } from '../docker/engine';
import {
  normaliseReference,
  parseImageReference,
  sameRegistryHost,
  trimRegistryDomain,
  withRegistry,
} from '@zun/common';
import type { PullSource } from './registry-source';

/** `[docker] default_registry` and its optional credentials (empty domain: none). */
export interface DefaultRegistry {
  domain: string;
  username: string;
  password: string;
}

/** Where a pull goes when a private or the default registry is involved, for its failures. */
export interface PullOrigin {
  domain: string;
  /** e.g. `registry <name>` or `[docker] default_registry`. */
  via: string;
  /** Appended to a refused login's message: which settings hold the credentials. */
  credentialsHint: string;
}

/** What one pull uses: the reference given to Docker, the credentials, and where they apply. */
export interface PullPlan {
  ref: string;
  auth: PullAuth | null;
  /** Null: the reference alone says where the image comes from. */
  origin: PullOrigin | null;
}

const DEFAULT_VIA = '[docker] default_registry';

/**
 * Upstream's resolution (zun/common/utils.parse_image_name and the docker image driver): a name
 * without a registry host is prefixed by the container's registry domain, else by the default
 * registry. Credentials: the container's registry when it has a username; else the default
 * registry's when the reference's host is the default registry and a username is set; else none.
 */
export function planPull(
  image: string,
  source: PullSource | null,
  defaults: DefaultRegistry | null,
): PullPlan {
  const defaultDomain = defaults ? trimRegistryDomain(defaults.domain) : '';
  const prefix = source ? source.domain : defaultDomain;
  const ref = normaliseReference(prefix ? withRegistry(image, prefix) : image);
  const host = parseImageReference(ref).registry;
  const onDefault = defaultDomain !== '' && host !== null && sameRegistryHost(host, defaultDomain);
  const registryOrigin = source && {
    domain: source.domain,
    via: `registry ${source.name ?? source.registryUuid}`,
    credentialsHint: " (check the registry's username and password)",
  };
  // Credentials go to their own registry only (the API refuses other hosts; a row from before
  // that check, or a domain changed since, pulls anonymously instead of leaking them).
  if (source?.auth && host !== null && sameRegistryHost(host, source.domain))
    return { ref, auth: source.auth, origin: registryOrigin };
  const defaultOrigin = {
    domain: defaultDomain,
    via: DEFAULT_VIA,
    credentialsHint: ' (check [docker] default_registry_username and default_registry_password)',
  };
  if (onDefault && defaults?.username) {
    const auth = { username: defaults.username, password: defaults.password, serveraddress: defaultDomain };
    return { ref, auth, origin: defaultOrigin };
  }
  return { ref, auth: null, origin: registryOrigin ?? (onDefault ? defaultOrigin : null) };
}
