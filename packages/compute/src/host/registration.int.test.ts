import { COMPUTE_BINARY, Service, createLogger, loadConfig } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { DockerodeEngine } from '../docker/engine';
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
});
