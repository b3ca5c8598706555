import type { IncomingMessage, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { listen, openDatabase, type Logger, type ZunConfig } from '@zun/common';
import { originAllowed } from './origin';
import { runSession } from './session';

export interface RunningProxy {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
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
  const sequelize = openDatabase(config.database.connection, { poolMax: 10 });
  await sequelize.authenticate();

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ws.maxPayload,
    handleProtocols: (offered) => (offered.has('binary') ? 'binary' : false),
  });
  wss.on('error', (err) => logger.warn('websocket server error', { error: err.message }));

  const { server, port } = await listen(
    (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('zun-wsproxy: WebSocket connections only\n');
    },
    ws.port,
    ws.host,
  );
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
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
      }).catch((err: unknown) => {
        logger.error('session crashed', { request_id: requestId, error: String(err) });
        client.terminate();
      });
    });
  });
  const url = `${secure ? 'wss' : 'ws'}://${ws.host}:${port}/`;
  logger.info('zun-wsproxy listening', { url });
  return {
    url,
    port,
    server,
    async stop() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sequelize.close();
    },
  };
}
