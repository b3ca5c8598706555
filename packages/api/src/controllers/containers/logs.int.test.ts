import { readFileSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../../test/support/stack';

const MiB = 1024 * 1024;

/** Resident memory of a process, from /proc (bytes). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * `zun logs` of a container with a very large log, through a zun-api process and the real
 * agent: both stream the log, so neither process grows with it.
 */
describe('logs of a large log (real engine, real agent, zun-api process)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let api: { url: string; pid: number; stop(): Promise<void> };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
    api = await stack.launchApi();
  });
  afterAll(async () => {
    await api?.stop();
    await stack?.stop();
    await db?.drop();
  });

  it('streams 100 MB of logs with API and agent memory within +50 MB', async () => {
    // 100 MiB of 1,000-byte lines, then idle: the log is complete once the size stops growing.
    const r = await stack.call<{ uuid: string }>('POST', '/v1/containers?run=true', {
      body: {
        image: BUSYBOX,
        memory: 64,
        command: ['sh', '-c', 'yes "$(printf %0999d 0)" | head -c 104857600; exec sleep 600'],
      },
    });
    expect(r.status).toBe(202);
    const uuid = r.body.uuid;
    await stack.waitFor(uuid, (c) => c.status === 'Running');
    const info = await stack.docker.getContainer(`zun-${uuid}`).inspect();
    // The engine's log files (json-file; rotated ones have suffixes), until they stop growing.
    const logged = async (): Promise<number> => {
      const top = (await stack.docker.getContainer(info.Id).top()) as { Processes: string[][] };
      return top.Processes.some((p) => p.join(' ').includes('head -c')) ? -1 : 0;
    };
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      if ((await logged()) === 0) break;
      await new Promise((res) => setTimeout(res, 500));
    }

    const agentPid = stack.agentPid!;
    // A first, smaller read (20,000 lines, about 20 MB) warms both processes up (V8 grows its
    // young generation to the allocation rate it sees): what is measured after it is what the
    // size of a log costs, not what streaming anything costs once.
    const token = await stack.token('demo');
    const warm = await fetch(`${api.url}/v1/containers/${uuid}/logs?tail=20000`, {
      headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'container 1.40' },
    });
    expect(warm.status).toBe(200);
    await warm.arrayBuffer();
    const before = { api: rss(api.pid), agent: rss(agentPid) };
    const peak = { ...before };
    const sampler = setInterval(() => {
      peak.api = Math.max(peak.api, rss(api.pid));
      peak.agent = Math.max(peak.agent, rss(agentPid));
    }, 25);
    let bytes = 0;
    let head = '';
    let tail = '';
    try {
      const res = await fetch(`${api.url}/v1/containers/${uuid}/logs?stdout=True&stderr=True`, {
        headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'container 1.40' },
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        if (head.length < 16) head += Buffer.from(value.subarray(0, 16)).toString();
        tail = (tail + Buffer.from(value.subarray(Math.max(0, value.length - 16))).toString()).slice(-16);
        // A slow reader: back-pressure must hold the rest in the engine, not in our daemons.
        if (bytes % (8 * MiB) < value.length) await new Promise((res2) => setTimeout(res2, 20));
      }
    } finally {
      clearInterval(sampler);
    }
    // Rotation keeps at most log_max_size x log_max_files (20m x 5) of the 100 MiB written.
    expect(bytes).toBeGreaterThan(80 * MiB);
    expect(head.startsWith('"0000')).toBe(true);
    expect(tail.endsWith('0000\\n"')).toBe(true);
    const grew = { api: (peak.api - before.api) / MiB, agent: (peak.agent - before.agent) / MiB };
    process.stdout.write(
      `logs: ${(bytes / MiB).toFixed(0)} MiB read; grew api ${grew.api.toFixed(1)} MiB, agent ${grew.agent.toFixed(1)} MiB\n`,
    );
    expect(grew.api).toBeLessThan(50);
    expect(grew.agent).toBeLessThan(50);
    await stack.call('DELETE', `/v1/containers/${uuid}?force=True`);
  }, 240_000);
});
