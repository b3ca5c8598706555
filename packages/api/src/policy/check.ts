/**
 * The oslo.policy check language, which operators already write for every OpenStack service:
 *
 *   ""  or  "@"           always allowed          "!"             never allowed
 *   role:admin            the caller has that role (case-insensitive)
 *   rule:admin_or_owner   the named rule holds
 *   project_id:%(project_id)s   a credential equals a field of the target (false when absent)
 *   is_admin:True         a credential equals a literal (True/False, a number or a 'quoted' string)
 *   A and B, A or B, not A, ( ... )   with the usual precedence: not, then and, then or
 *
 * A rule text is parsed once into a tree and evaluated per request. Anything else (e.g. oslo's
 * `http:` checks, which would make every request call out) is refused when the file is read.
 */

export type Check =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; role: string }
  | { kind: 'generic'; key: string; match: string }
  | { kind: 'not'; check: Check }
  | { kind: 'and'; checks: Check[] }
  | { kind: 'or'; checks: Check[] };

export type Credentials = Record<string, unknown> & { roles: readonly string[] };
export type Target = Record<string, unknown>;

export class PolicySyntaxError extends Error {}

function tokenize(text: string): string[] {
  // As oslo reads it: words split on white space, with parentheses peeled off a word's ends
  // ("(role:a" → "(", "role:a"), so "%(project_id)s" inside a check stays whole.
  const tokens: string[] = [];
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    let w = word;
    while (w.startsWith('(')) {
      tokens.push('(');
      w = w.slice(1);
    }
    let closing = 0;
    while (w.endsWith(')') && !/%\([^)]*\)$/.test(w)) {
      closing += 1;
      w = w.slice(0, -1);
    }
    if (w) tokens.push(w);
    for (let i = 0; i < closing; i += 1) tokens.push(')');
  }
  return tokens;
}

export function parseCheck(text: string): Check {
  const tokens = tokenize(text);
  if (tokens.length === 0) return { kind: 'true' };
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const next = (): string => {
    const t = tokens[pos];
    if (t === undefined) throw new PolicySyntaxError(`"${text}": unexpected end of rule`);
    pos += 1;
    return t;
  };
  const parseOr = (): Check => {
    const checks = [parseAnd()];
    while (peek()?.toLowerCase() === 'or') {
      next();
      checks.push(parseAnd());
    }
    return checks.length === 1 ? checks[0] : { kind: 'or', checks };
  };
  const parseAnd = (): Check => {
    const checks = [parseNot()];
    while (peek()?.toLowerCase() === 'and') {
      next();
      checks.push(parseNot());
    }
    return checks.length === 1 ? checks[0] : { kind: 'and', checks };
  };
  const parseNot = (): Check => {
    if (peek()?.toLowerCase() === 'not') {
      next();
      return { kind: 'not', check: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): Check => {
    const t = next();
    if (t === '(') {
      const inner = parseOr();
      if (next() !== ')') throw new PolicySyntaxError(`"${text}": missing ")"`);
      return inner;
    }
    if (t === ')' || ['and', 'or'].includes(t.toLowerCase()))
      throw new PolicySyntaxError(`"${text}": unexpected "${t}"`);
    return parseAtomCheck(t, text);
  };
  const tree = parseOr();
  if (pos !== tokens.length) throw new PolicySyntaxError(`"${text}": unexpected "${tokens[pos]}"`);
  return tree;
}

function parseAtomCheck(token: string, text: string): Check {
  if (token === '@') return { kind: 'true' };
  if (token === '!') return { kind: 'false' };
  const colon = token.indexOf(':');
  if (colon <= 0) throw new PolicySyntaxError(`"${text}": "${token}" is not a check (kind:value)`);
  const kind = token.slice(0, colon);
  const value = token.slice(colon + 1);
  if (kind === 'rule') return { kind: 'rule', name: value };
  if (kind === 'role') return { kind: 'role', role: value };
  if (kind === 'http' || kind === 'https')
    throw new PolicySyntaxError(`"${text}": ${kind} checks are not supported`);
  return { kind: 'generic', key: kind, match: value };
}

/** `%(field)s` from the target; null when the target lacks a field the template names. */
function substitute(template: string, target: Target): string | null {
  let missing = false;
  const out = template.replace(/%\(([^)]+)\)s/g, (_, field: string) => {
    const v = lookup(target, field);
    if (v === undefined || v === null) {
      missing = true;
      return '';
    }
    return String(v);
  });
  return missing ? null : out;
}

/** A dotted path into an object ("project.id"), as oslo allows for credentials. */
function lookup(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** oslo evaluates the right-hand side as a Python literal when it is one. */
function literal(match: string): unknown {
  if (match === 'True') return true;
  if (match === 'False') return false;
  if (/^-?\d+(\.\d+)?$/.test(match)) return Number(match);
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(match);
  if (quoted) return quoted[1] ?? quoted[2];
  return match;
}

export function evaluate(
  check: Check,
  target: Target,
  creds: Credentials,
  rule: (name: string) => Check | undefined,
  depth = 0,
): boolean {
  // A rule that names itself (directly or not) would recurse for ever; it fails closed.
  if (depth > 32) return false;
  switch (check.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'rule': {
      const named = rule(check.name);
      return named ? evaluate(named, target, creds, rule, depth + 1) : false;
    }
    case 'role': {
      const wanted = substitute(check.role, target);
      if (wanted === null) return false;
      return creds.roles.some((r) => r.toLowerCase() === wanted.toLowerCase());
    }
    case 'generic': {
      const match = substitute(check.match, target);
      if (match === null) return false;
      const have = lookup(creds, check.key);
      if (have === undefined || have === null) return false;
      const want = check.match.includes('%(') ? match : literal(match);
      return typeof want === 'string' ? String(have) === want : have === want;
    }
    case 'not':
      return !evaluate(check.check, target, creds, rule, depth + 1);
    case 'and':
      return check.checks.every((c) => evaluate(c, target, creds, rule, depth + 1));
    case 'or':
      return check.checks.some((c) => evaluate(c, target, creds, rule, depth + 1));
  }
}
