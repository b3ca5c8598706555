// Bundles the browser app (web/src, type-checked by `tsc -p web/tsconfig.json` first) into
// dist/public with everything it needs, xterm.js included: the console works offline.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist', 'public');
mkdirSync(out, { recursive: true });
cpSync(path.join(here, 'web', 'public'), out, { recursive: true });
await build({
  entryPoints: { app: path.join(here, 'web', 'src', 'main.tsx') },
  bundle: true,
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
