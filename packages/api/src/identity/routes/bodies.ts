import type { UserExtra } from '@zun/common';
import { badRequest } from '../keystone-error';

/**
 * Reading the JSON bodies of identity writes, with Keystone's 400 messages. Only what the
 * built-in identity can store is accepted; anything else is refused rather than ignored.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const MAX_NAME = 255;
const MAX_DESCRIPTION = 65_535;
// Keystone's [identity] max_password_length: longer inputs only cost scrypt time.
const MAX_PASSWORD = 4096;
const MAX_EXTRA_KEYS = 32;
const MAX_EXTRA_VALUE = 1024;

const invalid = (field: string, reason: string) =>
  badRequest(`Invalid input for field '${field}': ${reason}`);

/** The entity under its key ({"project": {...}}), as Keystone requires. */
export function entity(body: unknown, key: string): Json {
  if (!isObject(body) || !isObject(body[key])) {
    throw badRequest(`Expecting to find ${key} in request body.`);
  }
  return body[key];
}

function text(v: unknown, field: string, max: number, allowEmpty = false): string {
  if (typeof v !== 'string') throw invalid(field, `${JSON.stringify(v)} is not of type 'string'`);
  if (!allowEmpty && v.length === 0) throw invalid(field, `'' is too short`);
  if (v.length > max) throw invalid(field, 'is too long');
  // PostgreSQL cannot store NUL in text.
  if (v.includes('\u0000')) throw invalid(field, 'must not contain NUL characters');
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw invalid(field, `${JSON.stringify(v)} is not of type 'boolean'`);
  return v;
}

function emptyList(v: unknown, field: string): void {
  if (!Array.isArray(v) || v.length > 0) throw invalid(field, 'the built-in identity service stores none');
}

function emptyObject(v: unknown, field: string): void {
  if (!isObject(v) || Object.keys(v).length > 0)
    throw invalid(field, 'the built-in identity service supports none');
}

export interface ProjectInput {
  name?: string;
  description?: string;
  enabled?: boolean;
  domainId?: string;
}

/** Fields of POST (create) and PATCH /v3/projects; `create` requires a name. */
export function projectInput(body: unknown, create: boolean): ProjectInput {
  const p = entity(body, 'project');
  const out: ProjectInput = {};
  for (const [key, v] of Object.entries(p)) {
    if (key === 'name') out.name = text(v, key, MAX_NAME);
    else if (key === 'description') out.description = v === null ? '' : text(v, key, MAX_DESCRIPTION, true);
    else if (key === 'enabled') out.enabled = bool(v, key);
    else if (key === 'domain_id' && create) out.domainId = text(v, key, 64);
    else if (key === 'parent_id' && create) {
      // Only the domain itself may be the parent: there is no project hierarchy.
      if (v !== null && v !== out.domainId && v !== 'default')
        throw invalid(key, 'projects cannot be nested');
    } else if (key === 'is_domain') {
      if (v !== false)
        throw invalid(key, 'the built-in identity service has one domain and creates no other');
    } else if (key === 'tags') emptyList(v, key);
    else if (key === 'options') emptyObject(v, key);
    else throw invalid(key, create ? 'unknown attribute' : 'cannot be updated');
  }
  if (create && out.name === undefined)
    throw badRequest("Invalid input for field 'name': 'name' is a required property");
  return out;
}

export interface UserInput {
  name?: string;
  password?: string;
  enabled?: boolean;
  domainId?: string;
  /** null clears it. */
  defaultProjectId?: string | null;
  extra: UserExtra;
}

// Keystone keys a client may not set, and keys with columns of their own.
const RESERVED = new Set(['id', 'links', 'password_expires_at', 'federated']);

/** Fields of POST and PATCH /v3/users; other scalar attributes (email, description...) are kept as given. */
export function userInput(body: unknown, create: boolean): UserInput {
  const u = entity(body, 'user');
  const out: UserInput = { extra: {} };
  for (const [key, v] of Object.entries(u)) {
    if (key === 'name') out.name = text(v, key, MAX_NAME);
    else if (key === 'password') out.password = v === null ? undefined : text(v, key, MAX_PASSWORD);
    else if (key === 'enabled') out.enabled = bool(v, key);
    else if (key === 'domain_id' && create) out.domainId = text(v, key, 64);
    else if (key === 'default_project_id') out.defaultProjectId = v === null ? null : text(v, key, 64);
    else if (key === 'options') emptyObject(v, key);
    else if (RESERVED.has(key) || key === 'domain_id') throw invalid(key, 'cannot be set');
    else if (v === null || typeof v === 'boolean' || typeof v === 'number') out.extra[key] = v;
    else if (typeof v === 'string') out.extra[key] = text(v, key, MAX_EXTRA_VALUE, true);
    else throw invalid(key, 'only strings, numbers, booleans and null are stored');
  }
  if (Object.keys(out.extra).length > MAX_EXTRA_KEYS) throw badRequest('Too many user attributes.');
  if (create && out.name === undefined)
    throw badRequest("Invalid input for field 'name': 'name' is a required property");
  return out;
}

/** POST /v3/users/{id}/password: {"user": {"password", "original_password"}}. */
export function passwordChange(body: unknown): { password: string; original: string } {
  const u = entity(body, 'user');
  return {
    password: text(u.password, 'password', MAX_PASSWORD),
    original: text(u.original_password, 'original_password', MAX_PASSWORD),
  };
}
