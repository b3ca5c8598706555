import { STATUS_CODES } from 'node:http';

export const AUTH_REQUIRED = 'The request you have made requires authentication.';

/**
 * An error in Keystone's wire format ({"error": {"code", "title", "message"}}), which
 * keystoneauth parses to build the exception the CLI prints. Kept apart from @zun/common's
 * errors because Zun's own envelope is different.
 */
export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly title = STATUS_CODES[status] ?? 'Error',
  ) {
    super(message);
    this.name = 'KeystoneError';
  }

  toJSON(): { error: { code: number; title: string; message: string } } {
    return { error: { code: this.status, title: this.title, message: this.message } };
  }
}

export const unauthorized = (message = AUTH_REQUIRED): KeystoneError => new KeystoneError(401, message);

export const badRequest = (message: string): KeystoneError => new KeystoneError(400, message);

export const notFound = (message: string): KeystoneError => new KeystoneError(404, message);

/** Keystone names the policy rule that refused, e.g. identity:create_user. */
export const forbidden = (action: string): KeystoneError =>
  new KeystoneError(403, `You are not authorized to perform the requested action: ${action}.`);

export const conflict = (type: string, details: string): KeystoneError =>
  new KeystoneError(409, `Conflict occurred attempting to store ${type} - ${details}.`);

/** A 429 whose Retry-After header the error handler sets from `retryAfter`. */
export class TooManyRequests extends KeystoneError {
  constructor(readonly retryAfter: number) {
    super(429, `Too many failed login attempts; try again in ${retryAfter} seconds.`);
  }
}

/**
 * Errors raised by express.json() (malformed JSON, oversized body) carry a 4xx status and set
 * `expose` when their message is safe to show.
 */
function clientErrorOf(err: unknown): KeystoneError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, expose, message } = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const text =
    expose === true && typeof message === 'string' ? message : (STATUS_CODES[status] ?? 'Bad Request');
  return new KeystoneError(status, text);
}

/** Any thrown value as a KeystoneError; unexpected ones become a 500 that reveals nothing. */
export function asKeystoneError(err: unknown): KeystoneError {
  if (err instanceof KeystoneError) return err;
  return (
    clientErrorOf(err) ??
    new KeystoneError(500, 'An unexpected error prevented the server from fulfilling your request.')
  );
}
