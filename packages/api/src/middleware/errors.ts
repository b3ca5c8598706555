import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import {
  isDatabaseUnavailable,
  NotAcceptableError,
  ServiceUnavailableError,
  ZunError,
  type Logger,
} from '@zun/common';

const REASONS: Record<number, string> = {
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorEnvelope(status: number, code: string, title: string, detail: string) {
  return { errors: [{ request_id: '', code: `container.${code}`, status, title, detail, links: [] }] };
}

/**
 * The one place where errors become HTTP: domain errors keep their status and message (Zun's
 * envelope, README §6); anything unexpected is a 500 whose detail carries a correlation id
 * and whose cause is logged. 4xx are the caller's business and are not logged.
 */
export function errorHandler(logger: Logger) {
  const outage = { loggedAt: 0, since: 0 };
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    const bodyError = err as { type?: string; status?: number };
    if (bodyError?.type === 'entity.parse.failed') {
      res
        .status(400)
        .json(
          errorEnvelope(400, 'invalid-value', 'Malformed JSON request body.', 'Malformed JSON request body.'),
        );
      return;
    }
    if (bodyError?.type === 'entity.too.large') {
      const msg = 'The request body is too large.';
      res.status(413).json(errorEnvelope(413, 'request-entity-too-large', msg, msg));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // A warning, not an error (the outage is the operator's news, not a bug), at most every
      // 10 s with the count of 503s answered since: an outage under load would flood the log.
      const now = Date.now();
      if (now - outage.loggedAt >= 10_000) {
        logger.warn('database unavailable', {
          request_id: req.requestId,
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
      if (err.status >= 500) logger.warn(err.message, { request_id: req.requestId });
      const title = err instanceof NotAcceptableError ? err.title : err.message;
      res.status(err.status).json(errorEnvelope(err.status, err.code, title, err.message));
      return;
    }
    const id = randomUUID();
    logger.error('request failed', {
      request_id: req.requestId,
      correlation_id: id,
      method: req.method,
      path: req.originalUrl,
      error: (err as Error)?.stack ?? String(err),
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

export function notFoundHandler(req: Request, res: Response): void {
  res
    .status(404)
    .json(errorEnvelope(404, '', REASONS[404], `The resource could not be found: ${req.method} ${req.path}`));
}
