import type { NextFunction, Request, Response } from 'express';
import type { AuthProvider } from '../identity/context';
import { computeIsAdmin } from '../policy';

/**
 * Token authentication for everything except the version documents. The 401 body is
 * Keystone's format (README §7), which the client's error parser understands.
 */
export function authenticate(provider: AuthProvider, authUrl: (req: Request) => string) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = req.header('x-auth-token');
    let ctx;
    try {
      ctx = token ? await provider.authenticate(token) : null;
    } catch (err) {
      // An identity service that cannot answer is a 503 in Zun's envelope, never a 401.
      next(err);
      return;
    }
    if (!ctx) {
      res.setHeader('WWW-Authenticate', `Keystone uri="${authUrl(req)}"`);
      res.status(401).json({
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
      return;
    }
    // Admin means what the policy's context_is_admin rule says (an operator may redefine it),
    // decided once per request as oslo.policy does.
    req.context = { ...ctx, isAdmin: computeIsAdmin(ctx) };
    next();
  };
}
