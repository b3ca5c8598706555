import type { Readable } from 'node:stream';
import type { Response } from 'express';
import type { Logger, OpenStreams } from '@zun/common';

/**
 * GET …/logs?follow=true (our extension; Zun has no follow): the log as plain text, written as
 * the host sends it and kept open until the container stops. Unlike the JSON string of an
 * ordinary read, a client can show each chunk as it comes. The caller going away destroys the
 * host's stream, which aborts the request to the agent, which closes the engine's stream.
 */
export function followLogs(logs: Readable, res: Response, follows: OpenStreams, logger: Logger): void {
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    // Proxies (nginx, zun-console) pass such an answer on as it comes instead of buffering it.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  // A draining API ends the answer cleanly rather than holding its shutdown until it is cut.
  const forget = follows.add(() => {
    logs.unpipe(res);
    logs.destroy();
    res.end();
  });
  res.once('close', () => {
    forget();
    logs.destroy();
  });
  logs.once('error', (err) => {
    logger.warn('followed logs cut short', { error: String(err) });
    res.destroy();
  });
  logs.pipe(res);
}
