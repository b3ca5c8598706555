import winston from 'winston';
import Transport from 'winston-transport';
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

const MESSAGE = Symbol.for('message');

/**
 * stderr, written once per turn of the event loop with every line logged in it, instead of once
 * per line: a pipe write is a system call that Node makes synchronously, and a burst of requests
 * handled in one turn logs a line each. The write comes at the end of the same turn
 * (setImmediate), not after a delay, so a request arriving alone costs no extra wake-up of an
 * idle process. Lines are kept in order and flushed when the process exits (normally or on an
 * uncaught error), so only a SIGKILL can lose them, and then only the current turn's.
 */
export class BatchedStderr extends Transport {
  /** Every open one, flushed by one exit hook (a process may make many loggers, as tests do). */
  private static readonly open = new Set<BatchedStderr>();
  private static hooked = false;
  private lines: string[] = [];
  private pending: NodeJS.Immediate | null = null;

  constructor(private readonly out: { write(s: string): unknown } = process.stderr) {
    super();
    if (!BatchedStderr.hooked) process.once('exit', () => BatchedStderr.flushAll());
    BatchedStderr.hooked = true;
    BatchedStderr.open.add(this);
  }

  private static flushAll(): void {
    for (const t of BatchedStderr.open) t.flush();
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(String(info[MESSAGE]));
    this.pending ??= setImmediate(() => this.flush()).unref();
    next();
  }

  flush(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = null;
    if (this.lines.length === 0) return;
    const text = `${this.lines.join('\n')}\n`;
    this.lines = [];
    this.out.write(text);
  }

  override close(): void {
    this.flush();
    BatchedStderr.open.delete(this);
  }
}

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
    transports: [new BatchedStderr()],
  });
}
