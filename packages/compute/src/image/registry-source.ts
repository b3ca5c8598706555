import { Registry, SecretBox, SecretBoxError } from '@zun/common';
import type { PullAuth } from '../docker/engine';

/** Where a container's image comes from when it names a private registry. */
export interface PullSource {
  registryUuid: string;
  name: string | null;
  domain: string;
  /** Null when the registry has no username: the pull is anonymous. */
  auth: PullAuth | null;
}

/**
 * Resolves a container's registry_id into a pull source, decrypting the password with
 * `[DEFAULT] auth_encryption_key`. A registry deleted since the container was made gives null
 * (an anonymous pull from the reference's own registry). The password lives only in memory.
 */
export class RegistrySources {
  private readonly box: SecretBox | null;

  constructor(authEncryptionKey: string) {
    this.box = authEncryptionKey ? new SecretBox(authEncryptionKey) : null;
  }

  async find(registryId: string | null): Promise<PullSource | null> {
    if (!registryId) return null;
    const r = await Registry.findOne({ where: { uuid: registryId } });
    if (!r) return null;
    const label = r.name ?? r.uuid;
    let auth: PullAuth | null = null;
    if (r.username) {
      auth = { username: r.username, password: this.open(r.password, label), serveraddress: r.domain };
    }
    return { registryUuid: r.uuid, name: r.name, domain: r.domain, auth };
  }

  private open(sealed: string | null, label: string): string {
    if (!sealed) return '';
    if (!this.box) {
      throw new SecretBoxError(
        `Cannot use the password of registry ${label}: [DEFAULT] auth_encryption_key is not configured on this compute host`,
      );
    }
    try {
      return this.box.decrypt(sealed);
    } catch (err) {
      throw new SecretBoxError(`Cannot use the password of registry ${label}: ${(err as Error).message}`);
    }
  }
}
