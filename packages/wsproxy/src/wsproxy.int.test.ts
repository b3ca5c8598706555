import { createHash } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../test/support/stack';

type View = Record<string, unknown>;

interface Session {
  ws: WebSocket;
  protocol: string;
  output: () => string;
  closed: Promise<{ code: number; reason: string }>;
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<string>;
}

/** Opens a proxy URL the way python-zunclient does (subprotocols binary/base64, its Origin). */
function open(url: string, headers: Record<string, string> = {}): Promise<Session> {
  const u = new URL(url);
  const ws = new WebSocket(url, ['binary', 'base64'], {
    headers: { origin: `http://${u.hostname}:${u.port}`, ...headers },
  });
  let out = '';
  ws.on('message', (d: Buffer) => (out += d.toString('utf8')));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        protocol: ws.protocol,
        output: () => out,
        closed,
        waitFor: async (text, timeoutMs = 10_000) => {
          const deadline = Date.now() + timeoutMs;
          while (Date.now() < deadline) {
            if (typeof text === 'string' ? out.includes(text) : text.test(out)) return out;
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error(`timed out waiting for ${String(text)}; got: ${JSON.stringify(out)}`);
        },
      }),
    );
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

describe('interactive sessions through zun-wsproxy (real agent, engine, PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;

  const run = async (name: string, body: View = {}, user: 'admin' | 'demo' = 'demo'): Promise<string> => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      user,
      body: { image: BUSYBOX, name, command: ['sh'], interactive: true, tty: true, ...body },
    });
    expect(r.status).toBe(202);
    await stack.waitFor(String(r.body.uuid), (c) => c.status === 'Running');
    return String(r.body.uuid);
  };
  const attachUrl = async (ident: string, user: 'admin' | 'demo' = 'demo'): Promise<string> => {
    const r = await stack.call<string>('GET', `/v1/containers/${ident}/attach`, { user });
    expect(r.status).toBe(200);
    return r.body;
  };
  const execUrl = async (ident: string, command: string): Promise<{ exec_id: string; proxy_url: string }> => {
    const r = await stack.call<{ exec_id: string; proxy_url: string }>(
      'POST',
      `/v1/containers/${ident}/execute?command=${encodeURIComponent(command)}&run=False&interactive=True`,
    );
    expect(r.status).toBe(200);
    return r.body;
  };
  const refusedWith = async (url: string): Promise<{ code: number; reason: string }> => {
    const s = await open(url);
    return s.closed;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    const proxy = await stack.startWsProxy({
      ZUN_WEBSOCKET_PROXY_ALLOWED_ORIGINS: 'https://console.example.org',
      ZUN_WEBSOCKET_PROXY_MAX_PAYLOAD: '4096',
    });
    await stack.startApi({ ZUN_WEBSOCKET_PROXY_BASE_URL: proxy.url });
    await stack.startAgent({ ZUN_WEBSOCKET_PROXY_MAX_PAYLOAD: '4096' });
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('non-interactive execute returns the output and the exit code', async () => {
    await run('exec-plain');
    const hi = await stack.call<View>(
      'POST',
      '/v1/containers/exec-plain/execute?command=%22echo%22%20%22hi%20there%22',
    );
    expect(hi.status).toBe(200);
    expect(hi.body).toEqual({ output: 'hi there\n', exit_code: 0, exec_id: null, proxy_url: null });
    const fail = await stack.call<View>(
      'POST',
      `/v1/containers/exec-plain/execute?command=${encodeURIComponent('sh -c "echo oops >&2; exit 3"')}`,
    );
    expect(fail.body).toMatchObject({ output: 'oops\n', exit_code: 3 });
    const missing = await stack.call<View>('POST', '/v1/containers/exec-plain/execute');
    expect(missing.status).toBe(400);
    const badRun = await stack.call<View>('POST', '/v1/containers/exec-plain/execute?command=ls&run=maybe');
    expect(badRun.status).toBe(400);
  });

  it('attach: a TTY shell, input echoed, the resize reaches the container', async () => {
    const uuid = await run('attach-me');
    const url = await attachUrl('attach-me');
    expect(url).toMatch(new RegExp(`^${stack.wsproxy!.url}\\?token=[0-9a-f]{64}&uuid=${uuid}$`));
    const s = await open(url);
    expect(s.protocol).toBe('binary');
    const resized = await stack.call('POST', `/v1/containers/attach-me/resize?w=91&h=37`);
    expect(resized.status).toBe(200);
    s.ws.send(Buffer.from('stty size; echo "sum=$((40+2))"\r'));
    await s.waitFor('37 91');
    await s.waitFor('sum=42');
    s.ws.close(1000);
    expect((await s.closed).code).toBe(1000);
    // Reusing the same URL is refused: tokens are single-use.
    expect(await refusedWith(url)).toEqual({ code: 4401, reason: 'token already used' });
  });

  it('exec -it: its own TTY with the size asked for before it started; exiting ends the session', async () => {
    await run('exec-it');
    const { exec_id, proxy_url } = await execUrl('exec-it', 'sh');
    expect(exec_id).toMatch(/^[0-9a-f]{64}$/);
    expect(proxy_url).toContain(`&exec_id=${exec_id}`);
    const r = await stack.call('POST', `/v1/containers/exec-it/execute_resize?exec_id=${exec_id}&w=120&h=33`);
    expect(r.status).toBe(200);
    const s = await open(proxy_url);
    s.ws.send(Buffer.from('stty size\r'));
    await s.waitFor('33 120');
    const r2 = await stack.call('POST', `/v1/containers/exec-it/execute_resize?exec_id=${exec_id}&w=70&h=20`);
    expect(r2.status).toBe(200);
    s.ws.send(Buffer.from('stty size\r'));
    await s.waitFor('20 70');
    s.ws.send(Buffer.from('exit\r'));
    expect((await s.closed).code).toBe(1000);
    // The exec is spent: its token (and the exec) cannot be used again.
    expect((await refusedWith(proxy_url)).code).toBe(4401);
    const unknown = await stack.call(
      'POST',
      `/v1/containers/exec-it/execute_resize?exec_id=${'a'.repeat(64)}&w=1&h=1`,
    );
    expect(unknown.status).toBe(400);
    const badId = await stack.call('POST', `/v1/containers/exec-it/execute_resize?exec_id=xyz&w=1&h=1`);
    expect(badId.status).toBe(400);
  });

  it('refuses bad, expired, foreign and misdirected tokens with a clear close reason', async () => {
    const a = await run('tok-a');
    const b = await run('tok-b');
    const url = new URL(await attachUrl('tok-a'));
    const token = url.searchParams.get('token')!;
    // Presented for another container (same project): refused, and the token is spent.
    const misdirected = new URL(url);
    misdirected.searchParams.set('uuid', b);
    expect(await refusedWith(misdirected.toString())).toEqual({
      code: 4401,
      reason: 'token not valid for this container',
    });
    expect((await refusedWith(url.toString())).reason).toBe('token already used');
    // Unknown and malformed tokens.
    const forged = new URL(url);
    forged.searchParams.set('token', token.replace(/.$/, token.endsWith('0') ? '1' : '0'));
    expect(await refusedWith(forged.toString())).toEqual({ code: 4401, reason: 'invalid token' });
    forged.searchParams.set('token', 'x');
    expect((await refusedWith(forged.toString())).reason).toBe('invalid token');
    const noUuid = new URL(url);
    noUuid.searchParams.delete('uuid');
    expect((await refusedWith(noUuid.toString())).code).toBe(4400);
    // Expired: the stored expiry has passed (the API issues them `token_ttl` seconds ahead).
    const late = new URL(await attachUrl('tok-a'));
    const hash = createHash('sha256').update(late.searchParams.get('token')!).digest('hex');
    await db.sequelize.query(
      `UPDATE websocket_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = :hash`,
      {
        replacements: { hash },
      },
    );
    expect(await refusedWith(late.toString())).toEqual({ code: 4401, reason: 'token expired' });
    // Only the hash is stored.
    const [rows] = await db.sequelize.query(`SELECT token_hash FROM websocket_tokens`);
    expect(JSON.stringify(rows)).not.toContain(late.searchParams.get('token'));
    expect(a).not.toBe(b);
  });

  it("a token of one project never opens another project's container", async () => {
    const mine = await run('demo-box');
    const theirs = await run('admin-box', {}, 'admin');
    // demo cannot even ask for the admin's container...
    expect((await stack.call('GET', `/v1/containers/${theirs}/attach`)).status).toBe(404);
    // ...and demo's token pointed at it is refused.
    const url = new URL(await attachUrl(mine));
    url.searchParams.set('uuid', theirs);
    expect((await refusedWith(url.toString())).reason).toBe('token not valid for this container');
    // A demo exec token with the admin container's uuid and a real admin exec id: refused too.
    const adminExec = await stack.call<{ exec_id: string }>(
      'POST',
      `/v1/containers/${theirs}/execute?command=sh&run=False&interactive=True`,
      { user: 'admin' },
    );
    const demoExec = new URL((await execUrl(mine, 'sh')).proxy_url);
    demoExec.searchParams.set('uuid', theirs);
    demoExec.searchParams.set('exec_id', adminExec.body.exec_id);
    expect((await refusedWith(demoExec.toString())).code).toBe(4401);
  });

  it('refuses tokens of stopped and deleted containers, and attach to a non-interactive one', async () => {
    await run('stop-me');
    const url = await attachUrl('stop-me');
    expect((await stack.call('POST', '/v1/containers/stop-me/stop?timeout=0')).status).toBe(202);
    await stack.waitFor('stop-me', (c) => c.status === 'Stopped', 30_000, 'demo');
    const stopped = await refusedWith(url);
    expect(stopped.code).toBe(4409);
    expect(stopped.reason).toMatch(/is Stopped, not Running/);
    expect((await stack.call('GET', '/v1/containers/stop-me/attach')).status).toBe(409);
    expect((await stack.call('POST', '/v1/containers/stop-me/execute?command=ls')).status).toBe(409);

    await run('delete-me');
    const url2 = await attachUrl('delete-me');
    expect((await stack.call('DELETE', '/v1/containers/delete-me?stop=True')).status).toBe(204);
    await stack.waitFor('delete-me', (c) => c.gone === true, 30_000, 'demo');
    const deleted = await refusedWith(url2);
    expect(deleted.code).toBe(4404);
    expect(deleted.reason).toMatch(/no longer exists/);

    const plain = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, name: 'not-interactive', command: ['sleep', '300'] },
    });
    await stack.waitFor(String(plain.body.uuid), (c) => c.status === 'Running');
    const r = await stack.call<{ code: string }>('GET', '/v1/containers/not-interactive/attach');
    expect(r.status).toBe(400);
  });

  it('applies the exact origin allowlist before upgrading', async () => {
    await run('origin-box');
    const tries: [string | null, boolean][] = [
      ['http://evil.example.org', false],
      ['https://console.example.org.evil.example', false],
      ['https://console.example.org', true],
      [null, true],
    ];
    for (const [origin, ok] of tries) {
      const url = await attachUrl('origin-box');
      const u = new URL(url);
      const ws = new WebSocket(url, ['binary'], origin ? { origin } : {});
      const outcome = await new Promise<string>((resolve) => {
        ws.once('open', () => resolve('open'));
        ws.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
        ws.once('error', (e) => resolve(`error ${e.message}`));
      });
      expect([origin, outcome]).toEqual([origin, ok ? 'open' : 'HTTP 403']);
      ws.terminate();
      // A refused origin never consumed the token.
      if (!ok) expect((await open(url)).protocol).toBe('binary');
      expect(u.protocol).toBe('ws:');
    }
  });

  it('survives oversized and malformed frames, and the agent requires the service credential', async () => {
    await run('frames');
    const s = await open(await attachUrl('frames'));
    s.ws.send(Buffer.alloc(8192, 0x41));
    expect((await s.closed).code).toBe(1009);

    // Garbage after a valid upgrade: a frame with reserved bits and an absurd length.
    const url = new URL(await attachUrl('frames'));
    await new Promise<void>((resolve) => {
      const sock = tcpConnect(Number(url.port), url.hostname, () => {
        sock.write(
          `GET /${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
        setTimeout(
          () => sock.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2])),
          100,
        );
      });
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
      sock.resume();
    });
    // Not even a WebSocket.
    await new Promise<void>((resolve) => {
      const sock = tcpConnect(Number(url.port), url.hostname, () =>
        sock.write('\x16\x03\x01garbage\r\n\r\n'),
      );
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
      sock.resume();
    });
    // The proxy is still serving.
    const again = await open(await attachUrl('frames'));
    again.ws.send(Buffer.from('echo still-alive\r'));
    await again.waitFor('still-alive');
    again.ws.close();

    // The agent's stream endpoint: no credential, no upgrade.
    const agent = stack.agentUrl!.replace(/^http/, 'ws');
    const uuid = url.searchParams.get('uuid')!;
    for (const headers of [{}, { 'x-zun-service-token': 'wrong' }]) {
      const ws = new WebSocket(`${agent}/v1/containers/${uuid}/attach/ws`, { headers });
      const status = await new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => resolve(-1));
      });
      expect(status).toBe(401);
    }
  });

  it('stop() drains: no new sessions, open ones keep working for the grace period, then get a close frame', async () => {
    // The stack's own proxy (a second one in this process would rebind the models): so this
    // test comes last.
    const proxy = stack.wsproxy!;
    await run('drain-me');
    const s = await open(await attachUrl('drain-me'));
    s.ws.send(Buffer.from('echo before-$((1+1))\r'));
    await s.waitFor('before-2');

    const stopping = proxy.stop({ graceMs: 2_000 });
    await new Promise((r) => setTimeout(r, 100));
    await expect(open(await attachUrl('drain-me'))).rejects.toThrow();
    s.ws.send(Buffer.from('echo during-$((2+2))\r'));
    await s.waitFor('during-4');
    expect(await s.closed).toEqual({ code: 1001, reason: 'zun-wsproxy is shutting down' });
    await stopping;
    expect((await stack.call<View>('GET', '/v1/containers/drain-me')).body.status).toBe('Running');
  });
});
