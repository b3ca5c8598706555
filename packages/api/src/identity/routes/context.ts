import type { Request } from 'express';
import type { Logger, ZunConfig } from '@zun/common';
import { forbidden, unauthorized } from '../keystone-error';
import type { LocalAuthProvider } from '../local-provider';
import type { TokenRecord } from '../tokens';

/** What every identity route module is built from. */
export interface IdentityRoutes {
  config: ZunConfig;
  provider: LocalAuthProvider;
  logger?: Logger;
  /** Where clients should come back to: the configured public URL, else the address they used. */
  baseOf(req: Request): string;
}

/** The caller behind X-Auth-Token; 401 without a live token. */
export async function callerOf(provider: LocalAuthProvider, req: Request): Promise<TokenRecord> {
  const token = req.get('x-auth-token');
  const record = token ? await provider.validate(token) : null;
  if (!record) throw unauthorized();
  return record;
}

/**
 * Keystone's admin: the admin role on the token's project. The identity service decides this
 * itself, as Keystone does with its own policy, whatever Zun's policy file says about Zun's APIs.
 */
export const isAdmin = (record: TokenRecord): boolean => record.roles.some((r) => r.name === 'admin');

/** 403 in Keystone's words, naming the rule (e.g. identity:create_user), unless `allowed`. */
export function enforce(record: TokenRecord, action: string, allowed = isAdmin(record)): void {
  if (!allowed) throw forbidden(action);
}

/** A query flag the way Keystone reads one: present and not "0" or "false". */
export function flag(req: Request, name: string): boolean {
  const v = req.query[name];
  if (v === undefined) return false;
  const s = Array.isArray(v) ? String(v[v.length - 1]) : String(v);
  return !['0', 'false'].includes(s.toLowerCase());
}

/** A single-valued query filter; repeated keys take the last, as Keystone's webob does. */
export function queryText(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? String(v[v.length - 1]) : String(v);
}

/**
 * The client's address, for the login throttle: the connection's peer. X-Forwarded-For is not
 * believed, since any client can send it; behind a proxy every client shares the proxy's address.
 */
export function sourceOf(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}
