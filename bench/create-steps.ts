/**
 * Where the time of one create goes: `npm run bench -- create-steps` (scripts/bench.sh starts the
 * stack). One create a second, waited for with the long-poll as in bench/overhead.ts, each beside
 * a raw engine create + start on a user-defined network (the order turned from one to the next).
 * The steps come from the daemons' own logs: zun-api's request log (`duration_ms` of the POST)
 * and zun-compute's `task done` line (`steps_ms`: queued, claim_image, engine_create,
 * engine_start, row_running, ...). `overhead_ms` is a create's client time less the agent's
 * engine_create and engine_start, so what the service adds to the engine's own work.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { API, apiHeaders, login } from './api-client';
import { median, sleep } from './stats';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const RUNS = Number(process.env.BENCH_CREATES ?? 20);
const NETWORK = 'zun-bench-steps';
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
const LOGS = path.join(process.env.ZUN_STATE ?? '.zun/bench', 'logs');

interface Answer {
  status: number;
  requestId: string | null;
  body: { uuid?: string; status?: string } | null;
}

async function call(method: string, p: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${API}${p}`, {
    method,
    headers: apiHeaders(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    requestId: res.headers.get('x-openstack-request-id'),
    body: text ? (JSON.parse(text) as Answer['body']) : null,
  };
}

async function raw(): Promise<number> {
  const t0 = performance.now();
  const c = await docker.createContainer({
    Image: IMAGE,
    Cmd: ['sleep', '300'],
    Labels: { 'zun-bench': 'raw' },
    HostConfig: { Memory: 32 << 20, NanoCpus: 1e8, CpuShares: 102, NetworkMode: NETWORK },
    NetworkingConfig: { EndpointsConfig: { [NETWORK]: {} } },
  });
  await c.start();
  return performance.now() - t0;
}

async function zun(): Promise<{ uuid: string; requestId: string; clientMs: number; answerMs: number }> {
  const t0 = performance.now();
  const r = await call('POST', '/v1/containers?run=true', {
    image: IMAGE,
    command: ['sleep', '300'],
    cpu: 0.1,
    memory: 32,
    image_pull_policy: 'ifnotpresent',
    labels: { 'zun-bench': 'zun' },
  });
  const answerMs = performance.now() - t0;
  const uuid = r.body?.uuid;
  if (r.status !== 202 || !uuid || !r.requestId) throw new Error(`create failed: ${r.status}`);
  let status = 'Creating';
  for (;;) {
    const g = await call('GET', `/v1/containers/${uuid}?wait_for_status_change=${status}`);
    if (g.body?.status === 'Running') break;
    if (g.body?.status === 'Error') throw new Error(`container ${uuid} failed`);
    status = g.body?.status ?? status;
  }
  return { uuid, requestId: r.requestId, clientMs: performance.now() - t0, answerMs };
}

/** The JSON fields of the log line holding every one of `needles` (the daemons log `msg {json}`). */
function logFields(lines: string[], ...needles: string[]): Record<string, unknown> {
  const line = lines.find((l) => needles.every((n) => l.includes(n)));
  return line ? (JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>) : {};
}

async function cleanup(): Promise<void> {
  const list = await fetch(`${API}/v1/containers?all_projects=1`, { headers: apiHeaders(false) });
  const { containers } = (await list.json()) as { containers: { uuid: string }[] };
  await Promise.all(containers.map((c) => call('DELETE', `/v1/containers/${c.uuid}?force=True`)));
  const raws = await docker.listContainers({ all: true, filters: { label: ['zun-bench=raw'] } });
  await Promise.all(raws.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

async function main(): Promise<void> {
  await login();
  if (!(await docker.listNetworks({ filters: { name: [NETWORK] } })).length)
    await docker.createNetwork({ Name: NETWORK, Labels: { 'zun-bench': 'raw' } });
  for (let i = 0; i < 3; i++) await zun();
  const runs: Awaited<ReturnType<typeof zun>>[] = [];
  const raws: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (i % 2) raws.push(await raw());
    runs.push(await zun());
    if (!(i % 2)) raws.push(await raw());
    await sleep(1_000);
  }
  // The daemons write their log lines once per turn of the event loop.
  await sleep(500);
  const apiLog = readFileSync(path.join(LOGS, 'api.log'), 'utf8').split('\n');
  const agentLog = readFileSync(path.join(LOGS, 'compute.log'), 'utf8').split('\n');
  const rows = runs.map((z) => {
    const request = logFields(apiLog, z.requestId, '"method":"POST"');
    const task = logFields(agentLog, z.uuid, 'task done', '"action":"create"');
    const steps = (task.steps_ms ?? {}) as Record<string, number>;
    return {
      client_ms: z.clientMs,
      answer_ms: z.answerMs,
      api_request_ms: Number(request.duration_ms),
      ...steps,
      overhead_ms: z.clientMs - (steps.engine_create ?? 0) - (steps.engine_start ?? 0),
    };
  });
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const round1 = (n: number): number => Math.round(n * 10) / 10;
  const medians = Object.fromEntries(
    keys.map((k) => [k, round1(median(rows.map((r) => (r as Record<string, number>)[k] ?? 0)))]),
  );
  const result = {
    bench: 'create-steps',
    when: new Date().toISOString(),
    creates: RUNS,
    raw_network_ms_median: round1(median(raws)),
    medians_ms: medians,
    runs: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round1(v)]))),
  };
  await cleanup();
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'create-steps.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    JSON.stringify({ raw_network_ms_median: result.raw_network_ms_median, medians_ms: medians }, null, 2),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
