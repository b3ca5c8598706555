/**
 * Domain errors. Every layer throws these; one HTTP middleware (api/src/middleware/errors.ts)
 * maps them to Zun's error envelope. `code` is the suffix after "container." in the envelope,
 * the kebab-case of upstream's exception class, which clients and upstream tests key on.
 */
export class ZunError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InputError extends ZunError {
  constructor(message: string, code = 'invalid-value') {
    super(message, 400, code);
  }
}

export class SchemaValidationError extends InputError {
  constructor(message: string) {
    super(message, 'schema-validation-error');
  }
}

export class InvalidParamInVersion extends InputError {
  constructor(param: string, requested: string, minimum: string) {
    super(
      `Invalid param ${param} because current request version is ${requested}. ${param} is only supported from version ${minimum}`,
      'invalid-param-in-version',
    );
  }
}

export class NotFoundError extends ZunError {
  constructor(message: string, code = 'resource-not-found') {
    super(message, 404, code);
  }
}

export class ConflictError extends ZunError {
  constructor(message: string, code = 'conflict') {
    super(message, 409, code);
  }
}

export class InvalidStateError extends ConflictError {
  constructor(action: string, uuid: string, status: string) {
    super(`Cannot ${action} container ${uuid} in ${status} state.`, 'invalid-state-exception');
  }
}

export class NotAllowedError extends ZunError {
  constructor(message: string, code = 'policy-not-authorized') {
    super(message, 403, code);
  }
}

export class NotAcceptableError extends ZunError {
  constructor(
    message: string,
    readonly title = 'Not Acceptable',
  ) {
    super(message, 406, '');
  }
}

export class UnsupportedMediaTypeError extends ZunError {
  constructor(message: string) {
    super(message, 415, '');
  }
}

export class UnauthorizedError extends ZunError {
  constructor(message = 'The request you have made requires authentication.') {
    super(message, 401, 'unauthorized');
  }
}

/** A dependency (a compute agent, the engine) cannot do the work now; maps to 5xx. */
export class ServiceUnavailableError extends ZunError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 503, 'service-unavailable', options);
  }
}

/**
 * An error as another process reported it (a compute agent's error body): what the API keeps as
 * the cause of the error it raises, so its logs show what failed on the far side.
 */
export class RemoteError extends Error {
  constructor(
    readonly origin: string,
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RemoteError';
  }
}

/** One link of an error's cause chain, as logged. */
export interface CauseLink {
  name: string;
  message: string;
  status?: number;
  code?: string | number;
}

/** The error and its causes (ES2022 `cause`), outermost first; a few links at most. */
export function causeChain(err: unknown, depth = 5): CauseLink[] {
  const chain: CauseLink[] = [];
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && chain.length < depth) {
    chain.push(describeError(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return chain;
}

function describeError(err: unknown): CauseLink {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err) };
  const e = err as Error & { status?: unknown; statusCode?: unknown; code?: unknown };
  const link: CauseLink = { name: err.name, message: err.message };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status === 'number') link.status = status;
  if (typeof e.code === 'string' || typeof e.code === 'number') link.code = e.code;
  return link;
}

/** Errors whose message is safe and useful to show to the caller. */
export function isClientError(err: unknown): err is ZunError {
  return err instanceof ZunError && err.status < 500;
}
