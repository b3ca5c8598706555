/**
 * Interactive sessions: zun-wsproxy (client → wsproxy → agent → engine attach stream) vs. the
 * engine's own attach stream (dockerode, hijacked, on the local socket), same container, same
 * run, alternating blocks. Run with `npm run bench` (scripts/bench.sh passes the stack's URLs).
 *
 *   keystroke echo: one byte typed into a TTY shell until the shell's echo of it comes back,
 *                   median and p90 of BENCH_KEYS per path
 *   bulk:           `cat` of a 50 MB file in the container to the session, MB/s (median of
 *                   BENCH_BULK_TRIALS per path)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { api, login } from './api-client';
import { WebSocket } from 'ws';
import { median, quantile } from './stats';

const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const KEYS = Number(process.env.BENCH_KEYS ?? 200);
const BLOCKS = Number(process.env.BENCH_KEY_BLOCKS ?? 4);
const BULK_TRIALS = Number(process.env.BENCH_BULK_TRIALS ?? 3);
const BULK_BYTES = 50 * 1024 * 1024;
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

/** One attached terminal, whichever path: write bytes, get every received chunk. */
interface Pipe {
  write(b: Buffer): void;
  onData(fn: (b: Buffer) => void): void;
  close(): Promise<void>;
}

async function viaEngine(dockerId: string): Promise<Pipe> {
  const s = (await docker
    .getContainer(dockerId)
    .attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  return {
    write: (b) => s.write(b),
    onData: (fn) => s.on('data', fn),
    close: async () => {
      s.destroy();
    },
  };
}

async function viaProxy(uuid: string): Promise<Pipe> {
  const r = await api<string>('GET', `/v1/containers/${uuid}/attach`);
  if (r.status !== 200) throw new Error(`attach: ${r.status}`);
  const ws = new WebSocket(r.body, ['binary']);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    write: (b) => ws.send(b, { binary: true }),
    onData: (fn) => ws.on('message', (d: Buffer) => fn(d)),
    close: async () => {
      ws.close(1000);
      await new Promise((r) => ws.once('close', r));
    },
  };
}

/** Waits until `marker` has been seen in the stream after `since` (chunk boundaries handled). */
function watcher(pipe: Pipe) {
  let tail = '';
  let bytes = 0;
  let waiting: { marker: string; resolve: () => void } | null = null;
  pipe.onData((b) => {
    bytes += b.length;
    tail = (tail + b.toString('latin1')).slice(-64);
    if (waiting && tail.includes(waiting.marker)) {
      const w = waiting;
      waiting = null;
      tail = '';
      w.resolve();
    }
  });
  return {
    bytes: () => bytes,
    until: (marker: string) => new Promise<void>((resolve) => (waiting = { marker, resolve })),
    reset: () => {
      tail = '';
      bytes = 0;
    },
  };
}

async function keystrokes(pipe: Pipe, n: number): Promise<number[]> {
  const w = watcher(pipe);
  const out: number[] = [];
  pipe.write(Buffer.from('\x15')); // clear the line
  await new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < n; i++) {
    const key = String.fromCharCode(97 + (i % 26));
    const t0 = process.hrtime.bigint();
    const seen = w.until(key);
    pipe.write(Buffer.from(key));
    await seen;
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    // Keep the line short for the shell's editor.
    if (i % 40 === 39) {
      pipe.write(Buffer.from('\x15'));
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  pipe.write(Buffer.from('\x15'));
  return out;
}

async function bulk(pipe: Pipe): Promise<number> {
  const w = watcher(pipe);
  await new Promise((r) => setTimeout(r, 100));
  w.reset();
  const done = w.until('BULK-DONE-2');
  const t0 = process.hrtime.bigint();
  pipe.write(Buffer.from('cat /tmp/big; echo BULK-DONE-$((1+1))\r'));
  await done;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return w.bytes() / 1024 / 1024 / secs;
}

const p90 = (xs: number[]) => quantile(xs, 0.9);

async function main(): Promise<void> {
  await login();
  const c = await api<{ uuid: string }>('POST', '/v1/containers?run=true', {
    image: IMAGE,
    name: `bench-ws-${Date.now()}`,
    command: ['sh'],
    interactive: true,
    tty: true,
    memory: '256',
  });
  if (c.status !== 202) throw new Error(`create: ${c.status} ${JSON.stringify(c.body)}`);
  const uuid = c.body.uuid;
  try {
    let view: { status: string; container_id?: string } = { status: '' };
    for (let i = 0; i < 300 && view.status !== 'Running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = (await api<typeof view>('GET', `/v1/containers/${uuid}`)).body;
    }
    if (view.status !== 'Running') throw new Error(`container did not run: ${view.status}`);
    const dockerId = (
      await docker.listContainers({ filters: { label: [`org.openstack.zun.uuid=${uuid}`] } })
    )[0].Id;
    const mk = await api<{ exit_code: number }>(
      'POST',
      `/v1/containers/${uuid}/execute?command=${encodeURIComponent(
        `sh -c "yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c ${BULK_BYTES} > /tmp/big"`,
      )}`,
    );
    if (mk.body.exit_code !== 0) throw new Error(`making the 50 MB file failed: ${JSON.stringify(mk.body)}`);

    const keys = { engine: [] as number[], proxy: [] as number[] };
    for (let b = 0; b < BLOCKS; b++) {
      for (const kind of ['engine', 'proxy'] as const) {
        const pipe = kind === 'engine' ? await viaEngine(dockerId) : await viaProxy(uuid);
        keys[kind].push(...(await keystrokes(pipe, Math.ceil(KEYS / BLOCKS))));
        await pipe.close();
      }
    }
    const rates = { engine: [] as number[], proxy: [] as number[] };
    for (let t = 0; t < BULK_TRIALS; t++) {
      for (const kind of ['engine', 'proxy'] as const) {
        const pipe = kind === 'engine' ? await viaEngine(dockerId) : await viaProxy(uuid);
        rates[kind].push(await bulk(pipe));
        await pipe.close();
      }
    }
    const result = {
      date: new Date().toISOString(),
      keystroke_ms: {
        engine: { median: median(keys.engine), p90: p90(keys.engine), n: keys.engine.length },
        proxy: { median: median(keys.proxy), p90: p90(keys.proxy), n: keys.proxy.length },
        ratio_median: median(keys.proxy) / median(keys.engine),
      },
      bulk_50mb_mb_per_s: {
        engine: { median: median(rates.engine), trials: rates.engine },
        proxy: { median: median(rates.proxy), trials: rates.proxy },
        ratio_median: median(rates.proxy) / median(rates.engine),
      },
    };
    const f = (x: number) => x.toFixed(2);
    console.log(
      `wsproxy: keystroke echo median ${f(result.keystroke_ms.engine.median)} ms (engine) vs ` +
        `${f(result.keystroke_ms.proxy.median)} ms (proxy), ratio ${f(result.keystroke_ms.ratio_median)}; ` +
        `p90 ${f(result.keystroke_ms.engine.p90)} / ${f(result.keystroke_ms.proxy.p90)} ms`,
    );
    console.log(
      `wsproxy: cat 50 MB ${f(result.bulk_50mb_mb_per_s.engine.median)} MB/s (engine) vs ` +
        `${f(result.bulk_50mb_mb_per_s.proxy.median)} MB/s (proxy), ratio ${f(result.bulk_50mb_mb_per_s.ratio_median)}`,
    );
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'wsproxy.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await api('DELETE', `/v1/containers/${uuid}?force=True`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
