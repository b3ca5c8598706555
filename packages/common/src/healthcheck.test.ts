import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import winston from 'winston';
import { healthcheckHandler, type HealthCheck } from './healthcheck';

const logger = winston.createLogger({ silent: true });

async function probe(checks: Record<string, HealthCheck>, timeoutMs = 2_000) {
  const server: Server = createServer(healthcheckHandler(checks, logger, timeoutMs));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthcheck`);
    return { status: res.status, body: await res.text(), ms: Date.now() - started };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('healthcheckHandler', () => {
  it('answers 200 OK when every check answers', async () => {
    expect(await probe({ a: async () => 1, b: async () => 2 })).toMatchObject({ status: 200, body: 'OK' });
  });

  it('answers 503 without the cause when a check fails', async () => {
    const r = await probe({
      ok: async () => 1,
      database: () =>
        Promise.reject(new Error('password authentication failed for user "zun" at db.internal')),
    });
    expect(r).toMatchObject({ status: 503, body: 'Service Unavailable' });
  });

  it('answers 503 when a check hangs past the timeout', async () => {
    const r = await probe({ engine: () => new Promise(() => undefined) }, 200);
    expect(r.status).toBe(503);
    expect(r.ms).toBeLessThan(1_500);
  });
});
