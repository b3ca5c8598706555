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
 * stderr, written once per `flushMs` with every line logged meanwhile instead of once per line.
 * A pipe write is a system call that Node makes synchronously; zun-api logs a line per request,
 * so under a poll-heavy load the per-line writes were about a tenth of its CPU. Lines are kept
 * in order and flushed when the process exits (normally or on an uncaught error), so only a
 * SIGKILL can lose them, and then at most the last few milliseconds'.
 */
export class BatchedStderr extends Transport {
  /** Every open one, flushed by one exit hook (a process may make many loggers, as tests do). */
  private static readonly open = new Set<BatchedStderr>();
  private static hooked = false;
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly flushMs = 5,
    private readonly out: { write(s: string): unknown } = process.stderr,
  ) {
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
    this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
    next();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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
