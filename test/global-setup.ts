import path from 'node:path';
import Docker from 'dockerode';
import { LocalPostgres } from '../packages/aio/src/local-postgres';
import { reapStaleTestNetworks } from './support/reap';

/**
 * One real PostgreSQL for the whole test run (fresh data directory); each test file creates its
 * own database in it (test/support/db.ts), so files can run in parallel.
 */
export default async function globalSetup(): Promise<void> {
  const state = process.env.ZUN_STATE ?? path.resolve(__dirname, '..', '.zun', 'test');
  const port = Number(process.env.ZUN_TEST_PG_PORT ?? 55433);
  // Per port: helpers sharing one ZUN_STATE run their own PostgreSQL at the same time, and
  // each run wipes its data directory first.
  const pg = await LocalPostgres.create({
    dataDir: path.join(state, `jest-pg-${port}`),
    user: 'zun',
    password: 'zun',
    port,
    flags: ['-c', 'max_connections=300', '-c', 'fsync=off'],
  });
  await pg.destroy();
  await pg.initialise();
  await pg.start();
  (globalThis as { __ZUN_PG__?: LocalPostgres }).__ZUN_PG__ = pg;
  const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  const reaped = await reapStaleTestNetworks(docker).catch(() => 0);
  if (reaped > 0) console.log(`zun: removed ${reaped} network(s) left by killed test runs`);
  process.env.ZUN_TEST_PG_URL = `postgres://zun:zun@127.0.0.1:${port}`;
}
