import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Container } from '@zun/common';
import { ContainerRowCache } from '../events/row-cache';
import { forgetWrittenContainers } from './forget-written';

const A = '0a6b1f0e-8f3d-4d0c-9d55-2a1e7c7f0001';
const B = '0a6b1f0e-8f3d-4d0c-9d55-2a1e7c7f0002';
const row = (uuid: string) => ({ uuid }) as unknown as Container;

describe('forgetWrittenContainers (read-your-writes for the cached show)', () => {
  const cache = new ContainerRowCache();
  /** What the cache held for A and B when each handler answered, before the answer left. */
  let seenAtAnswer: { a: boolean; b: boolean } | null = null;
  let server: Server;
  let base = '';

  beforeAll(async () => {
    const app = express();
    app.use(forgetWrittenContainers(cache));
    app.use((_req, res) => {
      seenAtAnswer = { a: cache.get(A) !== undefined, b: cache.get(B) !== undefined };
      res.status(202).json({});
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    cache.enable();
    cache.fill(row(A), cache.generation);
    cache.fill(row(B), cache.generation);
  });

  const held = () => ({ a: cache.get(A) !== undefined, b: cache.get(B) !== undefined });

  it('drops the container a verb wrote, once the handler has answered and before the client reads', async () => {
    const res = await fetch(`${base}/containers/${A}/start`, { method: 'POST' });
    expect(res.status).toBe(202);
    // The handler (standing for the command, whose transaction has committed) still saw it...
    expect(seenAtAnswer).toEqual({ a: true, b: true });
    // ...and by the time the answer arrived it was gone; the other row stays.
    expect(held()).toEqual({ a: false, b: true });
  });

  it('drops everything for a write by name and for any capsule write', async () => {
    await fetch(`${base}/containers/some-name`, { method: 'PATCH' });
    expect(held()).toEqual({ a: false, b: false });
    cache.fill(row(A), cache.generation);
    await fetch(`${base}/capsules/${B}`, { method: 'DELETE' });
    expect(held()).toEqual({ a: false, b: false });
  });

  it('keeps the rows for reads, creates and other collections', async () => {
    await fetch(`${base}/containers/${A}`);
    await fetch(`${base}/containers`, { method: 'POST' });
    await fetch(`${base}/containers/`, { method: 'POST' });
    await fetch(`${base}/quotas/p1`, { method: 'PUT' });
    expect(held()).toEqual({ a: true, b: true });
  });
});
