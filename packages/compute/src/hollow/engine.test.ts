import { observeState } from '../docker/status';
import type { ContainerSpec } from '../docker/engine';
import { ContainerStatus } from '@zun/common';
import { HollowEngine } from './engine';
import { hollowFleetRefusal } from './fleet';

const spec = (name: string): ContainerSpec => ({
  name,
  image: '127.0.0.1:5000/busybox',
  cmd: ['sleep', '3600'],
  entrypoint: null,
  env: {},
  workdir: null,
  labels: { 'zun.host': 'hollow-0001' },
  tty: false,
  openStdin: false,
  hostname: null,
  memoryMiB: 64,
  cpu: 0.1,
  restartPolicy: null,
  autoRemove: false,
  runtime: null,
  privileged: false,
  exposedPorts: ['80/tcp'],
  healthcheck: null,
  diskGiB: null,
  network: 'zun-net',
});

describe('HollowEngine', () => {
  it('reports the shape it was given as the host', async () => {
    const info = await new HollowEngine({ cpus: 64, memoryMiB: 4096 }).info();
    expect(info).toMatchObject({ ncpu: 64, memTotalBytes: 4096 * 1024 * 1024, containers: 0 });
  });

  it('walks a container through created, running, stopped and removed as the agent reads it', async () => {
    const e = new HollowEngine({ cpus: 4, memoryMiB: 4096 });
    const id = await e.createContainer(spec('zun-a'));
    expect(observeState((await e.inspectContainer(id))!, ContainerStatus.Creating).status).toBe(
      ContainerStatus.Created,
    );
    await e.startContainer(id);
    const running = (await e.inspectContainer('zun-a'))!;
    expect(observeState(running, ContainerStatus.Created).status).toBe(ContainerStatus.Running);
    expect(running.NetworkSettings.Networks['zun-net'].IPAddress).toBeTruthy();
    expect(await e.networks.containers('zun-net')).toEqual([id]);
    expect((await e.info()).containersRunning).toBe(1);
    await e.stopContainer(id, null);
    expect(observeState((await e.inspectContainer(id))!, ContainerStatus.Running).status).toBe(
      ContainerStatus.Stopped,
    );
    await e.removeContainer(id, false);
    expect(await e.inspectContainer(id)).toBeNull();
    await expect(e.startContainer(id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses a taken name and a running container removed without force, as the engine does', async () => {
    const e = new HollowEngine({ cpus: 4, memoryMiB: 4096 });
    const id = await e.createContainer(spec('zun-b'));
    await expect(e.createContainer(spec('zun-b'))).rejects.toMatchObject({ statusCode: 409 });
    await e.startContainer(id);
    await expect(e.removeContainer(id, false)).rejects.toMatchObject({ statusCode: 409 });
    await e.removeContainer(id, true);
    expect(await e.listContainers(['zun.host=hollow-0001'])).toEqual([]);
  });
});

describe('hollow fleet switch', () => {
  it('is refused unless the benchmark sets ZUN_HOLLOW_FLEET=bench', () => {
    expect(hollowFleetRefusal({})).toMatch(/ZUN_HOLLOW_FLEET=bench/);
    expect(hollowFleetRefusal({ ZUN_HOLLOW_FLEET: '1' })).toMatch(/scale benchmarks only/);
    expect(hollowFleetRefusal({ ZUN_HOLLOW_FLEET: 'bench' })).toBeNull();
  });
});
