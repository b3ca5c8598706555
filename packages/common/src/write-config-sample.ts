#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderConfigSample } from './config-sample';

/** `npm run config-sample`: writes deploy/zun.conf.example (or the path given) from the declarations. */
export const SAMPLE_PATH = path.resolve(__dirname, '..', '..', '..', 'deploy', 'zun.conf.example');

if (require.main === module) {
  const target = process.argv[2] ?? SAMPLE_PATH;
  writeFileSync(target, renderConfigSample());
  process.stdout.write(`wrote ${target}\n`);
}
