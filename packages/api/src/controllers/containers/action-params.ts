import type { Request } from 'express';
import { InputError } from '@zun/common';

/**
 * The parameters of a container action (kill's `signal`, stop's `timeout`, execute's
 * `command`, ...), taken from the query string and from a JSON object body alike, as upstream
 * does: it merges both into one multi-valued set of arguments, so python-zunclient's query
 * string and a raw client's `{"signal": "SIGTERM"}` mean the same. Neither place wins: a
 * parameter given in both arrives (as upstream) as the list of both values, which the
 * action's schema refuses with a 400, so a conflicting pair is never half-honoured.
 *
 * Body values are checked by the same schemas as query strings: numbers and booleans become
 * their text (`9` → "9", `false` → "false"), null counts as absent, and objects or arrays
 * stay as they are to fail the schema. `payload` names body fields that are the request's
 * data rather than parameters (put_archive's `data`).
 */
export function actionParams(req: Request, payload: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Defined, not assigned: a key such as "__proto__" must stay a plain (refused) parameter.
  const put = (key: string, value: unknown) =>
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, value] of Object.entries(req.query as Record<string, unknown>)) put(key, value);
  const body: unknown = req.body;
  if (body === undefined || body === null) return out;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError('The request body of a container action must be a JSON object of its parameters.');
  }
  for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
    if (payload.includes(key) || raw === null) continue;
    const value = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
    put(key, Object.hasOwn(out, key) ? [out[key], value].flat() : value);
  }
  return out;
}
