import { Duplex, PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { demuxLogs } from './demux';
import { isNotFound, toEngineError } from './errors';

/**
 * The engine's interactive surface: attach and exec streams (hijacked HTTP connections on the
 * local socket, never exposed) and TTY resizes. Kept apart from EngineClient so the task paths
 * stay small; errors are classified by status code like everywhere else.
 */
export interface ExecInfo {
  containerId: string;
  running: boolean;
  exitCode: number | null;
  tty: boolean;
}

export interface InteractiveEngine {
  attach(containerId: string): Promise<Duplex>;
  resize(containerId: string, w: number, h: number): Promise<void>;
  createExec(containerId: string, cmd: string[], interactive: boolean): Promise<string>;
  runExec(
    containerId: string,
    cmd: string[],
    timeoutMs: number,
  ): Promise<{ output: string; exitCode: number }>;
  startExec(execId: string): Promise<Duplex>;
  inspectExec(execId: string): Promise<ExecInfo | null>;
  resizeExec(execId: string, w: number, h: number): Promise<void>;
}

export class ExecTimeoutError extends Error {}

export class DockerodeInteractive implements InteractiveEngine {
  private readonly docker: Docker;

  constructor(socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  async attach(containerId: string): Promise<Duplex> {
    try {
      const c = this.docker.getContainer(containerId);
      const info = await c.inspect();
      const raw = (await c.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as unknown as Duplex;
      if (info.Config.Tty) return raw;
      // Without a TTY the engine frames stdout/stderr; the user wants the plain bytes.
      return demuxed(this.docker, raw);
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async resize(containerId: string, w: number, h: number): Promise<void> {
    try {
      await this.docker.getContainer(containerId).resize({ w, h });
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async createExec(containerId: string, cmd: string[], interactive: boolean): Promise<string> {
    try {
      const exec = await this.docker.getContainer(containerId).exec({
        Cmd: cmd,
        AttachStdin: interactive,
        AttachStdout: true,
        AttachStderr: true,
        Tty: interactive,
      });
      return exec.id;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async runExec(
    containerId: string,
    cmd: string[],
    timeoutMs: number,
  ): Promise<{ output: string; exitCode: number }> {
    const id = await this.createExec(containerId, cmd, false);
    let stream: Duplex;
    try {
      stream = (await this.docker.getExec(id).start({ hijack: true, stdin: false })) as unknown as Duplex;
    } catch (err) {
      throw toEngineError(err);
    }
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new ExecTimeoutError(`Command did not finish within ${timeoutMs / 1000} seconds.`));
      }, timeoutMs);
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.once('error', (e) => {
        clearTimeout(timer);
        reject(toEngineError(e));
      });
    });
    const info = await this.inspectExec(id);
    return { output: demuxLogs(Buffer.concat(chunks)), exitCode: info?.exitCode ?? -1 };
  }

  async startExec(execId: string): Promise<Duplex> {
    try {
      return (await this.docker
        .getExec(execId)
        .start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async inspectExec(execId: string): Promise<ExecInfo | null> {
    try {
      const i = await this.docker.getExec(execId).inspect();
      return {
        containerId: i.ContainerID,
        running: i.Running,
        exitCode: i.ExitCode ?? null,
        tty: Boolean(i.ProcessConfig?.tty),
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw toEngineError(err);
    }
  }

  async resizeExec(execId: string, w: number, h: number): Promise<void> {
    try {
      await this.docker.getExec(execId).resize({ w, h });
    } catch (err) {
      throw toEngineError(err);
    }
  }
}

/** Wraps a framed (non-TTY) attach stream: reads give plain bytes, writes go to stdin. */
function demuxed(docker: Docker, raw: Duplex): Duplex {
  const out = new PassThrough();
  docker.modem.demuxStream(raw, out, out);
  raw.once('end', () => out.end());
  raw.once('close', () => out.end());
  return Duplex.from({ readable: out, writable: raw });
}
