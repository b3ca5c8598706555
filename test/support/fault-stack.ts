import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AioStack, BUSYBOX } from './aio-stack';
import { takeCensus, type Census } from './census';
import { issueToken } from './identity';

export type DaemonName = 'api' | 'compute' | 'wsproxy' | 'postgres';

/** Processes on this machine: pid → parent pid and command line. */
function processTable(): Map<number, { ppid: number; cmd: string }> {
  const table = new Map<number, { ppid: number; cmd: string }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      table.set(pid, { ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

export interface CreateOutcome {
  status: number;
  uuid?: string;
  error?: string;
}

/**
 * The all-in-one as `npm start` runs it (AioStack), plus what fault scenarios need: the PIDs of
 * its daemons (descendants of this stack's launcher only), REST calls with a token, and a
 * census of the stack's database and engine.
 */
export class FaultStack extends AioStack {
  private tokenValue = '';

  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports.api}`;
  }

  get dbUrl(): string {
    const secrets = JSON.parse(readFileSync(path.join(this.state, 'secrets.json'), 'utf8')) as {
      dbPassword: string;
    };
    return `postgres://zun:${secrets.dbPassword}@127.0.0.1:${this.ports.pg}/zun`;
  }

  /** PID of one of this stack's daemons (undefined while it is down). */
  pidOf(daemon: DaemonName): number | undefined {
    const root = this.launcherPid;
    if (root === undefined) return undefined;
    const table = processTable();
    const descends = (pid: number): boolean => {
      for (let p = pid, hops = 0; p > 1 && hops < 10; hops += 1) {
        if (p === root) return true;
        p = table.get(p)?.ppid ?? 0;
      }
      return false;
    };
    const marker = daemon === 'postgres' ? `-p ${this.ports.pg}` : `packages/${daemon}/dist/main.js`;
    for (const [pid, p] of table) {
      if (pid === root || !p.cmd.includes(marker) || !descends(pid)) continue;
      // The postmaster is the one whose parent is the launcher, not one of its backends.
      if (daemon === 'postgres' && p.ppid !== root) continue;
      return pid;
    }
    return undefined;
  }

  /** Waits until the daemon runs again with another PID than `old`. */
  async waitRestarted(daemon: DaemonName, old: number, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pid = this.pidOf(daemon);
      if (pid !== undefined && pid !== old) return pid;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${daemon} was not restarted within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Waits until zun-api answers its health check (a restarted daemon takes a moment to listen). */
  async waitServing(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = await fetch(`${this.apiUrl}/healthcheck`).catch(() => null);
      if (r?.status === 200) return;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`zun-api did not serve again within ${timeoutMs} ms:\n${this.output}`);
  }

  private get launcherPid(): number | undefined {
    const bash = this.pid;
    if (bash === undefined) return undefined;
    for (const [pid, p] of processTable()) {
      if (p.ppid === bash && p.cmd.includes('packages/aio/dist/main.js')) return pid;
    }
    return undefined;
  }

  async token(): Promise<string> {
    if (this.tokenValue) return this.tokenValue;
    const token = await issueToken(this.apiUrl, 'admin', String(this.env.OS_PASSWORD));
    this.tokenValue = token;
    return token;
  }

  /** POST /v1/containers?run=true; a refused connection or reset counts as not acknowledged. */
  async runContainer(name: string, command = ['sleep', '3600']): Promise<CreateOutcome> {
    try {
      const res = await fetch(`${this.apiUrl}/v1/containers?run=true`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-auth-token': await this.token(),
          'openstack-api-version': 'container 1.40',
        },
        body: JSON.stringify({ name, image: BUSYBOX, command, memory: '16' }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await res.json().catch(() => ({}))) as { uuid?: string };
      return { status: res.status, uuid: body.uuid };
    } catch (err) {
      return { status: 0, error: String(err) };
    }
  }

  census(acknowledged: string[] = []): Promise<Census> {
    return takeCensus(this.dbUrl, this.docker, this.host, acknowledged);
  }
}

/** Figures of each scenario, written to $FAULT_RESULTS (JSON) when set, as `npm run faults` does. */
export const results: Record<string, unknown> = {};

export function saveResults(): void {
  const file = process.env.FAULT_RESULTS;
  if (!file || Object.keys(results).length === 0) return;
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first scenario file of the run
  }
  writeFileSync(file, `${JSON.stringify({ ...all, ...results }, null, 2)}\n`);
}

export const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 2);
