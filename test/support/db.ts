import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Sequelize } from 'sequelize';
import { migrate, openDatabase } from '@zun/common';

export interface TestDatabase {
  url: string;
  sequelize: Sequelize;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file, in the run's real PostgreSQL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.ZUN_TEST_PG_URL;
  if (!base) throw new Error('ZUN_TEST_PG_URL is not set: run the suite with `npm test`');
  const name = `zt_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = `${base}/${name}`;
  const sequelize = openDatabase(url);
  await migrate(sequelize);
  return {
    url,
    sequelize,
    async drop() {
      await sequelize.close();
      const c = new Client({ connectionString: `${base}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
