import { DEFAULT_BACKOFF, nextDelay } from './supervisor';

describe('restart backoff', () => {
  it('doubles while the daemon keeps dying young, up to the cap', () => {
    const delays: number[] = [];
    let d = 0;
    for (let i = 0; i < 8; i += 1) {
      d = nextDelay(d, 500);
      delays.push(d);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts again from the first delay after a run that lasted', () => {
    expect(nextDelay(30_000, DEFAULT_BACKOFF.stableMs)).toBe(1_000);
    expect(nextDelay(30_000, DEFAULT_BACKOFF.stableMs - 1)).toBe(30_000);
  });
});
