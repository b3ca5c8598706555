import { createServer, connect, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { REQUEST_ID_HEADER } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../test/support/stack';

/**
 * A TCP relay in front of the test PostgreSQL, so the test can take the database away from
 * running daemons (close the relay and cut its connections) and give it back on the same port.
 */
class DatabaseRelay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

let db: TestDatabase;
let relay: DatabaseRelay;
let stack: TestStack;
let wsproxyUrl: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const real = new URL(db.url);
  relay = new DatabaseRelay({ host: real.hostname, port: Number(real.port) });
  await relay.open();
  const proxied = new URL(db.url);
  proxied.port = String(relay.port);
  stack = new TestStack({ ...db, url: proxied.toString() });
  const proxy = await stack.startWsProxy();
  wsproxyUrl = `http://127.0.0.1:${proxy.port}`;
  await stack.startApi({ ZUN_WEBSOCKET_PROXY_BASE_URL: proxy.url });
  await stack.startAgent();
});

afterAll(async () => {
  await relay?.open();
  await stack?.stop();
  await relay?.close();
  await db?.drop();
});

/** GET without any credential, as a load balancer or a scraper does. */
async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** The daemon's metrics once `re` matches them (they follow the work by a moment). */
async function metricsWhen(url: string, re: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (await get(`${url}/metrics`)).body;
    if (re.test(text)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return text;
}

const daemons = (): [string, string][] => [
  ['zun-api', stack.api.url],
  ['zun-compute', stack.agentUrl!],
  ['zun-wsproxy', wsproxyUrl],
];

describe('/healthcheck', () => {
  it('answers 200 OK on every daemon without credentials', async () => {
    for (const [, url] of daemons()) {
      const r = await get(`${url}/healthcheck`);
      expect([url, r.status, r.body]).toEqual([url, 200, 'OK']);
      expect(r.type).toMatch(/^text\/plain/);
    }
  });

  it('answers 503 with nothing more on every daemon while the database is unreachable, and 200 again after', async () => {
    await relay.close();
    try {
      for (const [, url] of daemons()) {
        const started = Date.now();
        const r = await get(`${url}/healthcheck`);
        expect([url, r.status, r.body]).toEqual([url, 503, 'Service Unavailable']);
        expect(Date.now() - started).toBeLessThan(5_000);
      }
    } finally {
      await relay.open();
    }
    for (const [, url] of daemons()) {
      let r = await get(`${url}/healthcheck`);
      // A pooled connection cut by the outage may fail the first query after it.
      if (r.status !== 200) r = await get(`${url}/healthcheck`);
      expect([url, r.status]).toEqual([url, 200]);
    }
  });

  it('leaves the agent API behind the service credential', async () => {
    expect((await get(`${stack.agentUrl}/v1/health`)).status).toBe(401);
  });
});

describe('/metrics', () => {
  it('serves Prometheus text with the process metrics on every daemon, without credentials', async () => {
    for (const [daemon, url] of daemons()) {
      const r = await get(`${url}/metrics`);
      expect([url, r.status]).toEqual([url, 200]);
      expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(r.body).toContain(`process_cpu_user_seconds_total{daemon="${daemon}"}`);
      expect(r.body).toMatch(/^# TYPE nodejs_heap_size_used_bytes gauge$/m);
    }
  });

  it('counts API requests by route pattern, and the agent its tasks, claims and requests', async () => {
    const created = await stack.call<{ uuid: string }>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '300'], memory: '64' },
    });
    expect(created.status).toBe(202);
    const uuid = created.body.uuid;
    await stack.waitFor(uuid, (c) => c.status === 'Running', 60_000, 'demo');
    const missing = await stack.call('GET', '/v1/containers/5a2f0d8c-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);

    const api = (await get(`${stack.api.url}/metrics`)).body;
    expect(api).toMatch(
      /zun_http_requests_total\{method="POST",route="\/v1\/containers",status="202",daemon="zun-api"\} 1/,
    );
    expect(api).toMatch(
      /zun_http_requests_total\{method="GET",route="\/v1\/containers\/:ident",status="404",daemon="zun-api"\} 1/,
    );
    expect(api).not.toContain(uuid);

    // The row reads Running before the task has recorded its end.
    const agent = await metricsWhen(stack.agentUrl!, /zun_compute_tasks_running\{action="create",[^}]*\} 0/);
    expect(agent).toMatch(/zun_compute_tasks_queued_total\{action="create",daemon="zun-compute"\} 1/);
    expect(agent).toMatch(
      /zun_compute_tasks_finished_total\{action="create",outcome="done",daemon="zun-compute"\} 1/,
    );
    expect(agent).toMatch(/zun_compute_tasks_running\{action="create",daemon="zun-compute"\} 0/);
    expect(agent).toMatch(/zun_compute_claims_total\{outcome="granted",daemon="zun-compute"\} [1-9]/);
    expect(agent).toMatch(/zun_compute_claimed_memory\{daemon="zun-compute"\} 64/);
    expect(agent).toMatch(
      /zun_http_requests_total\{method="POST",route="\/v1\/claims",status="201",daemon="zun-compute"\} 1/,
    );

    // The agent's access log carries the API's request id.
    const line = stack.agentOutput
      .split('\n')
      .find((l) => l.includes('"message":"request"') && l.includes('"route":"/v1/claims"'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as Record<string, unknown>;
    expect(entry).toMatchObject({ method: 'POST', status: 201, path: '/v1/claims' });
    expect(created.headers.get(REQUEST_ID_HEADER)).toBe(entry.request_id);
    // So does every line the agent's create task logs (the task runs in the request's context).
    // Running is written before the task ends: its last line ("task done") may still be coming.
    const taskLinesOf = () =>
      stack.agentOutput
        .split('\n')
        .filter((l) => l.includes(`"uuid":"${uuid}"`) && l.includes('"action":"create"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if (taskLinesOf().some((l) => l.message === 'task done')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const taskLines = taskLinesOf();
    expect(taskLines.map((l) => l.message)).toContain('task done');
    for (const l of taskLines) expect([l.message, l.request_id]).toEqual([l.message, entry.request_id]);

    const del = await stack.call('DELETE', `/v1/containers/${uuid}?force=true`, { user: 'admin' });
    expect(del.status).toBe(204);
  });

  it('counts what the reconcile corrects, and the sessions through zun-wsproxy', async () => {
    const created = await stack.call<{ uuid: string }>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '300'], memory: '32' },
    });
    const uuid = created.body.uuid;
    await stack.waitFor(uuid, (c) => c.status === 'Running', 60_000, 'demo');
    // A row out of step with the engine, with no engine event to tell: only the reconcile finds it.
    await db.sequelize.query(`UPDATE containers SET status = 'Stopped' WHERE uuid = :uuid`, {
      replacements: { uuid },
    });
    await stack.waitFor(uuid, (c) => c.status === 'Running', 30_000, 'demo');
    const agent = await metricsWhen(stack.agentUrl!, /zun_compute_reconcile_drift_total\{kind="status"/);
    expect(agent).toMatch(/zun_compute_reconcile_drift_total\{kind="status",daemon="zun-compute"\} [1-9]/);

    const exec = await stack.call<{ proxy_url: string }>(
      'POST',
      `/v1/containers/${uuid}/execute?command=sh&run=False&interactive=True`,
    );
    // python-zunclient's way: subprotocol binary, the proxy's own origin.
    const u = new URL(exec.body.proxy_url);
    const ws = new WebSocket(exec.body.proxy_url, ['binary'], { headers: { origin: `http://${u.host}` } });
    let out = '';
    ws.on('message', (d: Buffer) => (out += d.toString()));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(Buffer.from('echo hel""lo\n'));
    const deadline = Date.now() + 10_000;
    while (!out.includes('hello') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('hello');
    const during = (await get(`${wsproxyUrl}/metrics`)).body;
    expect(during).toContain('zun_wsproxy_sessions_open{daemon="zun-wsproxy"} 1');
    expect(during).toContain('zun_wsproxy_sessions_started_total{daemon="zun-wsproxy"} 1');
    ws.send(Buffer.from('exit\n'));
    await closed;
    const after = await metricsWhen(wsproxyUrl, /zun_wsproxy_sessions_open\{[^}]*\} 0/);
    expect(after).toContain('zun_wsproxy_sessions_open{daemon="zun-wsproxy"} 0');
    expect(after).toContain('zun_wsproxy_sessions_ended_total{daemon="zun-wsproxy"} 1');
    await stack.call('DELETE', `/v1/containers/${uuid}?force=true`, { user: 'admin' });
  });
});
