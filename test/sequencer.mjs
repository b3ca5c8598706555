// Runs the longest test files first, so that with two workers the last minutes are not one
// long file running alone. Jest's own order needs timings cached by an earlier run, which a
// fresh clone (CI) does not have; test/durations.json holds seconds measured on a full run
// (refresh it with `node test/durations.mjs <log of npm test>`). A file not listed there is
// guessed by its kind: end-to-end files are the slow ones.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import TestSequencer from '@jest/test-sequencer';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const measured = JSON.parse(readFileSync(path.join(here, 'durations.json'), 'utf8'));

/** @param {string} file */
function seconds(file) {
  const rel = path.relative(root, file).split(path.sep).join('/');
  if (measured[rel] !== undefined) return measured[rel];
  if (rel.endsWith('.e2e.test.ts')) return 60;
  if (rel.endsWith('.int.test.ts')) return 20;
  return 1;
}

export default class LongestFirst extends (TestSequencer.default ?? TestSequencer) {
  /** @param {{ path: string }[]} tests */
  sort(tests) {
    return [...tests].sort((a, b) => seconds(b.path) - seconds(a.path));
  }
}
