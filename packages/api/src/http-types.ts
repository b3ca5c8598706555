import type { ApiVersion } from './api-version';
import type { RequestContext } from './identity/context';

declare module 'express-serve-static-core' {
  interface Request {
    /** x-openstack-request-id of this request (`req-<uuid4>`). */
    requestId: string;
    /** Negotiated microversion (v1 routes only). */
    apiVersion: ApiVersion;
    /** The authenticated caller; set by the auth middleware on protected routes. */
    context: RequestContext;
  }
}
