import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface Secrets {
  dbPassword: string;
  serviceToken: string;
  adminPassword: string;
  demoPassword: string;
  /** Seals registry passwords at rest ([DEFAULT] auth_encryption_key). */
  authEncryptionKey: string;
}

const gen = (): string => randomBytes(18).toString('base64url');

/** Generated once per state directory, kept (mode 0600) so a second start reuses everything. */
export function loadOrCreateSecrets(file: string): Secrets {
  const old = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>) : {};
  const s: Secrets = {
    dbPassword: old.dbPassword ?? gen(),
    serviceToken: old.serviceToken ?? gen(),
    adminPassword: old.adminPassword ?? gen(),
    demoPassword: old.demoPassword ?? gen(),
    // State directories from before registries get one added; the others are kept as they were.
    authEncryptionKey: old.authEncryptionKey ?? randomBytes(32).toString('base64url'),
  };
  if (Object.keys(old).length !== Object.keys(s).length)
    writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}
