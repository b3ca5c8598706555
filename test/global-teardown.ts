import type { LocalPostgres } from '../packages/aio/src/local-postgres';

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as { __ZUN_PG__?: LocalPostgres }).__ZUN_PG__;
  if (pg) await pg.destroy();
}
