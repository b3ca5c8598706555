import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { SchemaValidationError } from '@zun/common';

const ajv = new Ajv({ allErrors: false, strict: false });

export type JsonSchema = Record<string, unknown>;

/** Compiles a JSON schema into a validator that throws Zun's 400 with a readable message. */
export function validator<T>(schema: JsonSchema, hints: Record<string, string> = {}): (data: unknown) => T {
  const fn: ValidateFunction = ajv.compile(schema);
  return (data: unknown): T => {
    if (!fn(data)) throw new SchemaValidationError(describe(fn.errors?.[0], data, hints));
    return data as T;
  };
}

/** Hints replace ajv's wording for fields whose schema is a oneOf (e.g. cpu: number or numeric string). */
function describe(err: ErrorObject | undefined, data: unknown, hints: Record<string, string>): string {
  if (!err) return 'Invalid input.';
  if (err.keyword === 'additionalProperties') {
    const extra = (err.params as { additionalProperty: string }).additionalProperty;
    return `Additional properties are not allowed ('${extra}' was unexpected)`;
  }
  if (err.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty;
    return `'${missing}' is a required property`;
  }
  const path = err.instancePath.replace(/^\//, '').split('/');
  const field = path[0] || 'body';
  let value: unknown = data;
  for (const p of path)
    value = p && value && typeof value === 'object' ? (value as Record<string, unknown>)[p] : value;
  const why = hints[field] ?? `${field} ${err.message ?? 'is invalid'}`;
  return `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${why}`;
}

/** Boolean-ish strings as Zun's strutils.bool_from_string(strict=True) accepts them. */
export function parseBool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null || v === '') return dflt;
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  throw new SchemaValidationError(
    `Invalid input for field/attribute ${name}. Value: ${String(v)}. '${String(v)}' is not a valid boolean value`,
  );
}

/** Where input breaks a schema: the field as a path (`spec.containers[1].image`, '' for the root) and the rule. */
export interface SchemaViolation {
  field: string;
  /** Phrased to follow the field's name: "is required", "must be ...". */
  rule: string;
}

// verbose: the failing subschema (its `description`, its allowed properties) and the value are needed.
const verboseAjv = new Ajv({ allErrors: false, strict: false, verbose: true });

/**
 * Compiles a schema for nested documents into a checker naming the offending field by its full
 * path. A subschema's `description` is the rule shown when it fails (phrased "must ..."), so a
 * oneOf reads as one rule rather than as ajv's complaint about its first branch.
 */
export function violationFinder(schema: JsonSchema): (data: unknown) => SchemaViolation | null {
  const fn = verboseAjv.compile(schema);
  return (data: unknown): SchemaViolation | null => {
    if (fn(data)) return null;
    // Without allErrors ajv stops at the first failing keyword; a oneOf reports its branches
    // first and itself last, so the last error is the outermost rule that failed.
    const err = fn.errors?.[fn.errors.length - 1];
    if (!err) return { field: '', rule: 'is invalid' };
    const segments = err.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (err.keyword === 'required') {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      return { field: fieldPath(data, [...segments, missing]), rule: 'is required' };
    }
    const field = fieldPath(data, segments);
    if (err.keyword === 'additionalProperties') {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const props = (err.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      const allowed = props ? ` (allowed: ${Object.keys(props).join(', ')})` : '';
      return { field, rule: `has an unknown key ${JSON.stringify(extra)}${allowed}` };
    }
    const description = (err.parentSchema as { description?: unknown } | undefined)?.description;
    const rule = typeof description === 'string' ? description : (err.message ?? 'is invalid');
    return { field, rule: `${rule} (got ${shortJson(err.data)})` };
  };
}

/** `["spec","containers","1","image"]` → `spec.containers[1].image`, indexing where the value is an array. */
function fieldPath(data: unknown, segments: string[]): string {
  let out = '';
  let value: unknown = data;
  for (const seg of segments) {
    if (Array.isArray(value)) out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined;
  }
  return out;
}

function shortJson(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
