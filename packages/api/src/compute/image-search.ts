import { Op } from 'sequelize';
import {
  GlanceError,
  InputError,
  ServiceUnavailableError,
  type GlanceClient,
  type GlanceImage,
  parseImageReference,
  Project,
  Registry,
  SecretBox,
  sameRegistryHost,
  trimRegistryDomain,
  type Logger,
  type ZunConfig,
} from '@zun/common';
import type { RequestContext } from '../identity/context';
import { RegistryCatalog, type CatalogAuth } from './registry-catalog';

/**
 * GET /v1/images/{image}/search with the glance driver: Glance's image records (container
 * format docker) the caller's project may use — its own, public and community ones; an admin
 * sees every project's — matched by id, or by name (substring, or equal with exact_match).
 */
export async function searchGlance(
  glance: GlanceClient,
  ctx: RequestContext,
  term: string,
  exact: boolean,
): Promise<GlanceImage[]> {
  try {
    return await glance.search(term, ctx.isAdmin ? null : ctx.projectId, exact);
  } catch (err) {
    if (err instanceof GlanceError) throw new ServiceUnavailableError(err.message, { cause: err });
    throw err;
  }
}

/** One search result, in the docker driver's shape plus the tags the registry holds. */
export interface SearchEntry {
  name: string;
  description: string | null;
  is_automated: boolean;
  tags: string[];
  metadata: { registry: string; is_official: boolean; star_count: number };
}

/**
 * GET /v1/images/{image}/search with the docker driver, without Docker Hub: the repositories of
 * `[docker] default_registry` and of the caller's project's registries whose name contains the
 * term (equals it with exact_match), read through each registry's HTTP API. In the default
 * registry, other projects' namespaces (`<project_id>/...`) are not listed to members. A term
 * naming a registry host searches that registry only, if it is one of those. A registry that
 * cannot be read is logged and skipped, so one unreachable registry does not hide the others.
 */
export async function searchImages(
  config: ZunConfig,
  ctx: RequestContext,
  logger: Logger,
  term: string,
  exact: boolean,
): Promise<SearchEntry[]> {
  const ref = parseImageReference(term);
  if (ref.digest !== null || !ref.repository) throw new InputError(`Invalid image name ${term}.`);
  const wanted = ref.repository.toLowerCase();
  let catalogs = await searchable(config, ctx);
  if (ref.registry !== null) {
    const host = ref.registry;
    catalogs = catalogs.filter((c) => sameRegistryHost(c.domain, host));
    if (!catalogs.length) {
      throw new InputError(
        `Registry ${host} is neither the default registry nor one of the project's registries.`,
      );
    }
  }
  const defaultDomain = trimRegistryDomain(config.docker.defaultRegistry);
  const out: SearchEntry[] = [];
  for (const catalog of catalogs) {
    try {
      let names = (await catalog.repositories()).filter((n) => (exact ? n === wanted : n.includes(wanted)));
      if (!ctx.isAdmin && defaultDomain && sameRegistryHost(catalog.domain, defaultDomain)) {
        names = await withoutOtherProjects(names, ctx.projectId);
      }
      for (const name of names) {
        out.push({
          name: `${catalog.domain}/${name}`,
          description: null,
          is_automated: false,
          tags: await catalog.tags(name),
          metadata: { registry: catalog.domain, is_official: false, star_count: 0 },
        });
      }
    } catch (err) {
      logger.warn('image search: registry skipped', {
        registry: catalog.domain,
        reason: (err as Error).message,
      });
    }
  }
  return out;
}

async function searchable(config: ZunConfig, ctx: RequestContext): Promise<RegistryCatalog[]> {
  const out: RegistryCatalog[] = [];
  const defaultDomain = trimRegistryDomain(config.docker.defaultRegistry);
  if (defaultDomain) {
    const user = config.docker.defaultRegistryUsername;
    out.push(
      new RegistryCatalog(
        defaultDomain,
        user ? { username: user, password: config.docker.defaultRegistryPassword } : null,
      ),
    );
  }
  const box = config.authEncryptionKey ? new SecretBox(config.authEncryptionKey) : null;
  for (const r of await Registry.findAll({ where: { project_id: ctx.projectId }, order: [['id', 'ASC']] })) {
    if (out.some((c) => sameRegistryHost(c.domain, r.domain))) continue;
    let auth: CatalogAuth | null = null;
    if (r.username && r.password && box) {
      try {
        auth = { username: r.username, password: box.decrypt(r.password) };
      } catch {
        // A password sealed under another key cannot be used: the registry is read anonymously.
      }
    }
    out.push(new RegistryCatalog(trimRegistryDomain(r.domain), auth));
  }
  return out;
}

/** Drops names in the namespace of a project other than the caller's. */
async function withoutOtherProjects(names: string[], projectId: string): Promise<string[]> {
  const firsts = [...new Set(names.filter((n) => n.includes('/')).map((n) => n.split('/')[0]))].filter(
    (f) => f !== projectId,
  );
  if (!firsts.length) return names;
  const others = new Set(
    (await Project.findAll({ where: { id: { [Op.in]: firsts } }, attributes: ['id'] })).map((p) => p.id),
  );
  return names.filter((n) => !others.has(n.split('/')[0]));
}
