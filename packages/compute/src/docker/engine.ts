import type { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';
import type { PathStat, TopResult } from '@zun/common';
import type { DockerStatsSample } from './stats';
import { LogDemux } from './demux';
import { EngineError, isNotFound, isNotModified, toEngineError } from './errors';
import { DockerNetworks, DockerVolumes, type NetworkEngine, type VolumeEngine } from './resources';
import { DockerImageFiles, type ImageFileEngine } from './image-files';

/**
 * The small typed surface of the Docker engine that the agent uses. Everything goes through
 * here so the rest of the agent never sees dockerode; its errors become EngineErrors (./errors.ts).
 */
export interface EngineInfo {
  ncpu: number;
  memTotalBytes: number;
  architecture: string;
  osType: string;
  operatingSystem: string;
  kernelVersion: string;
  dockerRootDir: string;
  driver: string;
  runtimes: string[];
  labels: Record<string, string>;
  containers: number;
  containersRunning: number;
  containersPaused: number;
  containersStopped: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  cmd: string[] | null;
  entrypoint: string[] | null;
  env: Record<string, string>;
  workdir: string | null;
  labels: Record<string, string>;
  tty: boolean;
  openStdin: boolean;
  hostname: string | null;
  memoryMiB: number | null;
  cpu: number | null;
  restartPolicy: { Name: string; MaximumRetryCount: number } | null;
  autoRemove: boolean;
  runtime: string | null;
  privileged: boolean;
  /** `["80/tcp", "53/udp"]`: exposed and published on a host port the engine picks. */
  exposedPorts: string[];
  healthcheck: { test: string; intervalS?: number; retries?: number; timeoutS?: number } | null;
  diskGiB: number | null;
  /** Docker network the container is created on (further ones are connected afterwards). */
  network?: string | null;
  /**
   * A container whose network and IPC namespaces this one joins (a capsule member joining its
   * sandbox); such a container has no network, hostname or published ports of its own.
   */
  joinContainer?: string | null;
  /** `shareable`: other containers may join this one's IPC namespace (a capsule's sandbox). */
  ipcMode?: 'shareable' | null;
  mounts?: MountSpec[];
  /** Dedicated CPUs and their NUMA node's memory (cpu_policy=dedicated). */
  cpuset?: { cpus: number[]; mems: number } | null;
}

export interface MountSpec {
  type: 'volume' | 'bind';
  source: string;
  target: string;
  readOnly: boolean;
}

export interface LogOptions {
  stdout: boolean;
  stderr: boolean;
  timestamps: boolean;
  tail: number | 'all';
  since: number | null;
  /** Keep streaming what the container writes until it stops or the reader goes away. */
  follow?: boolean;
}

export type ContainerInspect = Docker.ContainerInspectInfo;
export type ImageInspect = Docker.ImageInspectInfo;

export interface EngineEvent {
  action: string;
  id: string;
  labels: Record<string, string>;
}

export interface EngineClient {
  readonly networks: NetworkEngine;
  readonly volumes: VolumeEngine;
  readonly imageFiles: ImageFileEngine;
  info(): Promise<EngineInfo>;
  inspectImage(ref: string): Promise<ImageInspect | null>;
  /** `auth` is sent as X-Registry-Auth; it is never logged. */
  pullImage(ref: string, auth?: PullAuth): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Waits on the engine until the container exits; its exit code. */
  waitContainer(id: string): Promise<number>;
  stopContainer(id: string, timeoutSeconds: number | null): Promise<void>;
  removeContainer(id: string, force: boolean): Promise<void>;
  restartContainer(id: string, timeoutSeconds: number | null): Promise<void>;
  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  /** `signal` null: the engine's default (SIGKILL). */
  killContainer(id: string, signal: string | null): Promise<void>;
  /** Live limits change; null leaves that limit as it is. */
  updateContainer(id: string, limits: { memoryMiB: number | null; cpu: number | null }): Promise<void>;
  inspectContainer(id: string): Promise<ContainerInspect | null>;
  listContainers(labels: string[]): Promise<Docker.ContainerInfo[]>;
  /**
   * The container's logs as a stream of text (stdout and stderr demultiplexed), read as the
   * engine sends them: however long the log, only a chunk at a time is held.
   */
  logStream(id: string, opts: LogOptions): Promise<Readable>;
  /** Told +1 when a followed log opens on the engine and -1 when that engine stream closes. */
  onFollow?: (delta: 1 | -1) => void;
  /** `ps` inside the container; psArgs null = Docker's default (-ef). */
  top(id: string, psArgs: string | null): Promise<TopResult>;
  /** One stats sample (Docker includes the previous reading as precpu_stats). */
  stats(id: string): Promise<DockerStatsSample>;
  /** A tar of `path` and its stat; an archive over maxBytes fails with statusCode 413. */
  getArchive(id: string, path: string, maxBytes: number): Promise<{ tar: Buffer; stat: PathStat }>;
  /** Extracts a tar into the existing directory `path`. */
  putArchive(id: string, path: string, tar: Buffer): Promise<void>;
  /** docker commit; `pause` freezes a running container while its filesystem is copied. */
  commitContainer(
    id: string,
    opts: { repository: string; tag: string; pause: boolean; labels: Record<string, string> },
  ): Promise<string>;
  /** `auth` is sent as X-Registry-Auth; it is never logged. */
  pushImage(repository: string, tag: string, auth?: PullAuth): Promise<void>;
  /** Points `repository:tag` at the image `id`. */
  tagImage(id: string, repository: string, tag: string): Promise<void>;
  /**
   * Removes an image or one of its names (`force` also when containers use it); false when it
   * was not there.
   */
  removeImage(ref: string, force?: boolean): Promise<boolean>;
  /** Streams container events with the given labels until the returned function is called. */
  subscribeEvents(
    labels: string[],
    actions: string[],
    onEvent: (e: EngineEvent) => void,
    onError: (err: Error) => void,
  ): () => void;
}

/** Credentials for the engine's X-Registry-Auth (dockerode's authconfig). */
export interface PullAuth {
  username: string;
  password: string;
  serveraddress: string;
}

const NS_PER_S = 1e9;

/** Zun's healthcheck (a shell command, seconds) in the engine's terms (argv form, nanoseconds). */
export function dockerHealthcheck(hc: NonNullable<ContainerSpec['healthcheck']>): {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
} {
  return {
    Test: ['CMD-SHELL', hc.test],
    // 0 means "inherit the default" to the engine, so zeros are simply not sent.
    ...(hc.intervalS ? { Interval: hc.intervalS * NS_PER_S } : {}),
    ...(hc.timeoutS ? { Timeout: hc.timeoutS * NS_PER_S } : {}),
    ...(hc.retries ? { Retries: hc.retries } : {}),
  };
}

/**
 * What every container we create gets, whoever asked for it: the host's protection against
 * one tenant's container (process count, log size) and where its ports may be reached.
 */
export interface EnginePolicy {
  /** Most processes and threads per container; -1 for none. */
  pidsLimit: number;
  /** json-file log rotation: size of one file (e.g. "20m") and files kept. */
  logMaxSize: string;
  logMaxFiles: number;
  /** Host address exposed ports are published on. */
  publishAddress: string;
}

export const DEFAULT_ENGINE_POLICY: EnginePolicy = {
  pidsLimit: 1024,
  logMaxSize: '20m',
  logMaxFiles: 5,
  publishAddress: '0.0.0.0',
};

export class DockerodeEngine implements EngineClient {
  private readonly docker: Docker;
  readonly networks: NetworkEngine;
  readonly volumes: VolumeEngine;
  readonly imageFiles: ImageFileEngine;
  onFollow?: (delta: 1 | -1) => void;

  constructor(
    socketPath: string,
    private readonly policy: EnginePolicy = DEFAULT_ENGINE_POLICY,
  ) {
    this.docker = new Docker({ socketPath });
    this.imageFiles = new DockerImageFiles(this.docker);
    this.networks = new DockerNetworks(this.docker);
    this.volumes = new DockerVolumes(this.docker);
  }

  async info(): Promise<EngineInfo> {
    const i = (await this.docker.info().catch((e: unknown) => {
      throw toEngineError(e);
    })) as Record<string, unknown>;
    const labels: Record<string, string> = {};
    for (const l of (i.Labels as string[] | null) ?? []) {
      const eq = l.indexOf('=');
      if (eq > 0) labels[l.slice(0, eq)] = l.slice(eq + 1);
    }
    return {
      ncpu: Number(i.NCPU),
      memTotalBytes: Number(i.MemTotal),
      architecture: String(i.Architecture ?? ''),
      osType: String(i.OSType ?? ''),
      operatingSystem: String(i.OperatingSystem ?? ''),
      kernelVersion: String(i.KernelVersion ?? ''),
      dockerRootDir: String(i.DockerRootDir ?? '/var/lib/docker'),
      driver: String(i.Driver ?? ''),
      runtimes: Object.keys((i.Runtimes as Record<string, unknown> | undefined) ?? { runc: {} }),
      labels,
      containers: Number(i.Containers ?? 0),
      containersRunning: Number(i.ContainersRunning ?? 0),
      containersPaused: Number(i.ContainersPaused ?? 0),
      containersStopped: Number(i.ContainersStopped ?? 0),
    };
  }

  async inspectImage(ref: string): Promise<ImageInspect | null> {
    try {
      return await this.docker.getImage(ref).inspect();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw toEngineError(err);
    }
  }

  async pullImage(ref: string, auth?: PullAuth): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.pull(ref, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
    } catch (err) {
      throw toEngineError(err);
    }
    await this.followProgress(stream);
  }

  /**
   * Reads a pull or push progress stream to its end. Errors after the HTTP 200 (e.g. a failing
   * layer download or upload) arrive inside the stream, not as a status code.
   */
  private followProgress(stream: NodeJS.ReadableStream): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
        const failed = events?.find((e) => e.error);
        if (err) reject(toEngineError(err));
        else if (failed) reject(new EngineError(String(failed.error), 500));
        else resolve();
      });
    });
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
    try {
      const c = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        ...(spec.cmd && spec.cmd.length ? { Cmd: spec.cmd } : {}),
        ...(spec.entrypoint && spec.entrypoint.length ? { Entrypoint: spec.entrypoint } : {}),
        Env: env,
        ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
        Labels: spec.labels,
        Tty: spec.tty,
        OpenStdin: spec.openStdin,
        AttachStdin: false,
        ...(spec.hostname ? { Hostname: spec.hostname } : {}),
        ...(spec.exposedPorts.length
          ? { ExposedPorts: Object.fromEntries(spec.exposedPorts.map((p) => [p, {}])) }
          : {}),
        ...(spec.healthcheck ? { Healthcheck: dockerHealthcheck(spec.healthcheck) } : {}),
        HostConfig: {
          ...(spec.memoryMiB ? { Memory: spec.memoryMiB * 1024 * 1024 } : {}),
          // Shares keep upstream's relative weighting; NanoCpus makes "cpu" a real ceiling.
          ...(spec.cpu
            ? { CpuShares: Math.round(1024 * spec.cpu), NanoCpus: Math.round(spec.cpu * 1e9) }
            : {}),
          ...(spec.restartPolicy ? { RestartPolicy: spec.restartPolicy } : {}),
          ...(spec.cpuset
            ? { CpusetCpus: spec.cpuset.cpus.join(','), CpusetMems: String(spec.cpuset.mems) }
            : {}),
          AutoRemove: spec.autoRemove,
          ...(spec.runtime ? { Runtime: spec.runtime } : {}),
          ...(spec.joinContainer
            ? { NetworkMode: `container:${spec.joinContainer}`, IpcMode: `container:${spec.joinContainer}` }
            : spec.network
              ? { NetworkMode: spec.network }
              : {}),
          ...(spec.ipcMode && !spec.joinContainer ? { IpcMode: spec.ipcMode } : {}),
          ...(spec.mounts?.length
            ? {
                Mounts: spec.mounts.map((m) => ({
                  Type: m.type,
                  Source: m.source,
                  Target: m.target,
                  ReadOnly: m.readOnly,
                })),
              }
            : {}),
          Privileged: spec.privileged,
          ...(this.policy.pidsLimit > 0 ? { PidsLimit: this.policy.pidsLimit } : {}),
          LogConfig: {
            Type: 'json-file',
            Config: { 'max-size': this.policy.logMaxSize, 'max-file': String(this.policy.logMaxFiles) },
          },
          // An empty HostPort lets the engine pick a free one, as `docker run -p 80` does; the
          // address is the policy's (without one, the engine publishes on every address, IPv6 too).
          ...(spec.exposedPorts.length
            ? {
                PortBindings: Object.fromEntries(
                  spec.exposedPorts.map((p) => [p, [{ HostIp: this.policy.publishAddress, HostPort: '' }]]),
                ),
              }
            : {}),
          ...(spec.diskGiB ? { StorageOpt: { size: `${spec.diskGiB}G` } } : {}),
        },
        ...(spec.network && !spec.joinContainer
          ? { NetworkingConfig: { EndpointsConfig: { [spec.network]: {} } } }
          : {}),
      });
      return c.id;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (!isNotModified(err)) throw toEngineError(err);
    }
  }

  async waitContainer(id: string): Promise<number> {
    try {
      const r = (await this.docker.getContainer(id).wait()) as { StatusCode: number };
      return r.StatusCode;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number | null): Promise<void> {
    try {
      await this.docker.getContainer(id).stop(timeoutSeconds === null ? {} : { t: timeoutSeconds });
    } catch (err) {
      if (!isNotModified(err)) throw toEngineError(err);
    }
  }

  async removeContainer(id: string, force: boolean): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force, v: true });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async restartContainer(id: string, timeoutSeconds: number | null): Promise<void> {
    try {
      await this.docker.getContainer(id).restart(timeoutSeconds === null ? {} : { t: timeoutSeconds });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async pauseContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).pause();
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async unpauseContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).unpause();
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async killContainer(id: string, signal: string | null): Promise<void> {
    try {
      await this.docker.getContainer(id).kill(signal === null ? {} : { signal });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async updateContainer(id: string, limits: { memoryMiB: number | null; cpu: number | null }): Promise<void> {
    try {
      await this.docker.getContainer(id).update({
        // Swap unlimited (upstream's default_memory_swap -1): a swap limit left from create
        // would otherwise refuse any memory limit above it.
        ...(limits.memoryMiB !== null ? { Memory: limits.memoryMiB * 1024 * 1024, MemorySwap: -1 } : {}),
        ...(limits.cpu !== null
          ? { CpuShares: Math.round(1024 * limits.cpu), NanoCpus: Math.round(limits.cpu * 1e9) }
          : {}),
      });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async inspectContainer(id: string): Promise<ContainerInspect | null> {
    try {
      return await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw toEngineError(err);
    }
  }

  async listContainers(labels: string[]): Promise<Docker.ContainerInfo[]> {
    try {
      return await this.docker.listContainers({ all: true, filters: { label: labels } });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async logStream(id: string, opts: LogOptions): Promise<Readable> {
    // A followed log may pause after a few bytes ("hi\n" of a TTY container): whether the
    // stream is framed must be known, not guessed from its first 8 bytes, or they would wait.
    const framed = opts.follow ? !(await this.inspectContainer(id))?.Config.Tty : undefined;
    // dockerode buffers a whole log unless it follows; dialled directly, the engine's answer is
    // a stream even without following.
    const raw = await new Promise<Readable>((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: `/containers/${encodeURIComponent(id)}/logs?`,
          method: 'GET',
          options: {
            follow: opts.follow === true,
            stdout: opts.stdout,
            stderr: opts.stderr,
            timestamps: opts.timestamps,
            ...(opts.tail === 'all' ? {} : { tail: opts.tail }),
            ...(opts.since === null ? {} : { since: opts.since }),
          },
          isStream: true,
          statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
        },
        (err: unknown, stream: unknown) => (err ? reject(toEngineError(err)) : resolve(stream as Readable)),
      );
    });
    if (opts.follow) {
      this.onFollow?.(1);
      raw.once('close', () => this.onFollow?.(-1));
    }
    const out = new LogDemux(framed);
    raw.on('error', (err) => out.destroy(toEngineError(err)));
    // pipe() never passes a destroy upstream: a reader that goes away must close the engine's
    // stream itself, or a followed log stays open on the engine for as long as the container runs.
    out.once('close', () => raw.destroy());
    return raw.pipe(out);
  }

  async top(id: string, psArgs: string | null): Promise<TopResult> {
    try {
      return (await this.docker
        .getContainer(id)
        .top(psArgs === null ? {} : { ps_args: psArgs })) as TopResult;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async stats(id: string): Promise<DockerStatsSample> {
    try {
      return (await this.docker.getContainer(id).stats({ stream: false })) as DockerStatsSample;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async getArchive(id: string, path: string, maxBytes: number): Promise<{ tar: Buffer; stat: PathStat }> {
    let res: IncomingMessage;
    try {
      res = (await this.docker.getContainer(id).getArchive({ path })) as unknown as IncomingMessage;
    } catch (err) {
      throw toEngineError(err);
    }
    const header = res.headers['x-docker-container-path-stat'];
    const stat = JSON.parse(Buffer.from(String(header ?? ''), 'base64').toString('utf8') || '{}') as PathStat;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          res.destroy();
          throw new EngineError(`The archive of ${path} is larger than ${maxBytes} bytes.`, 413);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      throw toEngineError(err);
    }
    return { tar: Buffer.concat(chunks), stat };
  }

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    try {
      await this.docker.getContainer(id).putArchive(tar, { path });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async commitContainer(
    id: string,
    opts: { repository: string; tag: string; pause: boolean; labels: Record<string, string> },
  ): Promise<string> {
    try {
      // Query and body spelled out: dockerode would otherwise send the query as the body too.
      const res = (await this.docker.getContainer(id).commit({
        _query: { container: id, repo: opts.repository, tag: opts.tag, pause: opts.pause },
        _body: { Labels: opts.labels },
      })) as { Id: string };
      return res.Id;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async pushImage(repository: string, tag: string, auth?: PullAuth): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      // The engine insists on an X-Registry-Auth header even for registries without auth.
      stream = (await this.docker
        .getImage(repository)
        .push({ tag, authconfig: auth ?? {} })) as NodeJS.ReadableStream;
    } catch (err) {
      throw toEngineError(err);
    }
    await this.followProgress(stream);
  }

  async tagImage(id: string, repository: string, tag: string): Promise<void> {
    try {
      await this.docker.getImage(id).tag({ repo: repository, tag });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async removeImage(ref: string, force = false): Promise<boolean> {
    try {
      await this.docker.getImage(ref).remove({ force });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw toEngineError(err);
    }
  }

  subscribeEvents(
    labels: string[],
    actions: string[],
    onEvent: (e: EngineEvent) => void,
    onError: (err: Error) => void,
  ): () => void {
    let stream: NodeJS.ReadableStream & { destroy?: () => void } = null as never;
    let closed = false;
    this.docker.getEvents({ filters: { type: ['container'], label: labels, event: actions } }, (err, s) => {
      if (err || !s) {
        onError(toEngineError(err));
        return;
      }
      stream = s as typeof stream;
      if (closed) stream.destroy?.();
      let pending = '';
      s.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line) continue;
          try {
            const ev = JSON.parse(line) as {
              Action?: string;
              id?: string;
              Actor?: { Attributes?: Record<string, string> };
            };
            onEvent({ action: ev.Action ?? '', id: ev.id ?? '', labels: ev.Actor?.Attributes ?? {} });
          } catch {
            // A malformed event line is skipped; the periodic reconcile covers anything missed.
          }
        }
      });
      s.on('error', (e: Error) => !closed && onError(toEngineError(e)));
      s.on('end', () => !closed && onError(new Error('docker event stream ended')));
    });
    return () => {
      closed = true;
      stream?.destroy?.();
    };
  }
}
