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

  async ensureImage(image: string, policy: string | null): Promise<{ ref: string; inspect: ImageInspect }> {
    const ref = normaliseReference(image);
    const p = (policy ?? 'always').toLowerCase() as PullPolicy;
    if (p === 'always') {
      await this.engine.pullImage(ref);
    } else {
      const present = await this.engine.inspectImage(ref);
      if (present) return { ref, inspect: present };
      if (p === 'never') {
        throw new ImageNotPresentError(`Image ${image} is not present on this host and the pull policy is never`);
      }
      await this.engine.pullImage(ref);
    }
    const inspect = await this.engine.inspectImage(ref);
    if (!inspect) throw new ImageNotPresentError(`Image ${image} was pulled but cannot be found on this host`);
    return { ref, inspect };
  }
}
