import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a connection that has sent nothing yet may still send its first request once the
 * drain began (it was accepted before the server stopped listening).
 */
const SILENT_GRACE_MS = 1_000;

/**
 * Closes an HTTP server without cutting requests in flight. close() alone would wait for the
 * clients' keep-alive connections to time out, and closeAllConnections() cuts answers
 * half-sent; instead every answer given from now on says `Connection: close`, and each
 * connection is closed as soon as it has nothing in flight. Used by every daemon.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private draining = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (_req, res: ServerResponse) => {
      if (this.draining) closeAfter(res);
      this.inFlight.add(res);
      res.once('close', () => {
        this.inFlight.delete(res);
        // The connection becomes idle only once Node has detached this answer from it.
        if (this.draining) setImmediate(() => this.server.closeIdleConnections());
      });
    });
  }

  /** Stops accepting connections; resolves when every request in flight has been answered. */
  close(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const res of this.inFlight) closeAfter(res);
    this.server.closeIdleConnections();
    // A connection that never sent a request is not idle to Node (it waits for its first
    // request's headers, up to headersTimeout: a minute), so it would hold the drain that long.
    // Clients' pools open such connections ahead of use; they are closed after a short grace.
    const silent = setTimeout(() => {
      for (const socket of this.sockets) if (socket.bytesRead === 0) socket.destroy();
    }, SILENT_GRACE_MS);
    silent.unref();
    return closed.finally(() => clearTimeout(silent));
  }

  /**
   * close(), giving up on what is still in flight after `graceMs` (0: waits as long as it
   * takes). Resolves true when everything finished in time.
   */
  async closeWithin(graceMs: number): Promise<boolean> {
    const closed = this.close().then(() => true);
    if (graceMs <= 0) return closed;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const inTime = await Promise.race([closed, late]);
    clearTimeout(timer);
    if (!inTime) {
      this.cut();
      await closed;
    }
    return inTime;
  }

  /** Gives up on what is still in flight (after the grace period). */
  cut(): void {
    this.server.closeAllConnections();
  }
}

function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
