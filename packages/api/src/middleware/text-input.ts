import type { NextFunction, Request, Response } from 'express';
import { InputError } from '@zun/common';

/**
 * Body fields that are opaque bytes rather than text: put_archive's `data` before 1.25 is the
 * raw tar in a JSON string, where NUL bytes are part of the format. It is never stored.
 */
const OPAQUE_BODY_FIELDS: { path: RegExp; field: string }[] = [{ path: /\/put_archive\/?$/, field: 'data' }];

/** The first NUL character in a JSON value, as the dotted path of the field holding it. */
export function findNul(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}[${i}]`);
      if (hit !== null) return hit;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const here = path ? `${path}.${k}` : k;
      // A key is stored too (labels, environment): the field is named by its parent.
      if (k.includes('\0')) return path || 'body';
      const hit = findNul(v, here);
      if (hit !== null) return hit;
    }
  }
  return null;
}

const nulError = (where: string, field: string): InputError =>
  new InputError(`Invalid input for ${where} ${field || 'body'}: NUL characters (\\u0000) are not allowed.`);

/**
 * Refuses, before any handler runs, text the API could not store or hand on: a path with
 * malformed percent-encoding, and a NUL character anywhere in the path, the query or a JSON
 * body. PostgreSQL refuses NUL in text and jsonb, and the engine in names and commands, so
 * such input would otherwise fail half-way through with a 500 (or be silently altered).
 * Runs after the body parser, so every field is covered in one place.
 */
export function refuseUnstorableText(req: Request, _res: Response, next: NextFunction): void {
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    throw new InputError(`Malformed percent-encoding in the request path: ${req.path}`);
  }
  if (path.includes('\0')) throw new InputError('Invalid request path: NUL characters are not allowed.');
  const inQuery = findNul(req.query, '');
  if (inQuery !== null) throw nulError('query parameter', inQuery);
  let body: unknown = req.body;
  const opaque = OPAQUE_BODY_FIELDS.find((o) => o.path.test(req.path));
  if (opaque && body && typeof body === 'object' && !Array.isArray(body)) {
    body = Object.fromEntries(Object.entries(body).filter(([k]) => k !== opaque.field));
  }
  const inBody = findNul(body, '');
  if (inBody !== null) throw nulError('field/attribute', inBody);
  next();
}
