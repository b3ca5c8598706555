import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import {
  CloseCode,
  Container,
  REQUEST_ID_HEADER,
  runWithRequestId,
  SERVICE_TOKEN_HEADER,
  credentialMatches,
  isActionAllowed,
  type Logger,
} from '@zun/common';
import type { InteractiveEngine } from '../docker/interactive';
import { relayStream } from './relay';

const ATTACH = /^\/v1\/containers\/([0-9a-f-]{36})\/attach\/ws$/;
const MAX_EARLY_INPUT = 64 * 1024;
const EXEC = /^\/v1\/containers\/([0-9a-f-]{36})\/exec\/([0-9a-f]{64})\/ws$/;

export interface SessionDeps {
  serviceToken: string;
  host: string;
  engine: InteractiveEngine;
  logger: Logger;
  maxPayload: number;
}

/**
 * The agent's stream endpoints: zun-wsproxy (holding the service credential) upgrades here and
 * the agent opens the local engine's attach or exec stream for a container on this host.
 * Also remembers exec sizes asked for before the exec started, since the engine cannot
 * resize an exec that is not running yet and the client resizes as soon as it connects.
 */
export class InteractiveSessions {
  private readonly wss: WebSocketServer;
  private readonly pendingSize = new Map<string, { w: number; h: number }>();
  private readonly started = new Set<string>();

  constructor(private readonly deps: SessionDeps) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxPayload });
    this.wss.on('error', (err) => deps.logger.warn('stream server error', { error: err.message }));
  }

  /** Handles an HTTP upgrade on the agent's server; anything unexpected is refused before upgrading. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const presented = req.headers[SERVICE_TOKEN_HEADER];
    if (!credentialMatches(typeof presented === 'string' ? presented : undefined, this.deps.serviceToken)) {
      refuse(401, 'Unauthorized');
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    const attach = ATTACH.exec(path);
    const exec = EXEC.exec(path);
    if (!attach && !exec) {
      refuse(404, 'Not Found');
      return;
    }
    const requestId = String(req.headers[REQUEST_ID_HEADER] ?? '');
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      runWithRequestId(requestId, () => {
        ws.on('error', () => undefined);
        const uuid = (attach ?? exec)![1];
        const execId = exec ? exec[2] : null;
        // Input that arrives while the engine stream is being opened is kept, not dropped.
        const early: Buffer[] = [];
        let earlyBytes = 0;
        const onEarly = (data: RawData) => {
          const buf = Buffer.isBuffer(data)
            ? data
            : Array.isArray(data)
              ? Buffer.concat(data)
              : Buffer.from(data);
          earlyBytes += buf.length;
          if (earlyBytes > MAX_EARLY_INPUT) ws.close(1009, 'too much input before the session opened');
          else early.push(buf);
        };
        ws.on('message', onEarly);
        this.open(uuid, execId).then(
          (stream) => {
            ws.off('message', onEarly);
            if (ws.readyState !== ws.OPEN) {
              stream.destroy();
              return;
            }
            for (const b of early) stream.write(b);
            this.deps.logger.info('interactive session opened', { uuid, exec_id: execId });
            relayStream(ws, stream, (why) => {
              if (execId) this.forget(execId);
              // Named here: the close comes from a socket event, outside the request's context.
              this.deps.logger.info('interactive session closed', {
                uuid,
                exec_id: execId,
                why,
                request_id: requestId,
              });
            });
          },
          (err: SessionError | Error) => {
            const code = err instanceof SessionError ? err.code : 1011;
            ws.close(code, err.message.slice(0, 120));
          },
        );
      }),
    );
  }

  private async open(uuid: string, execId: string | null): Promise<Duplex> {
    const c = await Container.findOne({ where: { uuid, host: this.deps.host } });
    if (!c || !c.container_id)
      throw new SessionError(CloseCode.NotFound, `Container ${uuid} not found on this host`);
    const action = execId ? 'execute' : 'attach';
    if (!isActionAllowed(action, c.status)) {
      throw new SessionError(CloseCode.NotRunning, `Container ${uuid} is ${c.status}, not Running`);
    }
    if (!execId) return this.deps.engine.attach(c.container_id);
    const info = await this.deps.engine.inspectExec(execId);
    if (!info || info.containerId !== c.container_id) {
      throw new SessionError(CloseCode.NotFound, `Exec ${execId} not found in container ${uuid}`);
    }
    if (info.running || info.exitCode !== null || this.started.has(execId)) {
      throw new SessionError(CloseCode.InvalidToken, `Exec ${execId} was already started`);
    }
    this.started.add(execId);
    const stream = await this.deps.engine.startExec(execId);
    const size = this.pendingSize.get(execId);
    this.pendingSize.delete(execId);
    if (size) {
      await this.deps.engine.resizeExec(execId, size.w, size.h).catch((err: Error) =>
        this.deps.logger.warn('exec resize failed', {
          exec_id: execId,
          error: err.message,
        }),
      );
    }
    return stream;
  }

  /** Resizes an exec's TTY now, or when its session starts if it is not running yet. */
  async resizeExec(execId: string, w: number, h: number): Promise<void> {
    const info = await this.deps.engine.inspectExec(execId);
    if (info && !info.running && info.exitCode === null) {
      // Not started (or starting right now): the start applies the newest size.
      this.pendingSize.set(execId, { w, h });
      return;
    }
    await this.deps.engine.resizeExec(execId, w, h);
  }

  private forget(execId: string): void {
    this.pendingSize.delete(execId);
    this.started.delete(execId);
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

export class SessionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
