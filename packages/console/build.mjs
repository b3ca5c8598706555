// Bundles the browser app (web/src, type-checked with web/tsconfig.json first) into
// dist/public with everything it needs, xterm.js included: the console works offline.
// Every `npm start` runs this; when nothing it reads changed since the last bundle it does
// nothing, so a start costs no type-check (about 2.5 s of CPU).
import { build } from 'esbuild';
import process from 'node:process';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist', 'public');
const bundle = path.join(out, 'app.js');
const inputs = [
  path.join(here, 'web'),
  path.join(here, 'build.mjs'),
  path.join(here, '..', 'common', 'src', 'states.ts'),
  path.join(here, 'package.json'),
  path.join(here, '..', '..', 'package-lock.json'),
];

function newest(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, f) => Math.max(m, newest(path.join(p, f))), st.mtimeMs);
}

const stale =
  process.argv.includes('--force') ||
  !existsSync(bundle) ||
  inputs.some((p) => newest(p) > statSync(bundle).mtimeMs);
if (stale) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(here, 'web', 'tsconfig.json')], { stdio: 'inherit' });
  // Chunks are named by their content: the previous build's would pile up.
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(path.join(here, 'web', 'public'), out, { recursive: true });
  await build({
    entryPoints: { app: path.join(here, 'web', 'src', 'main.tsx') },
    bundle: true,
    // xterm.js goes into a chunk of its own, loaded when a terminal opens (web/src/terminal.tsx).
    splitting: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.css': 'css' },
    outdir: out,
    logLevel: 'warning',
  });
}
