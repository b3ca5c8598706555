import { PeriodicJob } from './periodic';

/** Start times (ms since the job started) and the largest number of runs at once. */
function recorder(runMs = 0) {
  const starts: number[] = [];
  let active = 0;
  let maxActive = 0;
  const t0 = Date.now();
  const run = async (): Promise<void> => {
    starts.push(Date.now() - t0);
    active++;
    maxActive = Math.max(maxActive, active);
    if (runMs) await new Promise((r) => setTimeout(r, runMs));
    active--;
  };
  return { starts, run, maxActive: () => maxActive, active: () => active };
}

const gaps = (starts: number[]): number[] => starts.slice(1).map((s, i) => s - starts[i]);

describe('PeriodicJob', () => {
  const jobs: PeriodicJob[] = [];
  const job = (intervalSeconds: number, run: () => Promise<void>, random?: () => number): PeriodicJob => {
    const j = new PeriodicJob({ name: 'test', intervalSeconds, run, onError: () => undefined, random });
    jobs.push(j);
    return j.start();
  };

  beforeEach(() => jest.useFakeTimers());
  afterEach(async () => {
    for (const j of jobs.splice(0)) await j.stop();
    jest.useRealTimers();
  });

  it.each([45, 90, 600])('runs every %i s (±10 %), whatever the interval', async (seconds) => {
    const r = recorder();
    job(seconds, r.run);
    await jest.advanceTimersByTimeAsync(seconds * 1000 * 20);
    expect(r.starts.length).toBeGreaterThanOrEqual(18);
    expect(r.starts[0]).toBeLessThan(seconds * 1000);
    for (const g of gaps(r.starts)) {
      expect(g).toBeGreaterThanOrEqual(seconds * 900);
      expect(g).toBeLessThanOrEqual(seconds * 1100);
    }
    // Jitter, not a fixed beat: hosts started together drift apart.
    expect(new Set(gaps(r.starts)).size).toBeGreaterThan(1);
  });

  it('takes fractions of a second', async () => {
    const r = recorder();
    job(0.5, r.run);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(r.starts.length).toBeGreaterThanOrEqual(18);
    for (const g of gaps(r.starts)) expect(g).toBeGreaterThanOrEqual(450);
  });

  it('puts the first run at a random point of the interval, so hosts do not fire together', async () => {
    const offsets = [0.05, 0.5, 0.95];
    const recorders = offsets.map((o) => {
      const r = recorder();
      job(10, r.run, () => o);
      return r;
    });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(recorders.map((r) => r.starts[0])).toEqual([500, 5_000, 9_500]);
  });

  it('never overlaps itself: the next run is timed from the end of a slow one', async () => {
    const r = recorder(100_000);
    job(45, r.run, () => 0.5);
    await jest.advanceTimersByTimeAsync(1_000_000);
    expect(r.maxActive()).toBe(1);
    // random() = 0.5: first run at 22.5 s, then 100 s of work and a 45 s gap each time.
    expect(gaps(r.starts)).toEqual(Array(gaps(r.starts).length).fill(145_000));
    expect(r.starts.length).toBeGreaterThanOrEqual(6);
  });

  it('goes on after a run that throws, reporting the error', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const j = new PeriodicJob({
      name: 'flaky',
      intervalSeconds: 1,
      run: () => {
        n++;
        throw new Error(`boom ${n}`);
      },
      onError: (err) => errors.push(err),
    });
    jobs.push(j.start());
    await jest.advanceTimersByTimeAsync(5_500);
    expect(n).toBeGreaterThanOrEqual(4);
    expect(errors.map(String)).toContain('Error: boom 1');
    expect(errors).toHaveLength(n);
  });

  it('stop() waits for the run in progress and no run starts after it', async () => {
    const r = recorder(30_000);
    const j = job(10, r.run, () => 0);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(r.active()).toBe(1);
    let stopped = false;
    const stopping = j.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(29_000 - 1);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stopping;
    expect(r.active()).toBe(0);
    const runs = r.starts.length;
    await jest.advanceTimersByTimeAsync(120_000);
    expect(r.starts).toHaveLength(runs);
  });

  it('stop() before the first run means no run at all', async () => {
    const r = recorder();
    const j = job(10, r.run, () => 0.5);
    await j.stop();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(r.starts).toHaveLength(0);
  });

  it('refuses an interval that is not a positive number of seconds', () => {
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        () =>
          new PeriodicJob({
            name: 'bad',
            intervalSeconds: bad,
            run: () => undefined,
            onError: () => undefined,
          }),
      ).toThrow('bad: the interval must be a positive number of seconds');
    }
  });
});
