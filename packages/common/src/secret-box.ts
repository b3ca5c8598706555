import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption of secrets at rest (registry passwords) with AES-256-GCM. The key
 * is SHA-256 of `[DEFAULT] auth_encryption_key`, so any length of configured key works; the
 * API encrypts and the compute agent decrypts, so both need the same setting.
 * Stored form: `v1:` + base64url(iv 12 bytes | tag 16 bytes | ciphertext).
 */
const PREFIX = 'v1:';

export class SecretBoxError extends Error {}

export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (!secret) throw new SecretBoxError('[DEFAULT] auth_encryption_key is not configured');
    this.key = createHash('sha256').update(secret, 'utf8').digest();
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** Throws SecretBoxError when the value was not sealed with this key (or was tampered with). */
  decrypt(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new SecretBoxError('unknown encrypted value format');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < 28) throw new SecretBoxError('encrypted value is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('encrypted value does not match [DEFAULT] auth_encryption_key');
    }
  }
}
