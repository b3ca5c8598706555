import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts an HTTP server; rejects with the real cause (e.g. EADDRINUSE) instead of half-starting. */
export function listen(
  handler: RequestListener,
  port: number,
  host: string,
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

/** How long a stopping daemon lets requests in flight finish before cutting them. */
export const SHUTDOWN_GRACE_MS = 30_000;

/**
 * Stops an HTTP server without cutting requests in flight: it stops listening at once, closes
 * keep-alive connections as soon as they are idle (so a client's next request goes elsewhere),
 * and lets requests being served finish. After `graceMs` whatever is left is cut.
 */
export async function closeGracefully(server: Server, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const deadline = Date.now() + graceMs;
  let done = false;
  void closed.then(() => (done = true));
  // A connection that finishes its request becomes idle later: close it then.
  while (!done && Date.now() < deadline) {
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 50))]);
  }
  server.closeAllConnections();
  await closed;
}
