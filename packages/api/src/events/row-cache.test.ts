import type { Container } from '@zun/common';
import { ContainerRowCache } from './row-cache';

const row = (uuid: string, status = 'Running') => ({ uuid, status }) as unknown as Container;

describe('ContainerRowCache', () => {
  it('serves nothing until enabled, and nothing again once disabled', () => {
    const cache = new ContainerRowCache();
    cache.fill(row('a'), cache.generation);
    expect(cache.get('a')).toBeUndefined();
    cache.enable();
    cache.fill(row('a'), cache.generation);
    expect(cache.get('a')?.status).toBe('Running');
    cache.disable();
    expect(cache.get('a')).toBeUndefined();
    cache.fill(row('a'), cache.generation);
    expect(cache.size).toBe(0);
  });

  it('refuses a row read before its uuid was dropped, not one read before another was', () => {
    const cache = new ContainerRowCache();
    cache.enable();
    const before = cache.generation;
    cache.forget('a');
    cache.fill(row('a', 'Creating'), before);
    expect(cache.get('a')).toBeUndefined();
    cache.fill(row('b'), before);
    expect(cache.get('b')?.status).toBe('Running');
    // Read after the drop: stored.
    cache.fill(row('a'), cache.generation);
    expect(cache.get('a')?.status).toBe('Running');
  });

  it('refuses every row read before a clear, and before it was enabled', () => {
    const cache = new ContainerRowCache();
    const beforeEnable = cache.generation;
    cache.enable();
    cache.fill(row('a'), beforeEnable);
    expect(cache.get('a')).toBeUndefined();
    const before = cache.generation;
    cache.clear();
    cache.fill(row('b'), before);
    expect(cache.get('b')).toBeUndefined();
  });

  it('drops a row on forget and everything on clear', () => {
    const cache = new ContainerRowCache();
    cache.enable();
    cache.fill(row('a'), cache.generation);
    cache.fill(row('b'), cache.generation);
    cache.forget('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
  });

  it('reads a row again once it is 30 s old, and keeps at most 5,000', () => {
    let now = 0;
    const cache = new ContainerRowCache(() => now);
    cache.enable();
    cache.fill(row('old'), cache.generation);
    now = 30_001;
    expect(cache.get('old')).toBeUndefined();
    for (let i = 0; i < 5_001; i += 1) cache.fill(row(`r${i}`), cache.generation);
    expect(cache.size).toBe(5_000);
    expect(cache.get('r0')).toBeUndefined();
    expect(cache.get('r5000')).toBeDefined();
  });

  it('stays correct when many uuids were dropped: the record of drops becomes a clear', () => {
    const cache = new ContainerRowCache();
    cache.enable();
    const before = cache.generation;
    for (let i = 0; i < 6_000; i += 1) cache.forget(`x${i}`);
    cache.fill(row('x1'), before);
    cache.fill(row('x5999'), before);
    expect(cache.get('x1')).toBeUndefined();
    expect(cache.get('x5999')).toBeUndefined();
  });

  it('keeps a notified row only where one is cached, and refuses reads made before it', () => {
    const cache = new ContainerRowCache();
    cache.enable();
    cache.replace(row('a', 'Running'));
    expect(cache.get('a')).toBeUndefined();
    cache.fill(row('a', 'Creating'), cache.generation);
    const before = cache.generation;
    cache.replace(row('a', 'Running'));
    expect(cache.get('a')?.status).toBe('Running');
    // A read that began before the change must not put the older row back.
    cache.fill(row('a', 'Creating'), before);
    expect(cache.get('a')?.status).toBe('Running');
  });
});
