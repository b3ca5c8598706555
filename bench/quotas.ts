/**
 * Create latency with quotas on vs off: two zun-api processes on the bench stack's database (its
 * zun.conf), one with `[quota] driver = db` (the default: per-project lock, usage count, limits)
 * and one with `driver = noop`, both dispatching to the stack's compute agent. Creates alternate
 * between them; each is timed to the 202 (where the quota check is) and to Running (seen by a
 * client polling every 50 ms), then deleted. Run with `npm run bench -- quotas`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, loadConfig } from '@zun/common';
import { startApi, type RunningApi } from '../packages/api/src/server';
import { api, login } from './api-client';
import { median } from './stats';

const ROUNDS = Number(process.env.BENCH_QUOTA_ROUNDS ?? 15);
const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox';

function apiWith(driver: 'db' | 'noop'): Promise<RunningApi> {
  const config = loadConfig({
    ...process.env,
    ZUN_CONFIG: process.env.ZUN_CONFIG ?? path.join(process.env.ZUN_STATE ?? '.zun/bench', 'zun.conf'),
    ZUN_API_PORT: '0',
    ZUN_QUOTA_DRIVER: driver,
  });
  return startApi(config, createLogger(`bench-api-${driver}`, { format: 'text' }), { migrate: false });
}

async function once(base: string, i: number): Promise<{ accept: number; running: number }> {
  const t0 = performance.now();
  const made = await api<{ uuid: string }>(
    'POST',
    '/v1/containers?run=true',
    { name: `bench-quota-${i}`, image: IMAGE, command: ['sleep', '300'], memory: 16 },
    base,
  );
  const accept = performance.now() - t0;
  if (made.status !== 202) throw new Error(`create answered ${made.status}: ${JSON.stringify(made.body)}`);
  let status = '';
  const deadline = Date.now() + 120_000;
  while (status !== 'Running') {
    if (Date.now() > deadline) throw new Error(`bench container ${made.body.uuid} not Running in 120 s`);
    await new Promise((r) => setTimeout(r, 50));
    status = (await api<{ status: string }>('GET', `/v1/containers/${made.body.uuid}`, undefined, base)).body
      .status;
    if (status === 'Error') throw new Error(`bench container ${made.body.uuid} went to Error`);
  }
  const running = performance.now() - t0;
  await api('DELETE', `/v1/containers/${made.body.uuid}?force=True`, undefined, base);
  return { accept, running };
}

async function main(): Promise<void> {
  process.env.ZUN_LOG_LEVEL = 'error';
  await login();
  const sides = { db: await apiWith('db'), noop: await apiWith('noop') };
  try {
    const t = {
      db: { accept: [] as number[], running: [] as number[] },
      noop: { accept: [] as number[], running: [] as number[] },
    };
    await once(sides.db.url, -1); // warm-up: image, network, connections
    await once(sides.noop.url, -2);
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which side goes first, so neither always meets a busier engine.
      const order = i % 2 ? (['noop', 'db'] as const) : (['db', 'noop'] as const);
      for (const side of order) {
        const r = await once(sides[side].url, i * 2 + (side === 'db' ? 0 : 1));
        t[side].accept.push(r.accept);
        t[side].running.push(r.running);
      }
    }
    const result = {
      at: new Date().toISOString(),
      rounds: ROUNDS,
      quotas_on_accept_median_ms: median(t.db.accept),
      quotas_off_accept_median_ms: median(t.noop.accept),
      accept_ratio_on_to_off: median(t.db.accept) / median(t.noop.accept),
      quotas_on_running_median_ms: median(t.db.running),
      quotas_off_running_median_ms: median(t.noop.running),
      running_ratio_on_to_off: median(t.db.running) / median(t.noop.running),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'quotas.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await sides.db.stop({ graceMs: 1000 });
    await sides.noop.stop({ graceMs: 1000 });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
