import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

/**
 * GET …/logs?follow=true through zun-api and the real zun-compute daemon against the real
 * engine: new lines arrive as they are written, and the engine's stream closes with the client.
 */
describe('followed logs (real engine, real agent)', () => {
  let db: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  const run = async (script: string): Promise<string> => {
    const r = await stack.call<{ uuid: string }>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sh', '-c', script] },
    });
    expect(r.status).toBe(202);
    // A loaded machine may take long to start a container.
    await stack.waitFor(r.body.uuid, (c) => c.status === 'Running' || c.status === 'Stopped', 90_000);
    return r.body.uuid;
  };
  const follow = async (uuid: string, signal?: AbortSignal): Promise<Response> =>
    fetch(`${stack.api.url}/v1/containers/${uuid}/logs?follow=true&tail=1`, {
      headers: { 'X-Auth-Token': await stack.token('demo'), 'OpenStack-API-Version': 'container 1.40' },
      signal,
    });
  /** The agent's count of followed logs open on the engine, from its /metrics. */
  const openOnEngine = async (): Promise<number> => {
    const text = await (await fetch(`${stack.agentUrl}/metrics`)).text();
    const m = /^zun_compute_followed_logs(?:{[^}]*})? (\d+)/m.exec(text);
    if (!m) throw new Error(`no zun_compute_followed_logs in the agent's metrics:\n${text.slice(0, 3000)}`);
    return Number(m[1]);
  };
  const until = async (pred: () => Promise<boolean>, what: string, ms = 5_000): Promise<void> => {
    for (const deadline = Date.now() + ms; Date.now() < deadline;) {
      if (await pred()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('passes on each new line within a second, and closing the client closes the engine stream', async () => {
    const uuid = await run('i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.2; done');
    const abort = new AbortController();
    const res = await follow(uuid, abort.signal);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const seen: { n: number; at: number }[] = [];
    let buf = '';
    while (seen.length < 10) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended after ${JSON.stringify(seen)}`);
      buf += value;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const m = /^line-(\d+)$/.exec(buf.slice(0, nl));
        if (m) seen.push({ n: Number(m[1]), at: Date.now() });
        buf = buf.slice(nl + 1);
      }
    }
    // tail=1, then the lines as they are written: consecutive, each within about a second.
    for (let i = 1; i < seen.length; i += 1) {
      expect(seen[i].n).toBe(seen[i - 1].n + 1);
      expect(seen[i].at - seen[i - 1].at).toBeLessThan(1_000);
    }
    expect(await openOnEngine()).toBe(1);

    abort.abort();
    await until(async () => (await openOnEngine()) === 0, 'the engine stream to close');
    // The container went on: only the stream ended.
    expect((await stack.waitFor(uuid, () => true)).status).toBe('Running');
    await stack.call('DELETE', `/v1/containers/${uuid}?force=True`);
  });

  it('ends the answer when the container stops', async () => {
    const uuid = await run('echo first; sleep 2; echo last');
    const res = await follow(uuid);
    expect(res.status).toBe(200);
    const t0 = Date.now();
    expect(await res.text()).toContain('last\n');
    expect(Date.now() - t0).toBeLessThan(10_000);
    await until(async () => (await openOnEngine()) === 0, 'the engine stream to close');
    await stack.call('DELETE', `/v1/containers/${uuid}?force=True`);
  });

  it('checks the token and the parameter like an ordinary read', async () => {
    const uuid = await run('sleep 600');
    const anonymous = await stack.call('GET', `/v1/containers/${uuid}/logs?follow=true`, { token: null });
    expect(anonymous.status).toBe(401);
    const bad = await stack.call('GET', `/v1/containers/${uuid}/logs?follow=maybe`);
    expect(bad.status).toBe(400);
    // Without follow the answer stays Zun's: the log as one JSON string.
    const plain = await stack.call('GET', `/v1/containers/${uuid}/logs`);
    expect(plain.status).toBe(200);
    expect(plain.body).toBe('');
    await stack.call('DELETE', `/v1/containers/${uuid}?force=True`);
  });
});
