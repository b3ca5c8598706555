/**
 * Capsule create → Running: zun-ts vs. the same containers made directly on the Docker engine,
 * same run, interleaved. Run with `npm run bench -- capsule` (or plain `npm run bench`;
 * scripts/bench.sh starts an all-in-one stack on its own state and ports and passes its URL and
 * credentials here).
 *
 *   zun-ts: POST /v1/capsules (a sandbox and 2 busybox members sleeping, with memory and cpu
 *           requests) → the moment the service records the capsule Running (its updated_at; the
 *           client-observed time is reported too)
 *   raw:    the same engine work in the same order as zun-compute's: the sandbox container (same
 *           image, shareable IPC, on a user-defined bridge network as zun-ts puts it on the
 *           project's) created; then, while it starts, the 2 members created with
 *           NetworkMode/IpcMode `container:<sandbox>` and the same limits, and started once it runs
 * Images are on the host for both. Results go to bench/results/capsule.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { api, login } from './api-client';
import { median, parsePyDate, quantile as pct, sleep } from './stats';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const SANDBOX_IMAGE = process.env.BENCH_SANDBOX_IMAGE ?? '127.0.0.1:5000/zun-sandbox:latest';
const ROUNDS = Number(process.env.BENCH_CAPSULE_ROUNDS ?? 20);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 50);
const MEMBERS = 2;
const MEMORY_MIB = 32;
const CPU = 0.1;
const COMMAND = ['sleep', '300'];
const RAW_NETWORK = 'zun-bench-raw-capsule';
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

const template = (i: number) => ({
  capsuleVersion: 'beta',
  kind: 'capsule',
  metadata: { name: `bench-capsule-${i}`, labels: { 'zun-bench': 'zun' } },
  spec: {
    restartPolicy: 'Always',
    containers: Array.from({ length: MEMBERS }, () => ({
      image: IMAGE,
      command: COMMAND,
      imagePullPolicy: 'ifnotpresent',
      resources: { requests: { cpu: CPU, memory: MEMORY_MIB } },
    })),
  },
});

async function pull(image: string): Promise<void> {
  const stream = await docker.pull(image);
  await new Promise((res) => docker.modem.followProgress(stream as NodeJS.ReadableStream, res));
}

async function ensureRawNetwork(): Promise<void> {
  const found = await docker.listNetworks({ filters: { name: [RAW_NETWORK] } });
  if (!found.some((n) => n.Name === RAW_NETWORK)) {
    await docker.createNetwork({ Name: RAW_NETWORK, Driver: 'bridge', Labels: { 'zun-bench': 'raw' } });
  }
}

async function rawCapsule(): Promise<number> {
  const t0 = performance.now();
  const sandbox = await docker.createContainer({
    Image: SANDBOX_IMAGE,
    Labels: { 'zun-bench': 'raw' },
    HostConfig: { NetworkMode: RAW_NETWORK, IpcMode: 'shareable', RestartPolicy: { Name: 'no' } },
    NetworkingConfig: { EndpointsConfig: { [RAW_NETWORK]: {} } },
  });
  const started = sandbox.start();
  started.catch(() => undefined);
  const join = `container:${sandbox.id}`;
  await Promise.all(
    Array.from({ length: MEMBERS }, async () => {
      const member = await docker.createContainer({
        Image: IMAGE,
        Cmd: COMMAND,
        Labels: { 'zun-bench': 'raw' },
        HostConfig: {
          Memory: MEMORY_MIB * 1024 * 1024,
          NanoCpus: CPU * 1e9,
          CpuShares: Math.round(1024 * CPU),
          NetworkMode: join,
          IpcMode: join,
          RestartPolicy: { Name: 'always' },
        },
      });
      await started;
      await member.start();
    }),
  );
  await started;
  return performance.now() - t0;
}

interface CapsuleRow {
  uuid: string;
  status: string;
  status_reason: string | null;
  updated_at: string;
}

/** Service latency (from its own Running record) and what a client polling every POLL_MS sees. */
async function zunCapsule(i: number): Promise<{ service: number; observed: number }> {
  const t0 = performance.now();
  const wall0 = Date.now();
  const r = await api<CapsuleRow>('POST', '/v1/capsules/', { template: template(i) });
  if (r.status !== 202) throw new Error(`capsule create failed: ${r.status} ${JSON.stringify(r.body)}`);
  for (;;) {
    const c = (await api<CapsuleRow>('GET', `/v1/capsules/${r.body.uuid}`)).body;
    if (c.status === 'Running') {
      return { service: parsePyDate(c.updated_at) - wall0, observed: performance.now() - t0 };
    }
    if (c.status === 'Error') throw new Error(`capsule failed: ${c.status_reason}`);
    await sleep(POLL_MS);
  }
}

async function cleanup(): Promise<void> {
  const list = await api<{ capsules: { uuid: string }[] }>('GET', '/v1/capsules/?all_projects=1');
  await Promise.all(list.body.capsules.map((c) => api('DELETE', `/v1/capsules/${c.uuid}`)));
  for (let i = 0; i < 600; i++) {
    const left = await api<{ capsules: unknown[] }>('GET', '/v1/capsules/?all_projects=1');
    if (left.body.capsules.length === 0) break;
    await sleep(100);
  }
  const raws = await docker.listContainers({ all: true, filters: { label: ['zun-bench=raw'] } });
  // Members first: the sandbox owns the namespaces they are in.
  const sandboxes = raws.filter((c) => c.Image.includes('sandbox'));
  const members = raws.filter((c) => !c.Image.includes('sandbox'));
  await Promise.all(members.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  await Promise.all(sandboxes.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

const f = (n: number) => n.toFixed(1);

async function main(): Promise<void> {
  const loadStart = loadavg()[0];
  await login();
  await pull(IMAGE);
  await pull(SANDBOX_IMAGE);
  await cleanup();
  await ensureRawNetwork();
  // Warm-up: first runs pay for lazy initialisation on both sides (and the project network).
  for (let i = 0; i < 2; i++) {
    await rawCapsule();
    await zunCapsule(-1 - i);
  }
  await cleanup();

  const raw: number[] = [];
  const zun: number[] = [];
  const observed: number[] = [];
  // Capsules stay until the end of a round of 5, so both sides run beside the same load.
  for (let i = 0; i < ROUNDS; i++) {
    raw.push(await rawCapsule());
    const z = await zunCapsule(i);
    zun.push(z.service);
    observed.push(z.observed);
    if (i % 5 === 4) await cleanup();
  }
  await cleanup();

  const result = {
    date: new Date().toISOString(),
    // Other work on the machine slows both sides; the ratio is what compares.
    load_average_1m: { start: loadStart, end: loadavg()[0] },
    rounds: ROUNDS,
    members: MEMBERS,
    latency_ms: {
      raw: { median: median(raw), p90: pct(raw, 0.9) },
      zun: { median: median(zun), p90: pct(zun, 0.9) },
      zun_client_observed: { median: median(observed), p90: pct(observed, 0.9), poll_ms: POLL_MS },
      ratio_median: median(zun) / median(raw),
    },
    samples_ms: { raw, zun },
  };
  const l = result.latency_ms;
  process.stdout.write(
    [
      `capsule create -> Running (sandbox + ${MEMBERS} members, images on host); ${ROUNDS} interleaved rounds`,
      `                      raw engine     zun-ts     ratio (target)`,
      `latency median ms   ${f(l.raw.median).padStart(10)} ${f(l.zun.median).padStart(10)}     ${l.ratio_median.toFixed(3)} (<= 1.15)`,
      `latency p90 ms      ${f(l.raw.p90).padStart(10)} ${f(l.zun.p90).padStart(10)}`,
      `  observed by a client polling every ${POLL_MS} ms: median ${f(l.zun_client_observed.median)}, p90 ${f(l.zun_client_observed.p90)}`,
      `  load average (1 min) ${result.load_average_1m.start.toFixed(1)} at the start, ${result.load_average_1m.end.toFixed(1)} at the end`,
      '',
    ].join('\n'),
  );
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'capsule.json'), `${JSON.stringify(result, null, 2)}\n`);
  await docker
    .getNetwork(RAW_NETWORK)
    .remove()
    .catch(() => undefined);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
