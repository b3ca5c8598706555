import type { NextFunction, RequestHandler, Response } from 'express';
import { OpenStreams, ServiceUnavailableError } from '@zun/common';

/** Seconds a caller is told to wait before asking again. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Whether the agent takes requests. It listens before it is ready (it registers the address it
 * listens on), but answers nothing that depends on its tally of claims until the tally is
 * loaded and start-up recovery is done: a claim checked against an empty tally would
 * over-commit the host. Once it drains for shutdown it takes no new request at all. Refusals
 * are 503 with Retry-After, which the API treats like an agent it cannot reach.
 */
export class AgentAvailability {
  private phase: 'starting' | 'serving' | 'draining' = 'starting';
  /** Followed logs: ended when the agent drains, so they do not hold its shutdown. */
  readonly follows = new OpenStreams();

  get serving(): boolean {
    return this.phase === 'serving';
  }

  ready(): void {
    if (this.phase === 'starting') this.phase = 'serving';
  }

  drain(): void {
    this.phase = 'draining';
    this.follows.endAll();
  }

  /** In front of routes that read or change the tally (claims, live resizes). */
  readonly needsTally: RequestHandler<Record<string, string>> = (_req, res, next) => {
    if (this.phase === 'starting')
      refuse(res, next, 'The compute agent is starting: its claims are not loaded yet.');
    else next();
  };

  /** In front of everything: a draining agent finishes what it has and takes nothing new. */
  readonly refuseWhileDraining: RequestHandler<Record<string, string>> = (_req, res, next) => {
    if (this.phase === 'draining') {
      // The caller's keep-alive connection would otherwise hold the server's close() open.
      res.set('Connection', 'close');
      refuse(res, next, 'The compute agent is shutting down.');
    } else next();
  };
}

function refuse(res: Response, next: NextFunction, message: string): void {
  res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  next(new ServiceUnavailableError(message));
}
