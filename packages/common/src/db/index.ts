import { QueryTypes, Sequelize } from 'sequelize';
import type { Logger } from '../logging';
import { initComputeModels } from './models/compute';
import { initContainerModels } from './models/container';
import { initIdentityModels } from './models/identity';
import { initImageModels } from './models/image';
import { initQuotaModels } from './models/quota';
import { initRegistryModels } from './models/registry';
import { initWebsocketModels } from './models/websocket';
import * as m001 from './migrations/001-initial';
import * as m002 from './migrations/002-task-action-id';
import * as m003 from './migrations/003-cpu-pinning';
import * as m004 from './migrations/004-websocket-tokens';
import * as m005 from './migrations/005-container-mounts';
import * as m006 from './migrations/006-registries';
import * as m007 from './migrations/007-capsules';
import * as m008 from './migrations/008-images';
import * as m009 from './migrations/009-identity-management';
import * as m010 from './migrations/010-quotas';
import * as m011 from './migrations/011-container-events';
import * as m012 from './migrations/012-capsule-events';
import * as m013 from './migrations/013-quota-check';
import * as m014 from './migrations/014-container-event-rows';

export * from './models/compute';
export { isDatabaseUnavailable } from './unavailable';
export * from './models/container';
export * from './models/identity';
export * from './models/image';
export * from './models/quota';
export * from './models/registry';
export * from './models/websocket';

/** Migrations in order; each is a module with up/down taking the query interface. */
const MIGRATIONS = [
  { name: '001-initial', mod: m001 },
  { name: '002-task-action-id', mod: m002 },
  { name: '003-cpu-pinning', mod: m003 },
  { name: '004-websocket-tokens', mod: m004 },
  { name: '005-container-mounts', mod: m005 },
  { name: '006-registries', mod: m006 },
  { name: '007-capsules', mod: m007 },
  { name: '008-images', mod: m008 },
  { name: '009-identity-management', mod: m009 },
  { name: '010-quotas', mod: m010 },
  { name: '011-container-events', mod: m011 },
  { name: '012-capsule-events', mod: m012 },
  { name: '013-quota-check', mod: m013 },
  { name: '014-container-event-rows', mod: m014 },
];

export interface PoolOptions {
  poolMax?: number;
  /** How long an unused connection stays open; 10 s unless given. */
  idleMs?: number;
  /** Shown in pg_stat_activity, so an operator sees which daemon holds which connection. */
  applicationName?: string;
}

export function openDatabase(connection: string, opts: PoolOptions = {}): Sequelize {
  const sequelize = new Sequelize(connection, {
    dialect: 'postgres',
    logging: false,
    pool: { max: opts.poolMax ?? 10, min: 0, idle: opts.idleMs ?? 10_000 },
    ...(opts.applicationName ? { dialectOptions: { application_name: opts.applicationName } } : {}),
  });
  initIdentityModels(sequelize);
  initComputeModels(sequelize);
  initContainerModels(sequelize);
  initWebsocketModels(sequelize);
  initRegistryModels(sequelize);
  initImageModels(sequelize);
  initQuotaModels(sequelize);
  return sequelize;
}

/** The advisory lock key of the migration runner ("zunm"): one runner per database at a time. */
const MIGRATION_LOCK = 0x7a756e6d;

/**
 * Applies the pending migrations. Several daemons may start together on one database, so the
 * runner holds a PostgreSQL advisory lock for the whole run: a second runner waits, then finds
 * the work done and applies nothing. The lock is held by a transaction of its own (released
 * at its end, even if this process dies) while the migrations run on other pool connections;
 * the pool therefore needs at least two connections.
 */
export async function migrate(sequelize: Sequelize, logger?: Logger): Promise<string[]> {
  return sequelize.transaction(async (transaction) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(:key)', {
      replacements: { key: MIGRATION_LOCK },
      transaction,
    });
    return runMigrations(sequelize, logger);
  });
}

/**
 * Runs the migrations not yet recorded in `schema_migrations` (one row per applied migration, by
 * name), in order, recording each once it is done. A runner of our own rather than a migration
 * library: the ones at hand load a command-line front end with them, megabytes of modules that
 * would stay resident in zun-api for a few statements at start-up.
 */
async function runMigrations(sequelize: Sequelize, logger?: Logger): Promise<string[]> {
  await sequelize.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(255) NOT NULL UNIQUE, PRIMARY KEY (name))',
  );
  const rows = await sequelize.query<{ name: string }>('SELECT name FROM schema_migrations', {
    type: QueryTypes.SELECT,
  });
  const done = new Set(rows.map((r) => r.name));
  const applied: string[] = [];
  for (const { name, mod } of MIGRATIONS) {
    if (done.has(name)) continue;
    await mod.up(sequelize.getQueryInterface());
    await sequelize.query('INSERT INTO schema_migrations (name) VALUES (:name)', { replacements: { name } });
    applied.push(name);
  }
  if (applied.length && logger) logger.info('database migrated', { applied });
  return applied;
}
