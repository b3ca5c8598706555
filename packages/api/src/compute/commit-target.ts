import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  InputError,
  NotAllowedError,
  Registry,
  parseImageReference,
  sameRegistryHost,
  trimRegistryDomain,
  type Container,
  type ZunConfig,
} from '@zun/common';
import type { RequestContext } from '../identity/context';
import { allowed } from '../policy';

/** Lets admins (by default) commit into any repository on any registry host. */
export const COMMIT_ANY_REPOSITORY = 'container:commit:any_repository';

/** One path component of a Docker repository name. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Where a commit goes, as the agent needs it. */
export interface CommitPlace {
  /** Full repository; a registry host in it means the image is pushed there. */
  repository: string;
  /** The project registry whose credentials the push uses (its domain is the repository's host). */
  registryId: string | null;
}

/**
 * Which repositories a commit may write. A project owns:
 * - its namespace of `[docker] default_registry`: `<default_registry>/<project_id>/...`. A name
 *   without a registry host is placed there (`foo` → `<default_registry>/<project_id>/foo`; a
 *   name already starting with `<project_id>/` is not prefixed twice). Without a default
 *   registry such a commit stays on the host, as `<project_id>/...`.
 * - the registries of its own in /v1/registries, pushed with that registry's credentials.
 * Anything else (another project's namespace, a top-level repository of the default registry
 * such as `busybox`, any other host) is refused before the engine is asked, unless the policy
 * `container:commit:any_repository` allows the caller (admins by default). A host that reaches
 * the default registry under another name (`localhost:5000` for `127.0.0.1:5000`) counts as the
 * default registry, so a project registry cannot be used to reach around the namespace.
 * The project is the container's: its data is what the image holds.
 */
export async function resolveCommitPlace(
  config: ZunConfig,
  ctx: RequestContext,
  c: Pick<Container, 'project_id'>,
  repository: string,
): Promise<CommitPlace> {
  const ref = parseImageReference(repository);
  const project = c.project_id;
  const defaultDomain = trimRegistryDomain(config.docker.defaultRegistry);
  if (ref.registry === null) {
    if (!COMPONENT.test(project)) {
      throw new InputError(
        `Project ${project} cannot have a repository namespace: its id is not a valid repository name component. Name a registry of the project's instead.`,
      );
    }
    const path = inNamespace(ref.repository, project) ? ref.repository : `${project}/${ref.repository}`;
    if (path.length > 255) throw new InputError(`Repository ${path} is longer than 255 characters.`);
    return { repository: defaultDomain ? `${defaultDomain}/${path}` : path, registryId: null };
  }
  const host = ref.registry;
  const own = await projectRegistryFor(project, host);
  if (allowed(ctx, COMMIT_ANY_REPOSITORY)) return { repository, registryId: own?.uuid ?? null };

  const where = `Commit into ${defaultDomain ? `${defaultDomain}/${project}/<name>` : `${project}/<name>`} (a name without a registry host goes there) or a registry of the project's (zun registry-list).`;
  if (defaultDomain && (await sameRegistryEndpoint(host, defaultDomain))) {
    if (inNamespace(ref.repository, project)) {
      return { repository, registryId: null };
    }
    throw new NotAllowedError(
      `Repository ${repository} is in the default registry outside project ${project}'s namespace. ${where}`,
    );
  }
  if (!own) {
    throw new NotAllowedError(
      `Registry host ${host} is not one of project ${project}'s registries. ${where}`,
    );
  }
  return { repository, registryId: own.uuid };
}

/** `<project>/<name>...`: a repository path inside the project's namespace. */
const inNamespace = (path: string, project: string): boolean => path.startsWith(`${project}/`);

/** The project's registry for `host`, preferring one with credentials (the push needs them). */
async function projectRegistryFor(project: string, host: string): Promise<Registry | null> {
  const rows = await Registry.findAll({ where: { project_id: project }, order: [['id', 'ASC']] });
  const matching = rows.filter((r) => sameRegistryHost(r.domain, host));
  return matching.find((r) => r.username) ?? matching[0] ?? null;
}

const LOOPBACK = 'loopback';

/**
 * Whether two `host[:port]` registry domains reach the same registry: same port (443, Docker's
 * default, when none is given) and a common address once resolved, where every address of this
 * machine (loopback, unspecified, its interfaces) counts as one. A host that does not resolve
 * cannot be told apart from the default registry, so it is refused.
 */
export async function sameRegistryEndpoint(a: string, b: string): Promise<boolean> {
  if (sameRegistryHost(a, b)) return true;
  const ea = splitHostPort(a);
  const eb = splitHostPort(b);
  if (ea.port !== eb.port) return false;
  const [aa, ab] = await Promise.all([addressesOf(ea.host), addressesOf(eb.host)]);
  return aa.some((x) => ab.includes(x));
}

function splitHostPort(domain: string): { host: string; port: string } {
  const d = trimRegistryDomain(domain).toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(d);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] ?? '443' };
  const colon = d.lastIndexOf(':');
  if (colon > 0 && d.indexOf(':') === colon) return { host: d.slice(0, colon), port: d.slice(colon + 1) };
  return { host: d, port: '443' };
}

async function addressesOf(host: string): Promise<string[]> {
  let found: string[];
  try {
    found = isIP(host) ? [host] : (await lookup(host, { all: true })).map((x) => x.address);
  } catch (err) {
    throw new InputError(
      `Registry host ${host} cannot be resolved, so it cannot be told apart from the default registry: ${(err as Error).message}`,
    );
  }
  const local = localAddresses();
  return found.map((x) => canonical(x, local));
}

function canonical(address: string, local: ReadonlySet<string>): string {
  const a = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (a.startsWith('127.') || a === '::1' || a === '0.0.0.0' || a === '::' || local.has(a)) return LOOPBACK;
  return a;
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) out.add(i.address.toLowerCase());
  }
  return out;
}
