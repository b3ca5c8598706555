import type { IncomingMessage, RequestListener, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  databaseCheck,
  healthcheckHandler,
  HttpDrain,
  listen,
  metricsHandler,
  openDatabase,
  type Logger,
  type ZunConfig,
} from '@zun/common';
import { WsProxyMetrics } from './metrics';
import { originAllowed } from './origin';
import { runSession } from './session';

export interface RunningProxy {
  url: string;
  port: number;
  server: Server;
  /**
   * Drains: new sessions are refused at once; open ones may run until they end, for up to
   * `graceMs` (by default [DEFAULT] graceful_shutdown_timeout), then are closed with a close
   * frame (1001).
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
}

/**
 * zun-wsproxy: accepts the client's WebSocket (subprotocol `binary` when offered, as
 * python-zunclient insists), refuses foreign origins before upgrading, then hands the socket to
 * a session that redeems the token and relays to the container's compute agent. The proxy
 * never talks to a Docker engine itself.
 */
export async function startWsProxy(config: ZunConfig, logger: Logger): Promise<RunningProxy> {
  if (!config.compute.serviceToken) {
    throw new Error('[compute] service_token must be set: the proxy presents it to compute agents');
  }
  const ws = config.websocketProxy;
  const secure = ws.baseUrl.startsWith('wss://');
  const sequelize = openDatabase(config.database.connection, { poolMax: 10, applicationName: 'zun-wsproxy' });
  await sequelize.authenticate();

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ws.maxPayload,
    handleProtocols: (offered) => (offered.has('binary') ? 'binary' : false),
  });
  wss.on('error', (err) => logger.warn('websocket server error', { error: err.message }));

  const metrics = new WsProxyMetrics();
  // Plain HTTP is for operators and load balancers only: no credential, aggregates and OK/503.
  const operations = new Map<string, RequestListener>([
    ['/metrics', metricsHandler(metrics.registry)],
    ['/healthcheck', healthcheckHandler({ database: databaseCheck(sequelize) }, logger)],
  ]);
  const { server, port } = await listen(
    (req, res) => {
      const serve = operations.get((req.url ?? '/').split('?')[0]);
      if (serve && (req.method === 'GET' || req.method === 'HEAD')) return serve(req, res);
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('zun-wsproxy: WebSocket connections only\n');
    },
    ws.port,
    ws.host,
  );
  server.on('clientError', (_err, socket) => socket.destroy());
  const http = new HttpDrain(server);
  let stopping = false;
  let stopped: Promise<void> | null = null;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (stopping) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const requestId = `req-${randomUUID()}`;
    const origin = req.headers.origin;
    if (!originAllowed(origin, req.headers.host, ws.allowedOrigins, secure)) {
      logger.warn('origin refused', { request_id: requestId, origin, host: req.headers.host });
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const query = new URL(req.url ?? '/', 'http://proxy').searchParams;
    wss.handleUpgrade(req, socket, head, (client) => {
      client.on('error', () => undefined);
      runSession(client, query, requestId, {
        serviceToken: config.compute.serviceToken,
        maxPayload: ws.maxPayload,
        logger,
        metrics,
      }).catch((err: unknown) => {
        logger.error('session crashed', { request_id: requestId, error: String(err) });
        client.terminate();
      });
    });
  });
  /**
   * Drains: new sessions are refused at once (503); open ones may run until they end, for up
   * to the grace period, then get a close frame; the HTTP server and the pool close last.
   */
  async function drain(graceMs = config.gracefulShutdownTimeout * 1000): Promise<void> {
    stopping = true;
    // Upgraded sockets are not the HTTP server's requests, but the server waits for them too.
    const httpClosed = http.close();
    const deadline = graceMs > 0 ? Date.now() + graceMs : Infinity;
    while (wss.clients.size > 0 && Date.now() < deadline) await sleep(100);
    if (wss.clients.size > 0) {
      logger.info('closing sessions still open at shutdown', { sessions: wss.clients.size });
      for (const c of wss.clients) c.close(1001, 'zun-wsproxy is shutting down');
      // The close handshake normally takes a round trip; a peer that does not answer is cut.
      const cut = Date.now() + 2_000;
      while (wss.clients.size > 0 && Date.now() < cut) await sleep(50);
      for (const c of wss.clients) c.terminate();
    }
    wss.close();
    http.cut();
    await httpClosed;
    await sequelize.close();
  }

  const url = `${secure ? 'wss' : 'ws'}://${ws.host}:${port}/`;
  logger.info('zun-wsproxy listening', { url });
  return {
    url,
    port,
    server,
    stop(opts = {}) {
      // Idempotent: a second stop (a second signal) waits for the same drain.
      stopped ??= drain(opts.graceMs);
      return stopped;
    },
  };
}
