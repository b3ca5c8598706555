import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sequelize } from 'sequelize';
import type { Logger } from './logging';

/** A dependency the daemon cannot serve without; resolves when it answers. */
export type HealthCheck = () => Promise<unknown>;

/** How long a check may take before the daemon counts as unhealthy (a stuck pool, a hung engine). */
export const HEALTH_TIMEOUT_MS = 2_000;

/** A trivial query: the database answers and this daemon can get a connection. */
export function databaseCheck(sequelize: Sequelize): HealthCheck {
  return () => sequelize.query('SELECT 1');
}

/**
 * GET /healthcheck for load balancers: 200 `OK` when every check answers within the timeout,
 * else 503. No credential is needed, so the body says nothing more; the cause is logged.
 */
export function healthcheckHandler(
  checks: Record<string, HealthCheck>,
  logger: Logger,
  timeoutMs = HEALTH_TIMEOUT_MS,
) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    void runChecks(checks, timeoutMs).then((failed) => {
      if (failed) logger.warn('healthcheck failed', failed);
      res.writeHead(failed ? 503 : 200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(failed ? 'Service Unavailable' : 'OK');
    });
  };
}

async function runChecks(
  checks: Record<string, HealthCheck>,
  timeoutMs: number,
): Promise<{ check: string; error: string } | null> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return null;
      } catch (err) {
        return { check: name, error: err instanceof Error ? err.message : String(err) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return results.find((r) => r !== null) ?? null;
}
