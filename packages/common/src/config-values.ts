import { readFileSync } from 'node:fs';
import { parse } from 'ini';
import { OPTIONS, SECTIONS, type OptionDecl, type OptionType, type Section } from './config-options';

type Value = string | number | boolean | string[];

interface Given {
  text: string;
  /** Where the value came from, for error messages: `/etc/zun/zun.conf` or `ZUN_API_PORT`. */
  origin: string;
}

const key = (section: string, name: string): string => `${section}.${name}`;
const DECLARED = new Map(OPTIONS.map((o) => [key(o.section, o.name), o]));

/**
 * The checked option values of one start-up: zun.conf (unknown sections and keys refused, with a
 * suggestion) overridden by ZUN_<SECTION>_<OPTION> variables. Every value is parsed by its
 * declared type when read, so `port = abc` fails at start-up, not at first use.
 */
export class OptionValues {
  private readonly given = new Map<string, Given>();
  /** Options read by the loader, so a test can check that every declared option is used. */
  readonly read = new Set<string>();

  constructor(
    /** The zun.conf read, if any: relative paths in it are taken from its folder. */
    readonly file: string | undefined,
    env: NodeJS.ProcessEnv,
  ) {
    const problems: string[] = [];
    if (file) this.readFile(file, problems);
    this.readEnv(env);
    for (const [k, g] of this.given) {
      try {
        this.parsed(DECLARED.get(k)!, g);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    if (problems.length) throw new Error(problems.join('\n'));
  }

  str(section: Section, name: string): string {
    const v = this.value(section, name, 'string', 'enum');
    return typeof v === 'string' ? v : '';
  }

  /** An option whose default is computed or absent: undefined when unset or empty. */
  optional(section: Section, name: string): string | undefined {
    return this.str(section, name) || undefined;
  }

  num(section: Section, name: string): number {
    return this.value(section, name, 'int', 'float') as number;
  }

  bool(section: Section, name: string): boolean {
    return this.value(section, name, 'bool') as boolean;
  }

  list(section: Section, name: string): string[] {
    return this.value(section, name, 'list') as string[];
  }

  private value(section: Section, name: string, ...types: OptionType[]): Value | null {
    const decl = DECLARED.get(key(section, name));
    // A programming error, not a user's: the loader reads an option nobody declared.
    if (!decl || !types.includes(decl.type)) throw new Error(`config: [${section}] ${name} is not declared`);
    this.read.add(key(section, name));
    const g = this.given.get(key(section, name));
    const v = g ? this.parsed(decl, g) : null;
    if (v !== null) return v;
    return decl.default === null
      ? null
      : Array.isArray(decl.default)
        ? [...decl.default]
        : (decl.default as Value);
  }

  /** The value as its type; null means "take the default" (an empty number, bool or enum). */
  private parsed(d: OptionDecl, g: Given): Value | null {
    const v = g.text.trim();
    const bad = (what: string) =>
      new Error(`config: [${d.section}] ${d.name} must be ${what}, got "${g.text}" (${g.origin})`);
    if (v === '' && d.type !== 'string' && d.type !== 'list') return null;
    switch (d.type) {
      case 'string':
        return g.text;
      case 'list':
        return v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
      case 'int': {
        const n = Number(v);
        if (!Number.isFinite(n)) throw bad('a number');
        if (!Number.isInteger(n)) throw bad('a whole number');
        return n;
      }
      case 'float': {
        const n = Number(v);
        if (!Number.isFinite(n)) throw bad('a number');
        return n;
      }
      case 'bool':
        if (/^(1|true|yes|on)$/i.test(v)) return true;
        if (/^(0|false|no|off)$/i.test(v)) return false;
        throw bad('true or false');
      case 'enum': {
        const c = d.choices ?? [];
        if (c.includes(v)) return v;
        throw bad(c.length === 2 ? `${c[0]} or ${c[1]}` : `one of ${c.join(', ')}`);
      }
    }
  }

  private readFile(file: string, problems: string[]): void {
    const parsed = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const put = (section: string, name: string, v: unknown) => {
      const decl = DECLARED.get(key(section, name));
      if (decl) this.given.set(key(section, name), { text: String(v), origin: file });
      else
        problems.push(
          `config: unknown option "${name}" in section [${section}] of ${file}${optionHint(section, name)}`,
        );
    };
    for (const [k, v] of Object.entries(parsed)) {
      if (v === null || typeof v !== 'object') {
        // ini puts keys before the first [section] at top level: they are [DEFAULT]'s.
        put('DEFAULT', k, v);
      } else if (!(SECTIONS as readonly string[]).includes(k)) {
        problems.push(`config: unknown section [${k}] in ${file}${hint(k, SECTIONS, (s) => `[${s}]`)}`);
      } else {
        for (const [name, value] of Object.entries(v as Record<string, unknown>)) put(k, name, value);
      }
    }
  }

  /**
   * ZUN_<SECTION>_<OPTION> for declared options only. Other ZUN_ variables are not ours to refuse:
   * the launcher and tests use some (ZUN_STATE, ZUN_PG_PORT...), and python-zunclient reads
   * ZUN_API_VERSION, which looks like an [api] option.
   */
  private readEnv(env: NodeJS.ProcessEnv): void {
    for (const [name, text] of Object.entries(env)) {
      if (!name.startsWith('ZUN_') || text === undefined) continue;
      const rest = name.slice(4);
      for (const s of SECTIONS) {
        if (!rest.startsWith(`${s.toUpperCase()}_`)) continue;
        const option = rest.slice(s.length + 1).toLowerCase();
        if (DECLARED.has(key(s, option))) this.given.set(key(s, option), { text, origin: name });
      }
    }
  }
}

/** " (did you mean ...?)" for a misspelt option, or one that belongs to another section. */
function optionHint(section: string, name: string): string {
  const elsewhere = OPTIONS.find((o) => o.name === name.toLowerCase() && o.section !== section);
  if (elsewhere) return ` (did you mean [${elsewhere.section}] ${elsewhere.name}?)`;
  const here = OPTIONS.filter((o) => o.section === section).map((o) => o.name);
  return hint(name, here, (n) => `"${n}"`);
}

function hint(word: string, candidates: readonly string[], show: (s: string) => string): string {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  // Close enough to be a typo: a couple of edits, or a third of the word for long names.
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== null && bestDistance <= limit ? ` (did you mean ${show(best)}?)` : '';
}

/** Levenshtein distance (edits to turn a into b). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
