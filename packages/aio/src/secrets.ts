import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface Secrets {
  dbPassword: string;
  serviceToken: string;
  adminPassword: string;
  demoPassword: string;
}

const gen = (): string => randomBytes(18).toString('base64url');

/** Generated once per state directory, kept (mode 0600) so a second start reuses everything. */
export function loadOrCreateSecrets(file: string): Secrets {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  const s: Secrets = { dbPassword: gen(), serviceToken: gen(), adminPassword: gen(), demoPassword: gen() };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}
