import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import {
  causeChain,
  isDatabaseUnavailable,
  NotAcceptableError,
  ServiceUnavailableError,
  ZunError,
  type Logger,
} from '@zun/common';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorEnvelope(status: number, code: string, title: string, detail: string) {
  return { errors: [{ request_id: '', code: `container.${code}`, status, title, detail, links: [] }] };
}

/**
 * What the body parser (http-errors) and the router throw for a request they cannot read: a
 * 4xx `status` and, from the body parser, a `type`. Mapped by those, never by message text;
 * the detail is ours, naming what the client has to change.
 */
function httpClientError(
  err: unknown,
): { status: number; code: string; title: string; detail: string } | null {
  if (err instanceof ZunError || typeof err !== 'object' || err === null) return null;
  const e = err as {
    status?: unknown;
    statusCode?: unknown;
    type?: unknown;
    charset?: unknown;
    encoding?: unknown;
  };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return null;
  const title = REASONS[status] ?? REASONS[400];
  switch (e.type) {
    case 'entity.parse.failed':
      return {
        status: 400,
        code: 'invalid-value',
        title: 'Malformed JSON request body.',
        detail: 'Malformed JSON request body.',
      };
    case 'entity.too.large':
      return {
        status: 413,
        code: 'request-entity-too-large',
        title: 'The request body is too large.',
        detail: 'The request body is too large.',
      };
    case 'charset.unsupported':
      return {
        status: 415,
        code: '',
        title,
        detail: `Unsupported charset "${String(e.charset)}" in Content-Type: JSON bodies must be UTF-8.`,
      };
    case 'encoding.unsupported':
      return {
        status: 415,
        code: '',
        title,
        detail: `Unsupported Content-Encoding "${String(e.encoding)}": send the body uncompressed.`,
      };
    default:
      return { status, code: '', title, detail: 'The request could not be read.' };
  }
}

/**
 * The one place where errors become HTTP: domain errors keep their status and message (Zun's
 * envelope, README §6); anything unexpected is a 500 whose detail carries a correlation id
 * and whose cause chain (ES2022 `cause`: an agent's error, the engine's below it) is logged. 4xx are the caller's business and are not logged.
 */
export function errorHandler(logger: Logger) {
  const outage = { loggedAt: 0, since: 0 };
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    const http = httpClientError(err);
    if (http) {
      res.status(http.status).json(errorEnvelope(http.status, http.code, http.title, http.detail));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // A warning, not an error (the outage is the operator's news, not a bug), at most every
      // 10 s with the count of 503s answered since: an outage under load would flood the log.
      const now = Date.now();
      if (now - outage.loggedAt >= 10_000) {
        logger.warn('database unavailable', {
          error: String(err),
          answered_503_since_last: outage.since,
        });
        outage.loggedAt = now;
        outage.since = 0;
      } else outage.since += 1;
      const msg = 'The service is temporarily unavailable (its database cannot be reached). Retry later.';
      res
        .status(503)
        .set('Retry-After', '5')
        .json(errorEnvelope(503, 'service-unavailable', REASONS[503], msg));
      return;
    }
    if (err instanceof ZunError && (err.status < 500 || err instanceof ServiceUnavailableError)) {
      if (err.status >= 500) logger.warn(err.message, { causes: causesOf(err) });
      const title = err instanceof NotAcceptableError ? err.title : err.message;
      res.status(err.status).json(errorEnvelope(err.status, err.code, title, err.message));
      return;
    }
    const id = randomUUID();
    logger.error('request failed', {
      correlation_id: id,
      method: req.method,
      path: req.originalUrl,
      error: (err as Error)?.stack ?? String(err),
      causes: causesOf(err),
    });
    res
      .status(500)
      .json(
        errorEnvelope(
          500,
          '',
          REASONS[500],
          `The server has either erred or is incapable of performing the requested operation. (Correlation ID: ${id})`,
        ),
      );
  };
}

/** What lies under a 5xx (e.g. the agent's own error and the engine's under it), for the log. */
function causesOf(err: unknown) {
  return causeChain(err).slice(1);
}

export function notFoundHandler(req: Request, res: Response): void {
  res
    .status(404)
    .json(errorEnvelope(404, '', REASONS[404], `The resource could not be found: ${req.method} ${req.path}`));
}
