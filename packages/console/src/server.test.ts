import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createLogger, listen, loadConfig } from '@zun/common';
import { startConsole, type RunningConsole } from './server';

/**
 * zun-console's server on a real port: static files, and /v1 + /identity forwarded to an
 * upstream that records what reached it (standing in for zun-api, whose side the e2e test covers).
 */
describe('zun-console server', () => {
  const seen: {
    method: string;
    url: string;
    token: string | undefined;
    host: string | undefined;
    body: string;
  }[] = [];
  let upstream: http.Server;
  const followers: http.ServerResponse[] = [];
  let upstreamPort: number;
  let consoleServer: RunningConsole;
  const publicDir = mkdtempSync(path.join(tmpdir(), 'console-public-'));
  // Quiet unless asked for (ZUN_TEST_LOG_LEVEL), as the other test stacks.
  process.env.ZUN_LOG_LEVEL = process.env.ZUN_TEST_LOG_LEVEL ?? 'error';
  const logger = createLogger('zun-console-test', { debug: false, format: 'json' });

  const start = (apiUrl: string): Promise<RunningConsole> =>
    startConsole(
      loadConfig({ ZUN_CONFIG: '/dev/null', ZUN_CONSOLE_PORT: '0', ZUN_CONSOLE_API_URL: apiUrl }),
      logger,
      publicDir,
    );

  const rawStatus = (rawPath: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const u = new URL(consoleServer.url);
      http
        .get({ host: u.hostname, port: u.port, path: rawPath }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });

  beforeAll(async () => {
    writeFileSync(path.join(publicDir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(publicDir, 'app.js'), `export const filler = '${'x'.repeat(4000)}';`);
    const up = await listen(
      (req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          seen.push({
            method: req.method ?? '',
            url: req.url ?? '',
            token: req.headers['x-auth-token'] as string | undefined,
            host: req.headers.host,
            body,
          });
          if (req.url === '/v1/containers/events') {
            // A stream that writes one event and stays open, as the API's does.
            res.writeHead(200, { 'Content-Type': 'text/event-stream' });
            res.write('event: ready\ndata: {}\n\n');
            return;
          }
          if (req.url === '/v1/containers?limit=1000') {
            const big = JSON.stringify({
              containers: Array.from({ length: 200 }, (_, i) => ({ name: `c-${i}` })),
            });
            res.writeHead(200, {
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(big),
            });
            res.end(big);
            return;
          }
          if (req.url?.startsWith('/v1/containers/abc/logs?follow=true')) {
            // A followed log as the API answers it: headers at once, the first line later.
            res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Accel-Buffering': 'no' });
            res.flushHeaders();
            followers.push(res);
            return;
          }
          res.writeHead(409, { 'Content-Type': 'application/json', 'X-Openstack-Request-Id': 'req-1' });
          res.end(JSON.stringify({ errors: [{ detail: 'busy' }] }));
        });
      },
      0,
      '127.0.0.1',
    );
    upstream = up.server;
    upstreamPort = up.port;
    consoleServer = await start(`http://127.0.0.1:${upstreamPort}`);
  });
  afterAll(async () => {
    await consoleServer?.stop(100);
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
  });

  it('serves the app with its security headers, and nothing outside its folder', async () => {
    const index = await fetch(`${consoleServer.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${consoleServer.url}/app.js`)).headers.get('content-type')).toContain(
      'text/javascript',
    );
    expect((await fetch(`${consoleServer.url}/missing.js`)).status).toBe(404);
    // Sent raw (fetch would normalise the path first): encoded slashes and dots stay inside.
    for (const raw of ['/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/../../etc/passwd']) {
      expect(await rawStatus(raw)).toBe(404);
    }
    expect((await fetch(`${consoleServer.url}/healthcheck`)).status).toBe(200);
  });

  /** The raw answer to a GET that takes gzip or not: its headers and its bytes as they came. */
  const rawGet = (rawPath: string, gzip: boolean) =>
    new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const u = new URL(consoleServer.url);
      http
        .get(
          {
            host: u.hostname,
            port: u.port,
            path: rawPath,
            headers: gzip ? { 'Accept-Encoding': 'gzip, br' } : {},
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          },
        )
        .on('error', reject);
    });

  it('gzips the app and large API JSON for a browser that takes it, and only then', async () => {
    for (const p of ['/app.js', '/v1/containers?limit=1000']) {
      const plain = await rawGet(p, false);
      expect([p, plain.headers['content-encoding']]).toEqual([p, undefined]);
      const zipped = await rawGet(p, true);
      expect([p, zipped.headers['content-encoding'], zipped.headers.vary]).toEqual([
        p,
        'gzip',
        'Accept-Encoding',
      ]);
      expect(zipped.headers['content-length']).toBeUndefined();
      expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
      expect(zipped.body.length).toBeLessThan(plain.body.length / 4);
    }
    // Too small to gain anything: as it came.
    expect((await rawGet('/', true)).headers['content-encoding']).toBeUndefined();
  });

  it('forwards API calls unchanged (method, path, query, token, body, status, headers)', async () => {
    const r = await fetch(`${consoleServer.url}/v1/containers/abc/stop?timeout=3`, {
      method: 'POST',
      headers: { 'X-Auth-Token': 'tok', 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(r.status).toBe(409);
    expect(r.headers.get('x-openstack-request-id')).toBe('req-1');
    expect(await r.json()).toEqual({ errors: [{ detail: 'busy' }] });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/v1/containers/abc/stop?timeout=3',
      token: 'tok',
      host: `127.0.0.1:${upstreamPort}`,
      body: '{"a":1}',
    });
    await fetch(`${consoleServer.url}/identity/v3/auth/tokens`, { method: 'POST', body: '{}' });
    expect(seen.at(-1)?.url).toBe('/identity/v3/auth/tokens');
    // Only /v1 and /identity themselves: /v1x is the app's (a 404 here), not the API's.
    const before = seen.length;
    expect((await fetch(`${consoleServer.url}/v1x`)).status).toBe(404);
    expect(seen.length).toBe(before);
  });

  it('sends /identity to the external Keystone when [keystone_authtoken] is set, /v1 still to zun-api', async () => {
    const withKeystone = await startConsole(
      loadConfig({
        ZUN_CONFIG: '/dev/null',
        ZUN_CONSOLE_PORT: '0',
        ZUN_CONSOLE_API_URL: 'http://127.0.0.1:1',
        ZUN_KEYSTONE_AUTHTOKEN_AUTH_URL: 'http://127.0.0.1:1/v3',
        ZUN_KEYSTONE_AUTHTOKEN_WWW_AUTHENTICATE_URI: `http://127.0.0.1:${upstreamPort}/keystone/v3`,
      }),
      logger,
      publicDir,
    );
    try {
      await fetch(`${withKeystone.url}/identity/v3/auth/tokens?nocatalog`, { method: 'POST', body: '{}' });
      expect(seen.at(-1)).toMatchObject({
        method: 'POST',
        url: '/keystone/v3/auth/tokens?nocatalog',
        body: '{}',
      });
      expect((await fetch(`${withKeystone.url}/v1/containers`)).status).toBe(502);
    } finally {
      await withKeystone.stop(100);
    }
  });

  it('passes an event stream through as it is written, not when it ends', async () => {
    const abort = new AbortController();
    const r = await fetch(`${consoleServer.url}/v1/containers/events`, { signal: abort.signal });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    // fetch takes gzip: a stream must still come as written, never compressed.
    expect(r.headers.get('content-encoding')).toBeNull();
    const reader = r.body!.getReader();
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event within 2 s')), 2_000)),
    ]);
    expect(new TextDecoder().decode(first.value)).toContain('event: ready');
    abort.abort();
  });

  it('passes a followed log on at once and chunk by chunk, and ends it when it stops', async () => {
    const own = await start(`http://127.0.0.1:${upstreamPort}`);
    const within = <T>(p: Promise<T>, what: string): Promise<T> =>
      Promise.race([
        p,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no ${what} within 2 s`)), 2_000),
        ),
      ]);
    // The answer's head must arrive before any log line does: a quiet container writes nothing.
    const r = await within(fetch(`${own.url}/v1/containers/abc/logs?follow=true`), 'answer');
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    followers.at(-1)!.write('new line\n');
    const first = await within(reader.read(), 'line');
    expect(new TextDecoder().decode(first.value)).toBe('new line\n');
    const t0 = Date.now();
    await own.stop(20_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await reader.cancel().catch(() => undefined);
  });

  it('ends open event streams when it stops instead of waiting for them', async () => {
    const own = await start(`http://127.0.0.1:${upstreamPort}`);
    const r = await fetch(`${own.url}/v1/containers/events`);
    expect(r.status).toBe(200);
    const t0 = Date.now();
    await own.stop(20_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await r.body?.cancel().catch(() => undefined);
  });

  it("answers 502 in Zun's error envelope when zun-api does not answer", async () => {
    const closed = await listen(() => undefined, 0, '127.0.0.1');
    const deadPort = closed.port;
    await new Promise((r) => closed.server.close(r));
    const orphan = await start(`http://127.0.0.1:${deadPort}`);
    try {
      const r = await fetch(`${orphan.url}/v1/containers`);
      expect(r.status).toBe(502);
      const body = (await r.json()) as { errors: { detail: string }[] };
      expect(body.errors[0].detail).toContain(`zun-api does not answer at http://127.0.0.1:${deadPort}`);
    } finally {
      await orphan.stop(100);
    }
  });
});
