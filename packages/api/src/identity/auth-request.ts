import type { DomainRef } from './domain';
import { badRequest, unauthorized } from './keystone-error';

/** A user or project named the two ways Keystone allows: by id, or by name within a domain. */
export type NamedRef = { id: string } | { name: string; domain: DomainRef };

export type AuthIdentity =
  { method: 'password'; user: NamedRef; password: string } | { method: 'token'; token: string };

export interface AuthRequest {
  identity: AuthIdentity;
  /** null when the request has no scope: the user's default project is used. */
  project: NamedRef | null;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(parent: Json, key: string, where: string): Json {
  const v = parent[key];
  if (!isObject(v)) throw badRequest(`Expecting to find ${key} in ${where}.`);
  return v;
}

function string(parent: Json, key: string, where: string): string {
  const v = parent[key];
  if (typeof v !== 'string' || v === '') throw badRequest(`Expecting to find ${key} in ${where}.`);
  return v;
}

function domainRef(parent: Json, where: string): DomainRef {
  const domain = object(parent, 'domain', where);
  if (typeof domain.id === 'string' && domain.id) return { id: domain.id };
  return { name: string(domain, 'name', 'domain') };
}

/** Keystone's rule: an id alone is enough, a name is meaningless without its domain. */
function namedRef(v: Json, what: string): NamedRef {
  if (typeof v.id === 'string' && v.id) return { id: v.id };
  return { name: string(v, 'name', what), domain: domainRef(v, what) };
}

function identity(auth: Json): AuthIdentity {
  const ident = object(auth, 'identity', 'auth');
  const methods = ident.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    throw badRequest('Expecting to find methods in identity.');
  }
  // Keystone answers 401 to methods it has no plugin for (totp, application_credential...), and
  // multi-factor combinations are not offered here.
  if (methods.length !== 1 || (methods[0] !== 'password' && methods[0] !== 'token')) {
    throw unauthorized('Attempted to authenticate with an unsupported method.');
  }
  if (methods[0] === 'token') {
    return { method: 'token', token: string(object(ident, 'token', 'identity'), 'id', 'token') };
  }
  const user = object(object(ident, 'password', 'identity'), 'user', 'password');
  const password = user.password;
  if (typeof password !== 'string') throw badRequest('Expecting to find password in user.');
  return { method: 'password', user: namedRef(user, 'user'), password };
}

function projectScope(auth: Json): NamedRef | null {
  const scope = auth.scope;
  // keystoneauth sends the string "unscoped" to ask explicitly for no scope.
  if (scope === undefined || scope === null || scope === 'unscoped') return null;
  if (!isObject(scope)) throw badRequest('Expecting to find a valid scope in auth.');
  if (isObject(scope.project)) return namedRef(scope.project, 'project');
  if ('domain' in scope || 'system' in scope || 'OS-TRUST:trust' in scope) {
    throw unauthorized('Only project-scoped tokens are supported.');
  }
  throw badRequest('Expecting to find project in scope.');
}

/** Reads a POST /v3/auth/tokens body; throws the 400 (or 401) Keystone would answer. */
export function parseAuthRequest(body: unknown): AuthRequest {
  if (!isObject(body)) throw badRequest('Expecting to find auth in request body.');
  const auth = object(body, 'auth', 'request body');
  return { identity: identity(auth), project: projectScope(auth) };
}
