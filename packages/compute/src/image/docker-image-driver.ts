import type { EngineClient, ImageInspect } from '../docker/engine';
import { normaliseReference } from './reference';

export type PullPolicy = 'always' | 'ifnotpresent' | 'never';

export class ImageNotPresentError extends Error {}

/**
 * Resolves a container's image on this host according to its pull policy (null → always, as
 * upstream). The registry is the one named in the reference; there is no implicit Docker Hub
 * mirror. Returns the reference used and the image's config (for default Cmd/Entrypoint).
 */
export class DockerImageDriver {
  constructor(private readonly engine: EngineClient) {}

  /** The local image when the policy lets us use it without pulling; null means a pull decides. */
  async present(image: string, policy: string | null): Promise<ImageInspect | null> {
    if (effectivePolicy(policy) === 'always') return null;
    return this.engine.inspectImage(normaliseReference(image));
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
  ): Promise<{ ref: string; inspect: ImageInspect }> {
    const ref = normaliseReference(image);
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
    await this.engine.pullImage(ref);
    await pulling(false);
    const inspect = await this.engine.inspectImage(ref);
    if (!inspect)
      throw new ImageNotPresentError(`Image ${image} was pulled but cannot be found on this host`);
    return { ref, inspect };
  }
}

const effectivePolicy = (policy: string | null): PullPolicy =>
  (policy ?? 'always').toLowerCase() as PullPolicy;
