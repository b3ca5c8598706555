import { createReadStream, existsSync, statSync } from 'node:fs';
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { constants as zlib, createGzip } from 'node:zlib';
import { HttpDrain, listen, type Logger, type ZunConfig } from '@zun/common';

/** Where `npm run build` puts the browser app (packages/console/build.mjs). */
export const PUBLIC_DIR = path.resolve(__dirname, '..', 'dist', 'public');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Sent gzipped to a browser that takes it: the app and the API's JSON (a list of thousands of
 * containers is about a tenth of its size compressed). Never an event stream, which must reach
 * the browser as it is written, and not what is too small to gain anything.
 */
const COMPRESSIBLE = /^(text\/(html|css|javascript)|application\/json)/;
const COMPRESS_FROM_BYTES = 1024;

/** Paths zun-api answers; everything else is the browser app. */
const API_PREFIXES = ['/v1', '/identity'];

/**
 * The page may talk to its own origin (the API through this server) and open WebSockets
 * (zun-wsproxy lives on another port); xterm.js sets inline styles.
 */
const CSP =
  "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

export interface RunningConsole {
  url: string;
  stop(graceMs?: number): Promise<void>;
}

/**
 * zun-console: the static browser app and a pass-through of /v1 and /identity to zun-api.
 * One origin for the browser, so no CORS, and the API keeps being the only place that
 * authenticates (the token travels in X-Auth-Token as with the CLI).
 */
export async function startConsole(
  config: ZunConfig,
  logger: Logger,
  publicDir = PUBLIC_DIR,
): Promise<RunningConsole> {
  if (!existsSync(path.join(publicDir, 'index.html'))) {
    throw new Error(`the console is not built (no ${publicDir}/index.html): run npm run build`);
  }
  const api = new URL(config.console.apiUrl);
  // With an external Keystone zun-api has no /identity: the console signs in with that Keystone.
  const keystoneUri = config.keystoneAuthtoken.authUrl && config.keystoneAuthtoken.wwwAuthenticateUri;
  const keystone = keystoneUri ? new URL(keystoneUri.replace(/\/+$/, '').replace(/\/v3$/, '')) : null;
  const streams = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (keystone && (url === '/identity' || url.startsWith('/identity/') || url.startsWith('/identity?'))) {
      forward(
        req,
        res,
        keystone,
        logger,
        streams,
        `${keystone.pathname.replace(/\/+$/, '')}${url.slice('/identity'.length)}`,
      );
    } else if (API_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`))) {
      forward(req, res, api, logger, streams);
    } else if (url === '/healthcheck') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
    } else {
      serveStatic(req, res, publicDir);
    }
  };
  const { server, port } = await listen(handler, config.console.port, config.console.host);
  const drain = new HttpDrain(server);
  const url = `http://${config.console.host}:${port}`;
  logger.info('zun-console listening', { url, api: api.origin });
  return {
    url,
    async stop(graceMs = config.gracefulShutdownTimeout * 1000) {
      // Event streams never end by themselves: they would hold the drain for its whole grace.
      for (const res of streams) res.end();
      await drain.closeWithin(graceMs);
    },
  };
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  api: URL,
  logger: Logger,
  streams: Set<ServerResponse>,
  path = req.url,
): void {
  const headers = { ...req.headers, host: api.host };
  const upstream = http.request(
    {
      protocol: api.protocol,
      hostname: api.hostname,
      port: api.port,
      method: req.method,
      path,
      headers,
    },
    (answer) => {
      // Event streams and followed logs (marked as nginx knows them: no buffering) must reach
      // the browser as they are written (never compressed, which would hold them back), and
      // never end by themselves.
      if (
        String(answer.headers['content-type']).startsWith('text/event-stream') ||
        answer.headers['x-accel-buffering'] === 'no'
      ) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        streams.add(res);
        res.once('close', () => streams.delete(res));
        answer.pipe(res);
        return;
      }
      send(req, res, answer.statusCode ?? 502, answer.headers, answer, zlib.Z_BEST_SPEED);
    },
  );
  upstream.on('error', (err) => {
    logger.warn('zun-api unreachable', { error: err.message, path: req.url });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        errors: [
          {
            status: 502,
            code: 'zun-api-unreachable',
            title: 'Bad Gateway',
            detail: `zun-api does not answer at ${api.origin} (${err.message}).`,
          },
        ],
      }),
    );
  });
  // A browser that goes away (a closed tab, an event stream given up) ends the API's side too.
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

function serveStatic(req: IncomingMessage, res: ServerResponse, publicDir: string): void {
  const url = req.url ?? '/';
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (pathname === '/') pathname = '/index.html';
  const file = path.join(publicDir, path.normalize(pathname));
  if (!file.startsWith(publicDir + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
    return;
  }
  const headers = {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': String(statSync(file).size),
    // index.html names the bundle without a hash: always revalidate.
    'cache-control': 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
  };
  send(req, res, 200, headers, createReadStream(file), zlib.Z_DEFAULT_COMPRESSION);
}

/** Writes status, headers and body, gzipped when the browser takes it and it is worth it. */
function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
  body: Readable,
  level: number,
): void {
  const size = headers['content-length'] === undefined ? Infinity : Number(headers['content-length']);
  const compress =
    req.method !== 'HEAD' &&
    /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) &&
    COMPRESSIBLE.test(String(headers['content-type'] ?? '')) &&
    headers['content-encoding'] === undefined &&
    size >= COMPRESS_FROM_BYTES;
  if (!compress) {
    res.writeHead(status, headers);
    body.pipe(res);
    return;
  }
  const vary = headers.vary ? `${String(headers.vary)}, Accept-Encoding` : 'Accept-Encoding';
  const gzipped: OutgoingHttpHeaders = { ...headers, 'content-encoding': 'gzip', vary };
  // The length is the uncompressed one; gzip's goes chunked.
  delete gzipped['content-length'];
  res.writeHead(status, gzipped);
  // An error on either side ends the answer; the browser sees a cut response, as without gzip.
  pipeline(body, createGzip({ level }), res, () => undefined);
}
