#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderPolicySample } from './sample';

/** `npm run policy-sample`: writes deploy/policy.yaml.sample (or the path given). */
export const POLICY_SAMPLE_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'deploy',
  'policy.yaml.sample',
);

if (require.main === module) {
  const target = process.argv[2] ?? POLICY_SAMPLE_PATH;
  writeFileSync(target, renderPolicySample());
  process.stdout.write(`wrote ${target}\n`);
}
