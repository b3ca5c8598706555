import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { PathStat, TopResult } from '@zun/common';
import type {
  ContainerInspect,
  ContainerSpec,
  EngineClient,
  EngineEvent,
  EngineInfo,
  ImageInspect,
  LogOptions,
} from '../docker/engine';
import { EngineError } from '../docker/errors';
import type { ImageFileEngine } from '../docker/image-files';
import type { NetworkEngine, NetworkInspect, VolumeEngine, VolumeInspect } from '../docker/resources';
import type { DockerStatsSample } from '../docker/stats';

/**
 * A simulated Docker engine held in memory, for scale benchmarks of the control plane only
 * (see ./fleet.ts): containers are records that "run" at once and never exit, images are
 * present as soon as they are named, networks and volumes are names. It answers the same typed
 * interface as the real driver, with the real driver's error statuses (404, 409), so the agent's
 * code above it runs unchanged. Nothing here touches a real engine or the host.
 */
export interface HollowShape {
  cpus: number;
  memoryMiB: number;
}

interface HollowContainer {
  id: string;
  name: string;
  spec: ContainerSpec;
  created: string;
  startedAt: string;
  finishedAt: string;
  running: boolean;
  paused: boolean;
  exitCode: number;
  networks: Set<string>;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function notFound(what: string): EngineError {
  return new EngineError(`No such ${what}`, 404);
}

/** Network and image ids follow from the name, so hosts of one process agree on them. */
function idOf(kind: string, name: string): string {
  return createHash('sha256').update(`${kind}:${name}`).digest('hex');
}

function labelsMatch(labels: Record<string, string>, filters: string[]): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

class HollowNetworks implements NetworkEngine {
  readonly byName = new Map<string, NetworkInspect>();

  constructor(private readonly containersOn: (name: string) => string[]) {}

  async inspect(nameOrId: string): Promise<NetworkInspect | null> {
    return this.byName.get(nameOrId) ?? [...this.byName.values()].find((n) => n.Id === nameOrId) ?? null;
  }

  async ensure(name: string, labels: Record<string, string>): Promise<NetworkInspect> {
    const existing = this.byName.get(name);
    if (existing) return existing;
    const net = { Name: name, Id: idOf('network', name), Driver: 'bridge', Labels: labels } as NetworkInspect;
    this.byName.set(name, net);
    return net;
  }

  async list(labels: string[]): Promise<NetworkInspect[]> {
    return [...this.byName.values()].filter((n) => labelsMatch(n.Labels ?? {}, labels));
  }

  async remove(id: string): Promise<void> {
    for (const [name, n] of this.byName) if (n.Id === id || name === id) this.byName.delete(name);
  }

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {}

  async containers(networkName: string): Promise<string[]> {
    return this.containersOn(networkName);
  }
}

class HollowVolumes implements VolumeEngine {
  private readonly volumes = new Map<string, VolumeInspect>();

  async ensure(name: string, labels: Record<string, string>): Promise<VolumeInspect> {
    const v = this.volumes.get(name) ?? ({ Name: name, Driver: 'local', Labels: labels } as VolumeInspect);
    this.volumes.set(name, v);
    return v;
  }

  async list(labels: string[]): Promise<VolumeInspect[]> {
    return [...this.volumes.values()].filter((v) => labelsMatch(v.Labels ?? {}, labels));
  }

  async remove(name: string): Promise<void> {
    this.volumes.delete(name);
  }
}

class NoImageFiles implements ImageFileEngine {
  load(): Promise<string> {
    return Promise.reject(new EngineError('a hollow engine loads no image files', 501));
  }
  save(): Promise<Readable> {
    return Promise.reject(new EngineError('a hollow engine saves no image files', 501));
  }
  async tag(): Promise<void> {}
  async remove(): Promise<void> {}
}

export class HollowEngine implements EngineClient {
  readonly networks: HollowNetworks;
  readonly volumes = new HollowVolumes();
  readonly imageFiles = new NoImageFiles();
  private readonly containers = new Map<string, HollowContainer>();
  private readonly names = new Map<string, string>();

  constructor(private readonly shape: HollowShape) {
    this.networks = new HollowNetworks((name) =>
      [...this.containers.values()].filter((c) => c.networks.has(name)).map((c) => c.id),
    );
  }

  async info(): Promise<EngineInfo> {
    const all = [...this.containers.values()];
    const running = all.filter((c) => c.running && !c.paused).length;
    const paused = all.filter((c) => c.paused).length;
    return {
      ncpu: this.shape.cpus,
      memTotalBytes: this.shape.memoryMiB * 1024 * 1024,
      architecture: 'x86_64',
      osType: 'linux',
      operatingSystem: 'hollow',
      kernelVersion: 'hollow',
      dockerRootDir: '/',
      driver: 'hollow',
      runtimes: ['runc'],
      labels: {},
      containers: all.length,
      containersRunning: running,
      containersPaused: paused,
      containersStopped: all.length - running - paused,
    };
  }

  async inspectImage(ref: string): Promise<ImageInspect | null> {
    return { Id: `sha256:${idOf('image', ref)}`, Size: 1 << 20, RepoTags: [ref], Config: {} } as ImageInspect;
  }

  async pullImage(): Promise<void> {}

  async createContainer(spec: ContainerSpec): Promise<string> {
    if (this.names.has(spec.name)) throw new EngineError(`Conflict. The name "/${spec.name}" is in use`, 409);
    const id = randomBytes(32).toString('hex');
    this.containers.set(id, {
      id,
      name: spec.name,
      spec,
      created: new Date().toISOString(),
      startedAt: ZERO_TIME,
      finishedAt: ZERO_TIME,
      running: false,
      paused: false,
      exitCode: 0,
      networks: new Set(spec.network ? [spec.network] : []),
    });
    this.names.set(spec.name, id);
    return id;
  }

  private get(id: string): HollowContainer {
    const byName = this.names.get(id);
    const c = this.containers.get(byName ?? id);
    if (!c) throw notFound(`container: ${id}`);
    return c;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    c.running = true;
    c.startedAt = new Date().toISOString();
  }

  /** Hollow containers never exit on their own: the wait ends when one is stopped or removed. */
  async waitContainer(id: string): Promise<number> {
    const c = this.get(id);
    return c.running ? new Promise<number>(() => undefined) : c.exitCode;
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.get(id);
    if (!c.running) throw new EngineError('container already stopped', 304);
    c.running = false;
    c.paused = false;
    c.exitCode = 0;
    c.finishedAt = new Date().toISOString();
  }

  async removeContainer(id: string, force: boolean): Promise<void> {
    const c = this.get(id);
    if (c.running && !force) throw new EngineError('You cannot remove a running container', 409);
    this.containers.delete(c.id);
    this.names.delete(c.name);
  }

  async restartContainer(id: string): Promise<void> {
    const c = this.get(id);
    c.running = true;
    c.paused = false;
    c.startedAt = new Date().toISOString();
  }

  async pauseContainer(id: string): Promise<void> {
    this.get(id).paused = true;
  }

  async unpauseContainer(id: string): Promise<void> {
    this.get(id).paused = false;
  }

  async killContainer(id: string): Promise<void> {
    const c = this.get(id);
    c.running = false;
    c.exitCode = 137;
    c.finishedAt = new Date().toISOString();
  }

  async updateContainer(id: string, limits: { memoryMiB: number | null; cpu: number | null }): Promise<void> {
    const c = this.get(id);
    if (limits.memoryMiB !== null) c.spec.memoryMiB = limits.memoryMiB;
    if (limits.cpu !== null) c.spec.cpu = limits.cpu;
  }

  async inspectContainer(id: string): Promise<ContainerInspect | null> {
    const byName = this.names.get(id);
    const c = this.containers.get(byName ?? id);
    if (!c) return null;
    const networks: Record<string, Docker.NetworkInfo> = {};
    for (const n of c.networks) {
      networks[n] = {
        NetworkID: idOf('network', n),
        EndpointID: c.running ? idOf('endpoint', `${c.id}${n}`) : '',
        IPAddress: c.running ? '10.0.0.2' : '',
      } as Docker.NetworkInfo;
    }
    return {
      Id: c.id,
      Name: `/${c.name}`,
      Created: c.created,
      State: {
        Status: c.paused
          ? 'paused'
          : c.running
            ? 'running'
            : c.startedAt === ZERO_TIME
              ? 'created'
              : 'exited',
        Running: c.running,
        Paused: c.paused,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: c.running ? 1 : 0,
        ExitCode: c.exitCode,
        Error: '',
        StartedAt: c.startedAt,
        FinishedAt: c.finishedAt,
      },
      Config: {
        Hostname: c.spec.hostname ?? c.id.slice(0, 12),
        Labels: c.spec.labels,
        ExposedPorts: Object.fromEntries(c.spec.exposedPorts.map((p) => [p, {}])),
      },
      HostConfig: { Runtime: c.spec.runtime ?? 'runc' },
      NetworkSettings: { Networks: networks },
    } as unknown as ContainerInspect;
  }

  async listContainers(labels: string[]): Promise<Docker.ContainerInfo[]> {
    return [...this.containers.values()]
      .filter((c) => labelsMatch(c.spec.labels, labels))
      .map(
        (c) =>
          ({
            Id: c.id,
            Names: [`/${c.name}`],
            Labels: c.spec.labels,
            State: c.paused ? 'paused' : c.running ? 'running' : 'exited',
          }) as Docker.ContainerInfo,
      );
  }

  async logStream(id: string, _opts: LogOptions): Promise<Readable> {
    this.get(id);
    return Readable.from([]);
  }

  async top(id: string): Promise<TopResult> {
    this.get(id);
    return { Titles: ['PID', 'CMD'], Processes: [] };
  }

  async stats(id: string): Promise<DockerStatsSample> {
    this.get(id);
    throw new EngineError('a hollow engine keeps no statistics', 501);
  }

  async getArchive(id: string): Promise<{ tar: Buffer; stat: PathStat }> {
    this.get(id);
    throw new EngineError('a hollow container has no files', 404);
  }

  async putArchive(id: string): Promise<void> {
    this.get(id);
    throw new EngineError('a hollow container has no files', 404);
  }

  async commitContainer(): Promise<string> {
    throw new EngineError('a hollow engine commits nothing', 501);
  }

  async pushImage(): Promise<void> {
    throw new EngineError('a hollow engine pushes nothing', 501);
  }

  async tagImage(): Promise<void> {}

  async removeImage(): Promise<boolean> {
    return true;
  }

  /** State changes come only from the agent itself here, so there is nothing to report. */
  subscribeEvents(
    _labels: string[],
    _actions: string[],
    _onEvent: (e: EngineEvent) => void,
    _onError: (err: Error) => void,
  ): () => void {
    return () => undefined;
  }
}
