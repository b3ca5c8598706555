import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { REQUEST_ID_HEADER } from './contract';
import type { Logger } from './logging';

/** Paths a load balancer or a scraper polls: logged at debug so they do not drown the rest. */
const POLLED = new Set(['/healthcheck', '/metrics']);

/** A daemon's metrics registry, with Node's process metrics (CPU, memory, event loop, GC...). */
export function createMetricsRegistry(daemon: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ daemon });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** GET /metrics: Prometheus text format. Aggregates only, so it needs no credential. */
export function metricsHandler(registry: Registry) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('metrics unavailable\n');
      },
    );
  };
}

/** What Express leaves on a request; declared here so common does not depend on Express. */
interface RoutedRequest extends IncomingMessage {
  baseUrl?: string;
  originalUrl?: string;
  route?: { path?: unknown };
}

/**
 * Express middleware (mount it first): counts every request by method, route pattern and
 * status with its latency, and writes one access log line when the response is finished.
 * The route is the pattern (`/v1/containers/:id/start`), never the raw path, so uuids do not
 * multiply the series; requests that match no route are counted as `unmatched`.
 */
export function httpObservability(registry: Registry, logger: Logger) {
  const requests = new Counter({
    name: 'zun_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'zun_http_request_duration_seconds',
    help: 'Time from the request to the end of its response, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return (req: RoutedRequest, res: ServerResponse, next: () => void): void => {
    const start = process.hrtime.bigint();
    const route = capturedRoute(req);
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const labels = {
        method: req.method ?? '',
        route: route() ?? 'unmatched',
        status: String(res.statusCode),
      };
      requests.inc(labels);
      duration.observe(labels, seconds);
      const path = (req.originalUrl ?? req.url ?? '').split('?')[0];
      const requestId = res.getHeader(REQUEST_ID_HEADER) ?? req.headers[REQUEST_ID_HEADER];
      const level = res.statusCode >= 500 ? 'warn' : POLLED.has(path) ? 'debug' : 'info';
      logger.log(level, 'request', {
        method: labels.method,
        route: labels.route,
        path,
        status: res.statusCode,
        duration_ms: Math.round(seconds * 1e4) / 10,
        ...(requestId ? { request_id: String(requestId) } : {}),
      });
    });
    next();
  };
}

/**
 * Express sets `req.route` when a route matches, but restores `req.baseUrl` as an error travels
 * back out of a router, so by the time the response ends the mount path may be gone. Catching
 * the assignment keeps the full pattern as it was when the route matched.
 */
function capturedRoute(req: RoutedRequest): () => string | null {
  let pattern: string | null = null;
  let route: RoutedRequest['route'];
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (r: RoutedRequest['route']) => {
      route = r;
      if (typeof r?.path !== 'string') return;
      const base = req.baseUrl ?? '';
      // A router's own root ('/' under /v1/containers) is named by its mount path alone.
      pattern = base && r.path === '/' ? base : `${base}${r.path}`;
    },
  });
  return () => pattern;
}
