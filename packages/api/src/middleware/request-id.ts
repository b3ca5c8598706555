import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { REQUEST_ID_HEADER, runWithRequestId } from '@zun/common';

/**
 * Every request gets a fresh id, answered in the header and active as the request context for
 * what the request does (logs, the agent calls it makes, the actions and tasks it records).
 */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  req.requestId = `req-${randomUUID()}`;
  res.setHeader(REQUEST_ID_HEADER, req.requestId);
  runWithRequestId(req.requestId, next);
}
