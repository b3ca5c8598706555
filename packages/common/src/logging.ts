import winston from 'winston';

export type Logger = winston.Logger;

/**
 * Structured logs for every daemon. Child loggers carry `request_id` (the API's
 * x-openstack-request-id, forwarded to agents) so one request can be followed across processes.
 */
export function createLogger(
  service: string,
  opts: { debug?: boolean; format?: 'json' | 'text' } = {},
): Logger {
  const level = process.env.ZUN_LOG_LEVEL ?? (opts.debug ? 'debug' : 'info');
  const format =
    opts.format === 'text'
      ? winston.format.combine(
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level: lvl, message, service: svc, ...rest }) => {
            const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
            return `${String(timestamp)} ${String(svc)} ${lvl}: ${String(message)}${extra}`;
          }),
        )
      : winston.format.combine(
          winston.format.timestamp(),
          winston.format.errors({ stack: true }),
          winston.format.json(),
        );
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
