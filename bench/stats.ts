/** The figures every bench reports, defined once so that the same name means the same number. */

/** The middle sample; with an even count, the mean of the two middle ones. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * The nearest-rank quantile, q from 0 to 1: the smallest sample with at least q of all samples
 * at or below it (q = 0.99 of 1,000 samples is the 990th smallest).
 */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Milliseconds since the epoch of a timestamp as Zun's views print it ("2026-12-05 06:52:57.123"). */
export function parsePyDate(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}Z`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
