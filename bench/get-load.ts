/**
 * What waiting costs the service: `GET /v1/containers/<uuid>`, the request every polling client
 * repeats, against the same show by name, which always reads the database (names are not
 * cached). Run with `npm run bench -- get-load`.
 *
 * For each way: zun-api's CPU time per request (from its own process_cpu_seconds_total), the
 * client's own (this process's, fetch() included), and latency p50/p99 at concurrency 4. The ways
 * alternate in rounds so both see the same machine. Results: bench/results/get-load.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { API, api, apiHeaders, login } from './api-client';
import { median, quantile, sleep } from './stats';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PER_ROUND = Number(process.env.BENCH_GETS ?? 1_000);
const CONCURRENCY = 4;

async function metric(name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${API}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
  return Number(line?.split(' ').pop() ?? NaN);
}

interface CpuPerGet {
  cpuMsPerGet: number;
  clientCpuMsPerGet: number;
  gets: number;
}

/** zun-api's CPU (its own metric) and this client's per show, over the shows `run` makes. */
async function cpuPerGet(run: () => Promise<number>): Promise<CpuPerGet> {
  const cpu0 = await metric('process_cpu_seconds_total');
  const client0 = process.cpuUsage();
  const gets = await run();
  const client = process.cpuUsage(client0);
  const cpu1 = await metric('process_cpu_seconds_total');
  return {
    cpuMsPerGet: ((cpu1 - cpu0) * 1000) / gets,
    clientCpuMsPerGet: (client.user + client.system) / 1000 / gets,
    gets,
  };
}

async function show(p: string): Promise<void> {
  const res = await fetch(`${API}${p}`, { headers: apiHeaders(false) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${p}: ${res.status}`);
}

/** PER_ROUND shows back to back, CONCURRENCY at a time, with their latencies. */
async function load(p: string): Promise<CpuPerGet & { latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = await cpuPerGet(async () => {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < PER_ROUND) {
          next += 1;
          const t0 = performance.now();
          await show(p);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    return PER_ROUND;
  });
  return { ...cpu, latencies };
}

/**
 * Ten clients each showing the container every 50 ms for 10 s, as pollers do: requests that
 * arrive one by one to an otherwise idle process cost more each than a back-to-back stream.
 */
function pollers(p: string): Promise<CpuPerGet> {
  return cpuPerGet(async () => {
    let gets = 0;
    const end = Date.now() + 10_000;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (Date.now() < end) {
          gets += 1;
          await show(p);
          await sleep(50);
        }
      }),
    );
    return gets;
  });
}

async function main(): Promise<void> {
  await login();
  const name = `get-load-${Date.now()}`;
  const made = await api<{ uuid: string }>('POST', '/v1/containers?run=true', {
    image: IMAGE,
    name,
    command: ['sleep', '600'],
  });
  if (made.status !== 202) throw new Error(`create: ${made.status} ${JSON.stringify(made.body)}`);
  const uuid = made.body.uuid;
  try {
    for (let i = 0; i < 300; i += 1) {
      if ((await api<{ status: string }>('GET', `/v1/containers/${uuid}`)).body.status === 'Running') break;
      await sleep(100);
    }
    const ways = { by_uuid: `/v1/containers/${uuid}`, by_name: `/v1/containers/${name}` };
    const samples: Record<string, { cpu: number[]; client: number[]; lat: number[] }> = {
      by_uuid: { cpu: [], client: [], lat: [] },
      by_name: { cpu: [], client: [], lat: [] },
    };
    const served0 = await metric('zun_api_container_show_total', 'source="cache"');
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [way, p] of Object.entries(ways)) {
        await load(p); // warm-up of this way's path, not counted
        const r = await load(p);
        samples[way].cpu.push(r.cpuMsPerGet);
        samples[way].client.push(r.clientCpuMsPerGet);
        samples[way].lat.push(...r.latencies);
      }
    }
    const polled = [];
    for (let round = 0; round < ROUNDS; round += 1) polled.push(await pollers(ways.by_uuid));
    const fromCache = (await metric('zun_api_container_show_total', 'source="cache"')) - served0;
    const summary = Object.fromEntries(
      Object.entries(samples).map(([way, s]) => [
        way,
        {
          api_cpu_ms_per_get: Math.round(median(s.cpu) * 1000) / 1000,
          // The benchmark's own fetch() of each show: what a polling client pays on its side.
          client_cpu_ms_per_get: Math.round(median(s.client) * 1000) / 1000,
          p50_ms: Math.round(quantile(s.lat, 0.5) * 100) / 100,
          p99_ms: Math.round(quantile(s.lat, 0.99) * 100) / 100,
        },
      ]),
    );
    const result = {
      date: new Date().toISOString(),
      gets_per_way: ROUNDS * PER_ROUND,
      concurrency: CONCURRENCY,
      load_average: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10),
      shows_answered_from_memory: fromCache,
      ...summary,
      pollers_by_uuid: {
        clients: 10,
        every_ms: 50,
        gets: polled.reduce((a, r) => a + r.gets, 0),
        api_cpu_ms_per_get: Math.round(median(polled.map((r) => r.cpuMsPerGet)) * 1000) / 1000,
        client_cpu_ms_per_get: Math.round(median(polled.map((r) => r.clientCpuMsPerGet)) * 1000) / 1000,
      },
      cpu_ratio_uuid_to_name:
        Math.round((summary.by_uuid.api_cpu_ms_per_get / summary.by_name.api_cpu_ms_per_get) * 100) / 100,
    };
    console.log(JSON.stringify(result, null, 2));
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'get-load.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await api('DELETE', `/v1/containers/${uuid}?force=True`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
