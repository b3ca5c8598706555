import type { Container } from '@zun/common';
import type { EngineClient, ImageInspect, PullAuth } from '../docker/engine';
import { EngineError } from '../docker/errors';
import { planPull, type DefaultRegistry, type PullOrigin, type PullPlan } from './pull-plan';
import type { PullSource, RegistrySources } from './registry-source';

export type PullPolicy = 'always' | 'ifnotpresent' | 'never';

export class ImageNotPresentError extends Error {}

/**
 * How long an image found on the host is taken to be there still without asking the engine
 * again: a burst of creates from one image costs one inspect, not one each. Should it have been
 * removed meanwhile, the engine's create says so (404) and the create looks again (forget()).
 */
const FOUND_FOR_MS = 10_000;

/**
 * Resolves a container's image on this host according to its pull policy (null → always, as
 * upstream). The registry is the one named in the reference, else the container's private
 * registry's domain, else `[docker] default_registry` (see planPull); there is no implicit
 * Docker Hub mirror.
 * Returns the reference used and the image's config (for default Cmd/Entrypoint).
 */
export class DockerImageDriver {
  constructor(
    private readonly engine: EngineClient,
    private readonly registries: RegistrySources,
    private readonly defaults: DefaultRegistry | null = null,
  ) {}

  /** What present() and pulls found, by reference, and when. */
  private readonly found = new Map<string, { inspect: ImageInspect; at: number }>();

  /**
   * The image of a row whose container is made again (rebuild, auto_heal), from the row's registry
   * if it has one. Create checks presence while it claims, so it calls the steps itself.
   */
  async ensureForRow(
    c: Pick<Container, 'image' | 'registry_id'>,
    policy: string | null,
  ): Promise<{ ref: string; inspect: ImageInspect }> {
    const source = await this.source(c.registry_id);
    // Asked afresh: not on the path of a create's answer, and called again by one whose image
    // had gone.
    const local =
      effectivePolicy(policy) === 'always'
        ? null
        : await this.inspect(planPull(c.image, source, this.defaults).ref);
    return this.ensureImage(c.image, policy, local, undefined, source);
  }

  /**
   * Credentials for pushing `repository` (which names its registry host): those of the project
   * registry `registryId` when its domain is that host, else the default registry's when the
   * host is the default registry, else none. As for pulls, they only go to their own domain.
   */
  async pushAuth(repository: string, registryId: string | null): Promise<PullAuth | null> {
    return planPull(repository, await this.source(registryId), this.defaults).auth;
  }

  /** The pull source of a container's registry_id (null: none, or it was deleted). */
  source(registryId: string | null): Promise<PullSource | null> {
    return this.registries.find(registryId);
  }

  /** The local image when the policy lets us use it without pulling; null means a pull decides. */
  async present(
    image: string,
    policy: string | null,
    source: PullSource | null = null,
  ): Promise<ImageInspect | null> {
    if (effectivePolicy(policy) === 'always') return null;
    const { ref } = planPull(image, source, this.defaults);
    const seen = this.found.get(ref);
    if (seen && Date.now() - seen.at < FOUND_FOR_MS) return seen.inspect;
    return this.inspect(ref);
  }

  /** Forgets what present() found: the engine has said an image is not there after all. */
  forget(): void {
    this.found.clear();
  }

  private async inspect(ref: string): Promise<ImageInspect | null> {
    const inspect = await this.engine.inspectImage(ref);
    // Bounded by the images used within FOUND_FOR_MS; a host that uses many at once starts over.
    if (this.found.size > 1000) this.found.clear();
    if (inspect) this.found.set(ref, { inspect, at: Date.now() });
    else this.found.delete(ref);
    return inspect;
  }

  /**
   * Makes the image available per policy. `local` is what present() found; `pulling` is told
   * before a pull starts and after it ends, so the caller can show it.
   */
  async ensureImage(
    image: string,
    policy: string | null,
    local: ImageInspect | null,
    pulling: (active: boolean) => Promise<void> = async () => undefined,
    source: PullSource | null = null,
  ): Promise<{ ref: string; inspect: ImageInspect }> {
    const plan = planPull(image, source, this.defaults);
    const { ref } = plan;
    const p = effectivePolicy(policy);
    if (p !== 'always') {
      if (local) return { ref, inspect: local };
      if (p === 'never') {
        throw new ImageNotPresentError(
          `Image ${image} is not present on this host and the pull policy is never`,
        );
      }
    }
    await pulling(true);
    try {
      await this.engine.pullImage(ref, plan.auth ?? undefined);
    } catch (err) {
      throw plan.origin ? pullFailure(err, plan, plan.origin) : err;
    }
    await pulling(false);
    const inspect = await this.inspect(ref);
    if (!inspect)
      throw new ImageNotPresentError(`Image ${image} was pulled but cannot be found on this host`);
    return { ref, inspect };
  }
}

/**
 * A failed pull through a private or the default registry says which registry and user were
 * used. Engines before 23 answer a refused login with 500 (newer ones with 401), so the engine's
 * own message is kept as it is and the hint about the credentials is added for either status.
 */
function pullFailure(err: unknown, plan: PullPlan, origin: PullOrigin): Error {
  if (!(err instanceof EngineError)) return err instanceof Error ? err : new Error(String(err));
  const who = plan.auth ? `as ${plan.auth.username}` : 'anonymously';
  const hint = plan.auth && (err.statusCode === 401 || err.statusCode === 500) ? origin.credentialsHint : '';
  return new EngineError(
    `Pulling ${plan.ref} from ${origin.domain} ${who} with ${origin.via} failed${hint}: ${err.message}`,
    err.statusCode,
  );
}

const effectivePolicy = (policy: string | null): PullPolicy =>
  (policy ?? 'always').toLowerCase() as PullPolicy;
