/**
 * Token validation through zun-api with an external Keystone: GET /v1/containers with a Keystone
 * token against a zun-api whose cache is warm versus one whose cache is off
 * ([keystone_authtoken] token_cache_size = 0, so Keystone is asked on every request). Both
 * zun-api processes run here, on the bench stack's database (its zun.conf), side by side, and are
 * measured in alternating blocks. Run with `npm run bench -- keystone` (scripts/bench.sh starts
 * Keystone and the stack).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, loadConfig } from '@zun/common';
import { startApi, type RunningApi } from '../packages/api/src/server';
import { median } from './stats';
import { passwordToken } from './api-client';

const KEYSTONE = process.env.BENCH_KEYSTONE_URL ?? 'http://127.0.0.1:35357/v3';
const BLOCKS = Number(process.env.BENCH_KEYSTONE_BLOCKS ?? 10);
const PER_BLOCK = 50;

async function demoToken(): Promise<string> {
  return (await passwordToken(KEYSTONE, 'demo', 'demo-secret')).token;
}

function apiWithCache(size: number): Promise<RunningApi> {
  const config = loadConfig({
    ...process.env,
    ZUN_CONFIG: process.env.ZUN_CONFIG ?? path.join(process.env.ZUN_STATE ?? '.zun/bench', 'zun.conf'),
    ZUN_API_PORT: '0',
    ZUN_KEYSTONE_AUTHTOKEN_AUTH_URL: KEYSTONE,
    ZUN_KEYSTONE_AUTHTOKEN_USERNAME: 'zun',
    ZUN_KEYSTONE_AUTHTOKEN_PASSWORD: 'zun-secret',
    ZUN_KEYSTONE_AUTHTOKEN_PROJECT_NAME: 'service',
    ZUN_KEYSTONE_AUTHTOKEN_TOKEN_CACHE_SIZE: String(size),
  });
  return startApi(config, createLogger('bench-api', { debug: false, format: 'text' }), { migrate: false });
}

async function timed(url: string, token: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/containers`, {
    headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'container 1.40' },
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET /v1/containers answered ${res.status}`);
  return performance.now() - t0;
}

const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

async function main(): Promise<void> {
  process.env.ZUN_LOG_LEVEL = 'error';
  const token = await demoToken();
  const cached = await apiWithCache(10_000);
  const uncached = await apiWithCache(0);
  try {
    const times = { cached: [] as number[], uncached: [] as number[] };
    // Warm-up: connections, the cached side's one validation, JIT.
    for (let i = 0; i < 20; i++) {
      await timed(cached.url, token);
      await timed(uncached.url, token);
    }
    for (let b = 0; b < BLOCKS; b++) {
      for (const [side, api] of [
        ['cached', cached],
        ['uncached', uncached],
      ] as const) {
        for (let i = 0; i < PER_BLOCK; i++) times[side].push(await timed(api.url, token));
      }
    }
    const result = {
      at: new Date().toISOString(),
      requests_per_side: BLOCKS * PER_BLOCK,
      cached_median_ms: median(times.cached),
      cached_p90_ms: p90(times.cached),
      uncached_median_ms: median(times.uncached),
      uncached_p90_ms: p90(times.uncached),
      ratio_uncached_to_cached: median(times.uncached) / median(times.cached),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'keystone.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await cached.stop({ graceMs: 1000 });
    await uncached.stop({ graceMs: 1000 });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
