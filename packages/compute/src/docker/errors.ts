/**
 * The one place where the engine's failures become the agent's: every dockerode call's error
 * goes through toEngineError, and callers classify it by HTTP status (statusCode), never by
 * message text, which differs between engine versions.
 */

/** An error from the engine, with its HTTP status and the engine's own message. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
  }
}

/** What dockerode rejects with: docker-modem's error, carrying the engine's status and body. */
interface DockerodeError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const e = err as DockerodeError | null | undefined;
  const message = e?.json?.message ?? e?.message ?? String(err);
  // docker-modem prefixes the engine's message with its own "(HTTP code N) reason - ".
  return new EngineError(message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, ''), e?.statusCode, { cause: err });
}

const hasStatus =
  (status: number) =>
  (err: unknown): boolean =>
    toEngineError(err).statusCode === status;

/** 304: the container was already in the requested state (started/stopped). */
export const isNotModified = hasStatus(304);
export const isNotFound = hasStatus(404);
/** 409: the object exists already, or the container's state refuses the operation. */
export const isConflict = hasStatus(409);

/** Awaits one engine call; its failure comes back as an EngineError. */
export async function engineCall<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw toEngineError(err);
  }
}

/** Awaits one engine call whose 404 means "absent" (null) rather than a failure. */
export async function unlessNotFound<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw toEngineError(err);
  }
}
