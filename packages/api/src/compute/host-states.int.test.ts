import type { Sequelize } from 'sequelize';
import { COMPUTE_BINARY, ComputeNode, Service, loadConfig } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { HostStateCache } from './host-states';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The scheduler's host snapshot against real PostgreSQL: while creates keep coming it is
 * reloaded before it expires, so a create does not wait for the reload; once nobody asks, it is
 * no longer reloaded.
 */
describe('HostStateCache (real PostgreSQL)', () => {
  let db: TestDatabase;
  let queries = 0;
  let counted: Sequelize;
  const TTL = 500;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Every statement the cache sends, counted: the snapshot is two queries per reload.
    counted = new Proxy(db.sequelize, {
      get(target, prop, receiver) {
        if (prop === 'query') {
          return (...args: Parameters<Sequelize['query']>) => {
            queries++;
            return target.query(...args);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is reloaded ahead of expiry while in use, and not at all once idle', async () => {
    const cache = new HostStateCache(counted, loadConfig({}), TTL);
    await cache.get();
    expect(queries).toBe(2);
    // Asked for just after each lifetime ends, as creates one a second ask with the default of
    // 1 s: each ask finds a snapshot reloaded meanwhile (100 ms before it expired) and sends
    // nothing itself. One miss is allowed for a slow machine; without the reloads ahead, every
    // ask reloads.
    let waited = 0;
    for (let i = 0; i < 4; i++) {
      await sleep(TTL + 20);
      const before = queries;
      await cache.get();
      if (queries !== before) waited++;
    }
    expect(waited).toBeLessThanOrEqual(1);
    expect(queries).toBeGreaterThanOrEqual(2 + 4 * 2);
    // Not asked for ten lifetimes: the reloads stop.
    await sleep(12 * TTL);
    const idle = queries;
    await sleep(3 * TTL);
    expect(queries).toBe(idle);
    // The next ask after the idle spell reloads on demand, as before.
    await cache.get();
    expect(queries).toBe(idle + 2);
  });

  it('gives a refusal a current view: fresh() sees a host that registered within the lifetime', async () => {
    const cache = new HostStateCache(db.sequelize, loadConfig({}), 60_000);
    expect(await cache.get()).toEqual([]);
    await Service.create({ host: 'late', binary: COMPUTE_BINARY, last_seen_up: new Date() });
    await ComputeNode.create({
      uuid: 'late-node',
      hostname: 'late',
      cpus: 2,
      mem_total: 2048,
      disk_total: 10,
      disk_quota_supported: false,
      cpu_limit: 2,
      mem_limit: 2048,
      disk_limit: 10,
    });
    // The cached view is within its lifetime and does not know the host; a current one does.
    expect(await cache.get()).toEqual([]);
    expect((await cache.fresh()).map((h) => h.hostname)).toEqual(['late']);
    expect((await cache.get()).map((h) => h.hostname)).toEqual(['late']);
  });
});
