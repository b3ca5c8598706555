import { BaseError, ConnectionError, DatabaseError } from 'sequelize';

/**
 * SQLSTATE classes and codes that mean "the database cannot serve right now", not "this query is
 * wrong": connection exceptions (08xxx), a server shutting down or starting up (57P01–57P03),
 * and too many connections (53300).
 */
const UNAVAILABLE = /^(08...|57P0[1-3]|53300)$/;

/**
 * True when `err` says PostgreSQL is unreachable or not serving (stopped, restarting, out of
 * connections), so the caller answers 503 and the client retries, instead of a 500 that reads
 * like a bug. Checked by class and SQLSTATE, never by message.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  // Code that wraps an error keeps the original as its cause (new Error(msg, { cause })): an
  // outage seen through a wrapper is still an outage. Bounded, in case of a cycle.
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth += 1) {
    if (unavailable(e)) return true;
    e = e.cause;
  }
  return false;
}

function unavailable(err: Error): boolean {
  if (err instanceof ConnectionError) return true;
  if (err instanceof DatabaseError) {
    const code = (err.parent as { code?: string } | undefined)?.code;
    // No SQLSTATE: the server never answered the query; the connection broke under it
    // ("Connection terminated unexpectedly" when PostgreSQL stops mid-query).
    if (typeof code !== 'string') return true;
    return UNAVAILABLE.test(code);
  }
  // Errors of pg itself that reach us unwrapped (a raw client, a pool's connect).
  if (!(err instanceof BaseError)) {
    const code = (err as { code?: string }).code;
    if (typeof code === 'string')
      return UNAVAILABLE.test(code) || code === 'ECONNREFUSED' || code === 'ECONNRESET';
  }
  return false;
}
