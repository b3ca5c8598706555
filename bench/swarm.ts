/**
 * zun-ts vs. Docker Swarm on the same engine: `docker service create` until its task runs, and a
 * service scaled 0 -> 20 until all 20 run, against our create -> Running and 20 creates at once.
 * Both sides are watched by clients polling every 50 ms: for one container, its task or its row;
 * for 20, Swarm's task list (one poller) against our 20 rows, each with its own poller (as
 * scripts and consoles do) and, like Swarm's side, one poller of the container list.
 * Our side is measured a third way too: each create waited for with the long-poll
 * (`GET /v1/containers/<uuid>?wait_for_status_change=`), the service's own way to wait.
 * Swarm runs each case twice: a service without networks (its tasks on the engine's default
 * bridge, less work than ours) and one on a swarm-scoped bridge network (a user-defined bridge
 * per task, the same work as ours: zun-ts puts every container on its project's network).
 * `npm run bench -- swarm`
 * (scripts/bench.sh) starts a separate engine (scripts/engines.sh), makes it a one-node swarm, and
 * points a second zun-compute at it; our containers are created on that host (`host`, admin), so
 * both sides use the same engine. The swarm is left at the end. Never run against an engine others
 * use: `swarm init` changes it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { api, login } from './api-client';
import { median, sleep } from './stats';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const SOCKET = process.env.BENCH_SWARM_SOCKET ?? '';
const HOST = process.env.BENCH_SWARM_HOST ?? '';
const ADVERTISE = process.env.BENCH_SWARM_ADVERTISE ?? '127.0.0.1';
const SINGLE_ROUNDS = Number(process.env.BENCH_SWARM_ROUNDS ?? 8);
const SCALE_ROUNDS = Number(process.env.BENCH_SWARM_SCALE_ROUNDS ?? 3);
const SCALE = 20;
const POLL_MS = 50;
const SPEC = { cpu: 0.1, memory: 32, cmd: ['sleep', '300'] };
const SWARM_NETWORK = 'zun-bench-swarm';
const docker = new Docker({ socketPath: SOCKET });

async function runningTasks(serviceId: string): Promise<number> {
  const tasks = await docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) });
  return tasks.filter((t: { Status?: { State?: string } }) => t.Status?.State === 'running').length;
}

/** Swarm's side: without networks (default bridge) or on a swarm-scoped bridge network. */
type SwarmNet = 'bridge' | 'network';

async function createService(replicas: number, net: SwarmNet): Promise<string> {
  const s = await docker.createService({
    Name: `zun-bench-${Date.now()}`,
    Labels: { 'zun-bench': 'swarm' },
    TaskTemplate: {
      ContainerSpec: { Image: IMAGE, Command: SPEC.cmd },
      ...(net === 'network' ? { Networks: [{ Target: SWARM_NETWORK }] } : {}),
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

/** The networks the engine gave a service's task container (what Swarm's side really did). */
async function taskNetworks(serviceId: string): Promise<string[]> {
  const [c] = await docker.listContainers({
    filters: { label: [`com.docker.swarm.service.id=${serviceId}`] },
  });
  return c ? Object.keys(c.NetworkSettings?.Networks ?? {}) : [];
}
const seenNetworks: Record<SwarmNet, string[]> = { bridge: [], network: [] };

async function swarmSingle(net: SwarmNet): Promise<number> {
  const t0 = performance.now();
  const id = await createService(1, net);
  await waitRunning(id, 1);
  const ms = performance.now() - t0;
  seenNetworks[net] = await taskNetworks(id);
  await removeService(id);
  return ms;
}

async function swarmScale(net: SwarmNet): Promise<number> {
  const id = await createService(0, net);
  const svc = docker.getService(id);
  const t0 = performance.now();
  // Swarm may bump the new service's version between our read and our update ("update out of
  // sequence", a 500): read it again and retry.
  for (let attempt = 1; ; attempt++) {
    const info = (await svc.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    try {
      await svc.update({
        ...info.Spec,
        version: info.Version.Index,
        Mode: { Replicated: { Replicas: SCALE } },
      });
      break;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 500 || attempt === 3) throw err;
    }
  }
  await waitRunning(id, SCALE);
  const ms = performance.now() - t0;
  await removeService(id);
  return ms;
}

async function zunCreate(): Promise<{ uuid: string; t0: number }> {
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
  return { uuid: r.body.uuid, t0 };
}

async function zunRun(): Promise<number> {
  const { uuid, t0 } = await zunCreate();
  for (;;) {
    const s = await api<{ status: string; status_reason: string }>('GET', `/v1/containers/${uuid}`);
    if (s.body.status === 'Running') return performance.now() - t0;
    if (s.body.status === 'Error') throw new Error(`container failed: ${s.body.status_reason}`);
    await sleep(POLL_MS);
  }
}

/** Create -> Running, waited for with the long-poll instead of polling. */
async function zunRunLongPoll(): Promise<number> {
  const { uuid, t0 } = await zunCreate();
  let status = 'Creating';
  for (;;) {
    const s = await api<{ status: string; status_reason: string }>(
      'GET',
      `/v1/containers/${uuid}?wait_for_status_change=${status}`,
    );
    if (s.body.status === 'Running') return performance.now() - t0;
    if (s.body.status === 'Error') throw new Error(`container failed: ${s.body.status_reason}`);
    status = s.body.status;
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

async function zunSingle(run = zunRun): Promise<number> {
  const ms = await run();
  await zunCleanup();
  return ms;
}

async function zunScale(run = zunRun): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: SCALE }, () => run()));
  const ms = performance.now() - t0;
  await zunCleanup();
  return ms;
}

/** 20 creates at once, watched as Swarm's side is: one client polling the list every 50 ms. */
async function zunScaleListed(): Promise<number> {
  const t0 = performance.now();
  const uuids = new Set(
    (await Promise.all(Array.from({ length: SCALE }, () => zunCreate()))).map((c) => c.uuid),
  );
  for (;;) {
    const list = await api<{ containers: { uuid: string; status: string; status_reason: string }[] }>(
      'GET',
      '/v1/containers?all_projects=1',
    );
    const ours = list.body.containers.filter((c) => uuids.has(c.uuid));
    const failed = ours.find((c) => c.status === 'Error');
    if (failed) throw new Error(`container failed: ${failed.status_reason}`);
    if (ours.filter((c) => c.status === 'Running').length === SCALE) break;
    await sleep(POLL_MS);
  }
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
  const nets = await docker.listNetworks({ filters: { name: [SWARM_NETWORK] } });
  if (!nets.some((n) => n.Name === SWARM_NETWORK))
    await docker.createNetwork({ Name: SWARM_NETWORK, Driver: 'bridge', Scope: 'swarm', Attachable: true });
  // Warm-up of every side (our project network on that host, swarm's first tasks).
  await swarmSingle('bridge');
  await swarmSingle('network');
  await zunSingle();

  // Sides interleaved within each round, so each sees the same machine.
  const single = {
    swarm: [] as number[],
    swarm_network: [] as number[],
    zun: [] as number[],
    zun_longpoll: [] as number[],
  };
  for (let i = 0; i < SINGLE_ROUNDS; i++) {
    single.swarm.push(await swarmSingle('bridge'));
    single.swarm_network.push(await swarmSingle('network'));
    single.zun.push(await zunSingle());
    single.zun_longpoll.push(await zunSingle(zunRunLongPoll));
  }
  const scale = {
    swarm: [] as number[],
    swarm_network: [] as number[],
    zun: [] as number[],
    zun_listed: [] as number[],
    zun_longpoll: [] as number[],
  };
  for (let i = 0; i < SCALE_ROUNDS; i++) {
    scale.swarm.push(await swarmScale('bridge'));
    scale.swarm_network.push(await swarmScale('network'));
    scale.zun.push(await zunScale());
    scale.zun_listed.push(await zunScaleListed());
    scale.zun_longpoll.push(await zunScale(zunRunLongPoll));
  }
  await docker.swarmLeave({ force: true });

  const m = <K extends string>(o: Record<K, number[]>): Record<K, number> =>
    Object.fromEntries(Object.entries<number[]>(o).map(([k, v]) => [k, median(v)])) as Record<K, number>;
  const s1 = m(single);
  const s20 = m(scale);
  const result = {
    date: new Date().toISOString(),
    poll_ms: POLL_MS,
    swarm_task_networks: seenNetworks,
    single_ms: { ...s1, runs: SINGLE_ROUNDS },
    scale_0_to_20_ms: { ...s20, runs: SCALE_ROUNDS },
    // Swarm's time over ours: >= 1.8 is the target.
    speedup: {
      single: s1.swarm / s1.zun,
      single_same_work: s1.swarm_network / s1.zun,
      scale_0_to_20: s20.swarm / s20.zun,
      scale_0_to_20_same_work: s20.swarm_network / s20.zun,
      scale_0_to_20_listed: s20.swarm / s20.zun_listed,
      scale_0_to_20_listed_same_work: s20.swarm_network / s20.zun_listed,
      single_longpoll: s1.swarm / s1.zun_longpoll,
      single_longpoll_same_work: s1.swarm_network / s1.zun_longpoll,
      scale_0_to_20_longpoll: s20.swarm / s20.zun_longpoll,
      scale_0_to_20_longpoll_same_work: s20.swarm_network / s20.zun_longpoll,
    },
    samples: { single, scale },
  };
  const f = (n: number) => n.toFixed(0).padStart(8);
  const x = (n: number) => n.toFixed(2).padStart(6);
  process.stdout.write(
    [
      `zun-ts vs Docker Swarm on the same engine (${SOCKET}), clients polling every ${POLL_MS} ms`,
      `swarm tasks' networks: ${JSON.stringify(seenNetworks)}`,
      `median ms                    swarm  swarm+net    zun-ts  speed-up (swarm, swarm+net; target >= 1.8)`,
      `one container             ${f(s1.swarm)}   ${f(s1.swarm_network)}  ${f(s1.zun)}  ${x(result.speedup.single)} ${x(result.speedup.single_same_work)}`,
      `0 -> ${SCALE}, a poller each     ${f(s20.swarm)}   ${f(s20.swarm_network)}  ${f(s20.zun)}  ${x(result.speedup.scale_0_to_20)} ${x(result.speedup.scale_0_to_20_same_work)}`,
      `0 -> ${SCALE}, one list poller   ${f(s20.swarm)}   ${f(s20.swarm_network)}  ${f(s20.zun_listed)}  ${x(result.speedup.scale_0_to_20_listed)} ${x(result.speedup.scale_0_to_20_listed_same_work)}`,
      `one container, long-poll  ${f(s1.swarm)}   ${f(s1.swarm_network)}  ${f(s1.zun_longpoll)}  ${x(result.speedup.single_longpoll)} ${x(result.speedup.single_longpoll_same_work)}`,
      `0 -> ${SCALE}, long-poll each    ${f(s20.swarm)}   ${f(s20.swarm_network)}  ${f(s20.zun_longpoll)}  ${x(result.speedup.scale_0_to_20_longpoll)} ${x(result.speedup.scale_0_to_20_longpoll_same_work)}`,
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
