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
