import winston from 'winston';
import { currentRequestId } from './request-context';

export type Logger = winston.Logger;

/**
 * Adds the request id of the active context (./request-context.ts) to every line that does not
 * name one, so one request can be followed across processes (the API's x-openstack-request-id,
 * forwarded to agents and carried by their tasks).
 */
export const requestIdFormat = winston.format((info) => {
  const requestId = currentRequestId();
  if (requestId !== undefined && info.request_id === undefined) info.request_id = requestId;
  return info;
});

/** Structured logs for every daemon, each line with the request id of the active context. */
export function createLogger(
  service: string,
  opts: { debug?: boolean; format?: 'json' | 'text' } = {},
): Logger {
  const level = process.env.ZUN_LOG_LEVEL ?? (opts.debug ? 'debug' : 'info');
  const format =
    opts.format === 'text'
      ? winston.format.combine(
          requestIdFormat(),
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level: lvl, message, service: svc, ...rest }) => {
            const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
            return `${String(timestamp)} ${String(svc)} ${lvl}: ${String(message)}${extra}`;
          }),
        )
      : winston.format.combine(
          requestIdFormat(),
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
