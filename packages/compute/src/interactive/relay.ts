import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** Above this many bytes queued towards the peer, the engine stream is paused. */
const HIGH_WATER = 1 << 20;

/**
 * Relays an engine stream (attach or exec) and a WebSocket in both directions with
 * backpressure on both sides: engine output becomes binary messages, messages become input.
 * Either side ending closes the other; `onEnd` runs once.
 */
export function relayStream(ws: WebSocket, stream: Duplex, onEnd: (why: string) => void): void {
  let ended = false;
  const finish = (why: string, code = 1000) => {
    if (ended) return;
    ended = true;
    stream.destroy();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, why.slice(0, 120));
    onEnd(why);
  };

  stream.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(chunk, { binary: true }, () => {
      if (stream.isPaused() && ws.bufferedAmount < HIGH_WATER / 4) stream.resume();
    });
    if (ws.bufferedAmount > HIGH_WATER) stream.pause();
  });
  stream.once('end', () => finish('session ended'));
  stream.once('close', () => finish('session ended'));
  stream.once('error', (err: Error) => finish(`engine stream failed: ${err.message}`, 1011));

  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!stream.write(buf)) {
      ws.pause();
      stream.once('drain', () => ws.resume());
    }
  });
  ws.once('close', () => finish('client closed'));
  ws.on('error', (err: Error) => finish(`websocket error: ${err.message}`, 1002));
}
