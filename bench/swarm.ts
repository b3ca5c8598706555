/**
 * zun-ts vs. Docker Swarm on the same engine: `docker service create` until its task runs, and a
 * service scaled 0 -> 20 until all 20 run, against our create -> Running and 20 creates at once.
 * Both sides are watched the same way, by a client polling every 50 ms. `npm run bench -- swarm`
 * (scripts/bench.sh) starts a separate engine (scripts/engines.sh), makes it a one-node swarm, and
 * points a second zun-compute at it; our containers are created on that host (`host`, admin), so
 * both sides use the same engine. The swarm is left at the end. Never run against an engine others
 * use: `swarm init` changes it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { api, login } from './api-client';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const SOCKET = process.env.BENCH_SWARM_SOCKET ?? '';
const HOST = process.env.BENCH_SWARM_HOST ?? '';
const ADVERTISE = process.env.BENCH_SWARM_ADVERTISE ?? '127.0.0.1';
const SINGLE_ROUNDS = Number(process.env.BENCH_SWARM_ROUNDS ?? 8);
const SCALE_ROUNDS = Number(process.env.BENCH_SWARM_SCALE_ROUNDS ?? 3);
const SCALE = 20;
const POLL_MS = 50;
const SPEC = { cpu: 0.1, memory: 32, cmd: ['sleep', '300'] };
const docker = new Docker({ socketPath: SOCKET });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function runningTasks(serviceId: string): Promise<number> {
  const tasks = await docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) });
  return tasks.filter((t: { Status?: { State?: string } }) => t.Status?.State === 'running').length;
}

async function createService(replicas: number): Promise<string> {
  const s = await docker.createService({
    Name: `zun-bench-${Date.now()}`,
    Labels: { 'zun-bench': 'swarm' },
    TaskTemplate: {
      ContainerSpec: { Image: IMAGE, Command: SPEC.cmd },
      Resources: { Limits: { NanoCPUs: SPEC.cpu * 1e9, MemoryBytes: SPEC.memory * 1024 * 1024 } },
      RestartPolicy: { Condition: 'none' },
    },
    Mode: { Replicated: { Replicas: replicas } },
  });
  return (s as { id?: string; ID?: string }).id ?? (s as { ID: string }).ID;
}

async function removeService(id: string): Promise<void> {
  await docker.getService(id).remove();
  // Its containers go asynchronously; wait so the next measurement has the engine to itself.
  for (let i = 0; i < 600; i++) {
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`com.docker.swarm.service.id=${id}`] },
    });
    if (left.length === 0) return;
    await sleep(100);
  }
}

async function waitRunning(id: string, n: number): Promise<void> {
  while ((await runningTasks(id)) < n) await sleep(POLL_MS);
}

async function swarmSingle(): Promise<number> {
  const t0 = performance.now();
  const id = await createService(1);
  await waitRunning(id, 1);
  const ms = performance.now() - t0;
  await removeService(id);
  return ms;
}

async function swarmScale(): Promise<number> {
  const id = await createService(0);
  const svc = docker.getService(id);
  const info = (await svc.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
  const t0 = performance.now();
  await svc.update({ ...info.Spec, version: info.Version.Index, Mode: { Replicated: { Replicas: SCALE } } });
  await waitRunning(id, SCALE);
  const ms = performance.now() - t0;
  await removeService(id);
  return ms;
}

async function zunRun(): Promise<number> {
  const t0 = performance.now();
  const r = await api<{ uuid: string }>('POST', '/v1/containers?run=true', {
    image: IMAGE,
    command: SPEC.cmd,
    cpu: SPEC.cpu,
    memory: SPEC.memory,
    host: HOST,
    image_pull_policy: 'ifnotpresent',
    labels: { 'zun-bench': 'swarm' },
  });
  if (r.status !== 202) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  for (;;) {
    const s = await api<{ status: string; status_reason: string }>('GET', `/v1/containers/${r.body.uuid}`);
    if (s.body.status === 'Running') return performance.now() - t0;
    if (s.body.status === 'Error') throw new Error(`container failed: ${s.body.status_reason}`);
    await sleep(POLL_MS);
  }
}

async function zunCleanup(): Promise<void> {
  const list = await api<{ containers: { uuid: string }[] }>('GET', '/v1/containers?all_projects=1');
  await Promise.all(list.body.containers.map((c) => api('DELETE', `/v1/containers/${c.uuid}?force=True`)));
  for (let i = 0; i < 600; i++) {
    const left = await api<{ containers: unknown[] }>('GET', '/v1/containers?all_projects=1');
    if (left.body.containers.length === 0) return;
    await sleep(100);
  }
}

async function zunSingle(): Promise<number> {
  const ms = await zunRun();
  await zunCleanup();
  return ms;
}

async function zunScale(): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: SCALE }, () => zunRun()));
  const ms = performance.now() - t0;
  await zunCleanup();
  return ms;
}

async function main(): Promise<void> {
  if (!SOCKET || !HOST) throw new Error('BENCH_SWARM_SOCKET and BENCH_SWARM_HOST are required');
  await login();
  await docker
    .pull(IMAGE)
    .then((s) => new Promise((res) => docker.modem.followProgress(s as NodeJS.ReadableStream, res)));
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  if (info.Swarm?.LocalNodeState !== 'active')
    await docker.swarmInit({ ListenAddr: ADVERTISE, AdvertiseAddr: ADVERTISE });
  await zunCleanup();
  // Warm-up of both (our project network on that host, swarm's first task).
  await swarmSingle();
  await zunSingle();

  const single = { swarm: [] as number[], zun: [] as number[] };
  for (let i = 0; i < SINGLE_ROUNDS; i++) {
    single.swarm.push(await swarmSingle());
    single.zun.push(await zunSingle());
  }
  const scale = { swarm: [] as number[], zun: [] as number[] };
  for (let i = 0; i < SCALE_ROUNDS; i++) {
    scale.swarm.push(await swarmScale());
    scale.zun.push(await zunScale());
  }
  await docker.swarmLeave({ force: true });

  const result = {
    date: new Date().toISOString(),
    poll_ms: POLL_MS,
    single_ms: { swarm: median(single.swarm), zun: median(single.zun), runs: SINGLE_ROUNDS },
    scale_0_to_20_ms: { swarm: median(scale.swarm), zun: median(scale.zun), runs: SCALE_ROUNDS },
    speedup: {
      single: median(single.swarm) / median(single.zun),
      scale_0_to_20: median(scale.swarm) / median(scale.zun),
    },
    samples: { single, scale },
  };
  const f = (n: number) => n.toFixed(0).padStart(8);
  process.stdout.write(
    [
      `zun-ts vs Docker Swarm on the same engine (${SOCKET}), clients polling every ${POLL_MS} ms`,
      `                              swarm    zun-ts   speed-up (target >= 1.8)`,
      `one container, median ms  ${f(result.single_ms.swarm)}  ${f(result.single_ms.zun)}   ${result.speedup.single.toFixed(2)}`,
      `0 -> ${SCALE} running, median ms  ${f(result.scale_0_to_20_ms.swarm)}  ${f(result.scale_0_to_20_ms.zun)}   ${result.speedup.scale_0_to_20.toFixed(2)}`,
      '',
    ].join('\n'),
  );
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'swarm.json'), `${JSON.stringify(result, null, 2)}\n`);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  await docker.swarmLeave({ force: true }).catch(() => undefined);
  process.exit(1);
});
