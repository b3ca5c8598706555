import type { Response } from 'express';

/** A comment line often enough that proxies and browsers never see an idle stream. */
const KEEPALIVE_MS = 15_000;

export interface EventStream {
  send(event: string, data: unknown): void;
  end(): void;
}

/**
 * Answers with a server-sent-events stream: headers that keep proxies from buffering it, and
 * a keep-alive comment every 15 s. `onClose` runs once the client has gone.
 */
export function openEventStream(res: Response, onClose: () => void): EventStream {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  res.on('close', () => {
    clearInterval(keepalive);
    onClose();
  });
  return {
    send: (event, data) => void res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    end: () => void res.end(),
  };
}
