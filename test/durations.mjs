/* global process, console */
// Reads the output of a full `npm test` and writes test/durations.json: each file's seconds as
// jest printed them (jest prints none for files under 5 s; those are left out), for the
// longest-first order of test/sequencer.mjs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = readFileSync(process.argv[2], 'utf8');
const times = {};
for (const m of log.matchAll(/^(?:PASS|FAIL) (\S+) \(([\d.]+) s\)/gm)) times[m[1]] = Math.round(Number(m[2]));
const sorted = Object.fromEntries(Object.entries(times).sort((a, b) => b[1] - a[1]));
writeFileSync(path.join(here, 'durations.json'), JSON.stringify(sorted, null, 2) + '\n');
console.log(`${Object.keys(sorted).length} files`);
