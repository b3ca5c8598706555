/**
 * A job the agent runs every `intervalSeconds` (fractions allowed) until stopped.
 *
 * The first run comes after a random part of the interval, so agents started together (a
 * fleet rebooted at once, or every `npm start` host) do not all write to the database in the
 * same second; each later run is timed from the end of the one before, give or take `jitter`
 * of the interval, so a run slower than the interval never overlaps the next one and the
 * hosts stay spread out. A run that throws is reported to `onError` and the job goes on.
 */
export interface PeriodicOptions {
  name: string;
  intervalSeconds: number;
  run: () => Promise<unknown> | unknown;
  onError: (err: unknown) => void;
  /** Largest change of each gap, as a fraction of the interval (0.1: ±10 %). */
  jitter?: number;
  /** Uniform in [0, 1); replaceable so tests can pin the offsets. */
  random?: () => number;
}

export class PeriodicJob {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly opts: PeriodicOptions) {
    if (!(opts.intervalSeconds > 0) || !Number.isFinite(opts.intervalSeconds))
      throw new Error(`${opts.name}: the interval must be a positive number of seconds`);
    this.intervalMs = opts.intervalSeconds * 1000;
    this.jitter = Math.min(Math.max(opts.jitter ?? 0.1, 0), 1);
    this.random = opts.random ?? Math.random;
  }

  /** Schedules the first run somewhere within the first interval. */
  start(): this {
    this.schedule(this.random() * this.intervalMs);
    return this;
  }

  /** No run starts after this; resolves once a run in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.runOnce().finally(() => {
        this.inFlight = null;
        this.schedule(this.nextGap());
      });
    }, delayMs);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.opts.run();
    } catch (err) {
      // A reporter that throws must not end the job (nor reject the run stop() waits for).
      try {
        this.opts.onError(err);
      } catch {
        /* nothing left to report to */
      }
    }
  }

  private nextGap(): number {
    return this.intervalMs * (1 + this.jitter * (2 * this.random() - 1));
  }
}
