#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyKollaConfig, parseKollaConfig, passwdLookup } from './kolla/config-json';

/**
 * First half of the image's entrypoint (deploy/images/kolla_start), run as root: applies
 * $KOLLA_CONFIG_DIR/config.json and writes the command to $KOLLA_RUN_COMMAND for the second
 * half, which drops to the `zun` user and execs it. Plain stderr lines: the logger's
 * configuration is one of the files this copies.
 */
const dir = process.env.KOLLA_CONFIG_DIR ?? '/var/lib/kolla/config_files';
const out = process.env.KOLLA_RUN_COMMAND ?? '/run/kolla/command';
try {
  const cfg = parseKollaConfig(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const command = applyKollaConfig(cfg, passwdLookup(), (m) => process.stderr.write(`kolla_start: ${m}\n`));
  writeFileSync(out, `${command}\n`, { mode: 0o644 });
} catch (err) {
  process.stderr.write(`kolla_start: ${(err as Error).message}\n`);
  process.exit(1);
}
