import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '@zun/common';
import { evaluate, parseCheck, type Check, type Credentials, type Target } from './check';
import { DEFAULT_RULES } from './defaults';

export interface PolicySources {
  /** The operator's policy file (YAML or JSON: rule name → check string); absent is fine. */
  policyFile: string | null;
  /** Directories whose *.yaml / *.yml / *.json files are read after the policy file, in name order. */
  policyDirs: string[];
}

/** How often, at most, the files are looked at again for changes. */
const RECHECK_MS = 1_000;

/**
 * Every policy decision of the API: the defaults of ./defaults.ts, overridden rule by rule by
 * the operator's files. The files are re-read when they change (checked at most once a second,
 * by size and mtime), so an operator edits policy without a restart; a file that does not parse
 * keeps the previous rules in force and is logged, never half applied. At start-up a bad file
 * is an error instead, so a typo is seen at once.
 */
export class PolicyEnforcer {
  private readonly defaults = new Map<string, Check>();
  private rules = new Map<string, Check>();
  private signature = '';
  private checkedAt = 0;

  constructor(
    private readonly sources: PolicySources = { policyFile: null, policyDirs: [] },
    private readonly logger?: Logger,
  ) {
    for (const r of DEFAULT_RULES) this.defaults.set(r.name, parseCheck(r.check));
    this.rules = new Map(this.defaults);
    this.reload(true);
  }

  /** True when `rule` allows the caller `creds` on `target` (the caller's own project if absent). */
  allowed(rule: string, creds: Credentials, target?: Target): boolean {
    this.maybeReload();
    const check = this.rules.get(rule);
    // A rule the code checks must have a default; a missing one is a bug, and fails closed.
    if (!check) {
      this.logger?.error('policy rule without a default; denied', { rule });
      return false;
    }
    const t = target ?? { project_id: creds.project_id, user_id: creds.user_id };
    return evaluate(check, t, creds, (name) => this.rules.get(name));
  }

  /** Whether `creds` count as an admin (the `context_is_admin` rule, with no target). */
  isAdmin(creds: Credentials): boolean {
    this.maybeReload();
    const check = this.rules.get('context_is_admin');
    return check ? evaluate(check, {}, creds, (name) => this.rules.get(name)) : false;
  }

  private maybeReload(): void {
    const now = Date.now();
    if (now - this.checkedAt < RECHECK_MS) return;
    this.checkedAt = now;
    this.reload(false);
  }

  private files(): string[] {
    const out: string[] = [];
    const { policyFile, policyDirs } = this.sources;
    if (policyFile && exists(policyFile)) out.push(policyFile);
    for (const dir of policyDirs) {
      if (!exists(dir)) continue;
      for (const f of readdirSync(dir).sort()) if (/\.(ya?ml|json)$/.test(f)) out.push(path.join(dir, f));
    }
    return out;
  }

  private reload(atStart: boolean): void {
    let files: string[];
    let signature: string;
    try {
      files = this.files();
      signature = files
        .map((f) => {
          const s = statSync(f);
          return `${f}:${s.size}:${s.mtimeMs}`;
        })
        .join('|');
    } catch (err) {
      if (atStart) throw err;
      this.logger?.error('policy files could not be read; the previous rules stay in force', {
        error: String(err),
      });
      return;
    }
    if (signature === this.signature) return;
    try {
      const rules = new Map(this.defaults);
      for (const f of files) for (const [name, check] of readPolicyFile(f)) rules.set(name, check);
      this.rules = rules;
      this.signature = signature;
      if (files.length)
        this.logger?.info('policy loaded', { files, overrides: rules.size - this.defaults.size });
    } catch (err) {
      if (atStart) throw err;
      // Remembered, so a broken file is reported once, not on every request.
      this.signature = signature;
      this.logger?.error('policy file rejected; the previous rules stay in force', { error: String(err) });
    }
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** A policy file's rules, parsed; throws naming the file and the rule that is wrong. */
export function readPolicyFile(file: string): Map<string, Check> {
  const text = readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  const rules = new Map<string, Check>();
  if (doc === null || doc === undefined) return rules;
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(`${file}: expected a map of rule names to check strings`);
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new Error(`${file}: rule "${name}" must be a string`);
    try {
      rules.set(name, parseCheck(value));
    } catch (err) {
      throw new Error(`${file}: rule "${name}": ${(err as Error).message}`);
    }
  }
  return rules;
}
