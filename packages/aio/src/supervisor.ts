import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** Restart delays after a crash: doubling from the first, capped; reset after a stable run. */
export interface Backoff {
  firstMs: number;
  maxMs: number;
  /** A run at least this long counts as healthy: the next crash starts from firstMs again. */
  stableMs: number;
}

/**
 * A daemon that lived 5 s had started fine (start-up takes 1–2 s), so its death is an incident,
 * not a crash loop, and it is back after 1 s; one that keeps dying young waits longer each time.
 * (With 10 s, a zun-api killed every 7 s in the fault suite waited 30 s by the sixth time.)
 */
export const DEFAULT_BACKOFF: Backoff = { firstMs: 1_000, maxMs: 30_000, stableMs: 5_000 };

/** Next delay after a crash, given the previous delay and how long the crashed run lasted. */
export function nextDelay(previousMs: number, ranMs: number, b: Backoff = DEFAULT_BACKOFF): number {
  if (previousMs === 0 || ranMs >= b.stableMs) return b.firstMs;
  return Math.min(previousMs * 2, b.maxMs);
}

/**
 * One daemon of the all-in-one, run as our child with its output appended to a log file. When
 * it dies on its own it is started again after a backoff and the others keep serving: a crash of
 * one daemon never takes down the rest, the engine or the tenants' containers. We stop it by PID.
 */
export class Daemon {
  private proc: ChildProcess | undefined;
  private exitedP: Promise<void> = Promise.resolve();
  private stopping = false;
  private delayMs = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Times it was started again after a crash. */
  restarts = 0;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
    private readonly say: (msg: string) => void,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
    /** Node's own flags for the daemon (V8 heap sizing), before the script. */
    private readonly nodeFlags: readonly string[] = [],
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Resolves when the current process exits (at once when none runs). */
  get exited(): Promise<void> {
    return this.exitedP;
  }

  start(): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const proc = spawn(process.execPath, [...this.nodeFlags, this.script], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.pipe(log);
    proc.stderr?.pipe(log);
    const startedAt = Date.now();
    this.proc = proc;
    this.exitedP = new Promise<void>((resolve) =>
      proc.once('exit', (code, signal) => {
        resolve();
        if (this.stopping) return;
        this.delayMs = nextDelay(this.delayMs, Date.now() - startedAt, this.backoff);
        this.say(
          `${this.name} exited (${signal ?? `code ${code}`}); restarting in ${this.delayMs / 1000} s (log: ${this.logFile})`,
        );
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (this.stopping) return;
          this.restarts += 1;
          this.start();
        }, this.delayMs);
      }),
    );
  }

  /**
   * SIGTERM (the daemon drains for up to [DEFAULT] graceful_shutdown_timeout, 60 s by default),
   * SIGKILL if it is still there after `graceMs`; no restart afterwards.
   */
  async stop(graceMs = 70_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await this.exitedP;
    clearTimeout(timer);
  }
}

/** Polls `check` until it answers true; fails early when the daemon exits during start-up. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  daemon?: Daemon,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void daemon?.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what}: the process exited during start-up`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}
