import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { HttpDrain } from './http-drain';

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
};
const open = (port: number): Promise<Socket> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });

describe('HttpDrain', () => {
  it('does not wait a minute for a connection that never sent a request', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const drain = new HttpDrain(server);
    const port = await listen(server);
    // What a client's pool does: a connection opened ahead of use, nothing sent on it.
    const silent = await open(port);
    const ended = new Promise((r) => silent.once('close', r));
    const t0 = Date.now();
    expect(await drain.closeWithin(20_000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await ended;
  });

  it('lets a request in flight finish, and its answer says Connection: close', async () => {
    let release: () => void = () => undefined;
    const server = createServer((_req, res) => {
      release = () => res.end('done');
    });
    const drain = new HttpDrain(server);
    const port = await listen(server);
    const answer = fetch(`http://127.0.0.1:${port}/`).then(async (r) => ({
      body: await r.text(),
      connection: r.headers.get('connection'),
    }));
    // The request has reached the handler.
    await new Promise((r) => setTimeout(r, 200));
    const closed = drain.closeWithin(10_000);
    // Past the silent connections' grace: the request's connection is not one of them.
    await new Promise((r) => setTimeout(r, 1_500));
    release();
    expect(await answer).toEqual({ body: 'done', connection: 'close' });
    expect(await closed).toBe(true);
  });
});
