import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { Router } from 'express';
import { Registry } from 'prom-client';
import winston from 'winston';
import Transport from 'winston-transport';
import {
  httpObservability,
  InputError,
  metricsHandler,
  REQUEST_ID_HEADER,
  requestIdFormat,
} from '@zun/common';
import { errorHandler } from './middleware/errors';
import { requestId } from './middleware/request-id';

/** Keeps log entries in memory so the test can read the access log. */
class Memory extends Transport {
  readonly entries: Record<string, unknown>[] = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.entries.push(info);
    next();
  }
}

// The request metrics and access log as the daemons mount them: first, before any router.
let server: Server;
let base: string;
const memory = new Memory();
const registry = new Registry();

beforeAll(async () => {
  // With the daemons' request id format: lines logged in a request's context carry its id.
  const logger = winston.createLogger({ level: 'debug', format: requestIdFormat(), transports: [memory] });
  const app = express();
  app.use(requestId);
  app.use(httpObservability(registry, logger));
  app.get('/metrics', metricsHandler(registry));
  const containers = Router();
  containers.get('/', (_req, res) => {
    res.json({ containers: [] });
  });
  containers.get('/:id', (req, res) => {
    res.json({ uuid: req.params.id });
  });
  containers.post('/:id/start', () => {
    throw new InputError('cannot start');
  });
  containers.post('/:id/stop', () => {
    throw new Error('engine exploded', { cause: new Error('engine answered 500') });
  });
  const v1 = Router();
  v1.use('/containers', containers);
  app.use('/v1', v1);
  app.use(errorHandler(logger));
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const UUID = '6f1c1b2e-5d1a-4c3b-9f0e-2a7b8c9d0e1f';

async function metricsText(): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

describe('httpObservability', () => {
  it('counts requests by route pattern, never by the raw path', async () => {
    expect((await fetch(`${base}/v1/containers/${UUID}`)).status).toBe(200);
    const text = await metricsText();
    expect(text).toContain('zun_http_requests_total{method="GET",route="/v1/containers/:id",status="200"} 1');
    expect(text).toMatch(
      /zun_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/containers\/:id",status="200"\}/,
    );
    expect(text).not.toContain(UUID);
  });

  it('keeps the full pattern when the handler fails (the error leaves the routers first)', async () => {
    expect((await fetch(`${base}/v1/containers/${UUID}/start`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${base}/v1/containers/${UUID}/stop`, { method: 'POST' })).status).toBe(500);
    const text = await metricsText();
    expect(text).toContain('{method="POST",route="/v1/containers/:id/start",status="400"} 1');
    expect(text).toContain('{method="POST",route="/v1/containers/:id/stop",status="500"} 1');
  });

  it("names a router's root route by its mount path", async () => {
    expect((await fetch(`${base}/v1/containers`)).status).toBe(200);
    expect((await fetch(`${base}/v1/containers/`)).status).toBe(200);
    expect(await metricsText()).toContain('{method="GET",route="/v1/containers",status="200"} 2');
  });

  it('counts requests that match no route as unmatched', async () => {
    expect((await fetch(`${base}/nowhere/${UUID}`)).status).toBe(404);
    expect(await metricsText()).toContain('{method="GET",route="unmatched",status="404"} 1');
  });

  it('writes one access log line per request: 4xx at info, 5xx at warn, with the request id', async () => {
    memory.entries.length = 0;
    const ok = await fetch(`${base}/v1/containers/${UUID}?x=1`);
    await fetch(`${base}/v1/containers/${UUID}/start`, { method: 'POST' });
    const failed = await fetch(`${base}/v1/containers/${UUID}/stop`, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 50));
    const access = memory.entries.filter((e) => e.message === 'request');
    expect(access.map((e) => [e.level, e.method, e.route, e.status])).toEqual([
      ['info', 'GET', '/v1/containers/:id', 200],
      ['info', 'POST', '/v1/containers/:id/start', 400],
      ['warn', 'POST', '/v1/containers/:id/stop', 500],
    ]);
    expect(access[0].path).toBe(`/v1/containers/${UUID}`);
    expect(access[0].request_id).toBe(ok.headers.get(REQUEST_ID_HEADER));
    expect(typeof access[0].duration_ms).toBe('number');
    // The 400 is the caller's business: no error entry for it.
    const errors = memory.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    // The 500's line: the request's id from the context, and what caused the failure.
    expect(errors[0]).toMatchObject({
      request_id: failed.headers.get(REQUEST_ID_HEADER),
      causes: [{ name: 'Error', message: 'engine answered 500' }],
    });
  });

  it('logs the scrapes and health probes at debug only', async () => {
    memory.entries.length = 0;
    await metricsText();
    await new Promise((r) => setTimeout(r, 50));
    expect(memory.entries.filter((e) => e.message === 'request').map((e) => e.level)).toEqual(['debug']);
  });
});
