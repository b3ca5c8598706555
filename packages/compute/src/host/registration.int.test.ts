import { COMPUTE_BINARY, Service, createLogger, loadConfig, openDatabase } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { DockerodeEngine } from '../docker/engine';
import { LivenessConnection } from './liveness';
import { HostRegistration } from './registration';

/** The heartbeat against the real engine and PostgreSQL: what it writes, and at what cost. */
describe('host registration heartbeat (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('counts the beat and refreshes last_seen_up in a single statement', async () => {
    const config = loadConfig({ ZUN_CONFIG: '/dev/null', ZUN_DEFAULT_HOST: 'beat-host' });
    const reg = new HostRegistration(
      config,
      new DockerodeEngine(config.docker.socketPath),
      'http://127.0.0.1:1',
      createLogger('test', { debug: false, format: 'text' }),
    );
    await reg.register();
    const before = await Service.findOne({ where: { host: 'beat-host', binary: COMPUTE_BINARY } });
    // A heartbeat costs every host one round trip per interval; with hundreds of hosts a second
    // statement per beat is hundreds more per interval.
    const statements: string[] = [];
    const count = (_options: unknown, query: { sql?: string }): void => {
      statements.push(String(query?.sql ?? ''));
    };
    db.sequelize.addHook('beforeQuery', 'count', count);
    try {
      await new Promise((r) => setTimeout(r, 5));
      await reg.heartbeat();
    } finally {
      db.sequelize.removeHook('beforeQuery', 'count');
    }
    expect(statements).toHaveLength(1);
    const after = await Service.findOne({ where: { host: 'beat-host', binary: COMPUTE_BINARY } });
    expect(after!.report_count).toBe(before!.report_count + 1);
    expect(after!.last_seen_up!.getTime()).toBeGreaterThan(before!.last_seen_up!.getTime());
  });
  it('beats on its own connection while every pooled connection is taken by task work', async () => {
    const config = loadConfig({ ZUN_CONFIG: '/dev/null', ZUN_DEFAULT_HOST: 'busy-host' });
    const liveness = new LivenessConnection(db.url);
    const reg = new HostRegistration(
      config,
      new DockerodeEngine(config.docker.socketPath),
      'http://127.0.0.1:1',
      createLogger('test', { debug: false, format: 'text' }),
      liveness,
    );
    await reg.register();
    const before = await Service.findOne({ where: { host: 'busy-host', binary: COMPUTE_BINARY } });
    // A pool of one, held by an open transaction: what a burst of tasks does to a real pool.
    const tight = openDatabase(db.url, { poolMax: 1 });
    const held = await tight.transaction();
    try {
      const beat = reg.heartbeat().then(() => 'beat');
      const late = new Promise((r) => setTimeout(() => r('waited for the pool'), 5_000));
      expect(await Promise.race([beat, late])).toBe('beat');
    } finally {
      await held.rollback();
      await tight.close();
      await liveness.close();
    }
    const check = openDatabase(db.url);
    try {
      const after = await Service.findOne({ where: { host: 'busy-host', binary: COMPUTE_BINARY } });
      expect(after!.report_count).toBe(before!.report_count + 1);
      expect(after!.last_seen_up!.getTime()).toBeGreaterThan(before!.last_seen_up!.getTime());
    } finally {
      await check.close();
    }
  });
});
