import type { NextFunction, Request, Response } from 'express';
import {
  ApiVersion,
  SERVICE_TYPE,
  maxVersionString,
  minVersionString,
  parseVersionHeader,
} from '../api-version';
import { NotAcceptableError } from '@zun/common';

/** Negotiates the microversion for /v1 routes and sets the response headers the client expects. */
export function microversion(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('OpenStack-API-Minimum-Version', `${SERVICE_TYPE} ${minVersionString}`);
  res.setHeader('OpenStack-API-Maximum-Version', `${SERVICE_TYPE} ${maxVersionString}`);
  res.setHeader('Vary', 'OpenStack-API-Version');
  req.apiVersion = parseVersionHeader(req.header('OpenStack-API-Version'));
  res.setHeader('OpenStack-API-Version', `${SERVICE_TYPE} ${req.apiVersion}`);
  next();
}

/** Guards a route that exists only from (or until) a microversion: 406 outside the window. */
export function versioned(min: string, max?: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const v = req.apiVersion;
    if (!v.atLeast(min) || (max !== undefined && !ApiVersion.parse(max).atLeast(v.toString()))) {
      throw new NotAcceptableError(
        `Version ${v} was requested but the requested API is not supported for this version.`,
      );
    }
    next();
  };
}
