import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { REQUEST_ID_HEADER } from '@zun/common';

export function requestId(req: Request, res: Response, next: NextFunction): void {
  req.requestId = `req-${randomUUID()}`;
  res.setHeader(REQUEST_ID_HEADER, req.requestId);
  next();
}
