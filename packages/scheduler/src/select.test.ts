import { TopK, freeRatio, ranksBefore } from './select';
import type { HostState } from './types';

function host(hostname: string, memUsed: number, cpuUsed = 0, uuid = hostname): HostState {
  return {
    uuid,
    hostname,
    availabilityZone: 'nova',
    serviceUp: true,
    disabled: false,
    cpus: 4,
    cpuUsed,
    cpuLimit: 4,
    memTotal: 1000,
    memUsed,
    memLimit: 1000,
    diskTotal: 0,
    diskUsed: 0,
    diskLimit: 0,
    diskQuotaSupported: false,
    runtimes: [],
    labels: {},
    enableCpuPinning: false,
  };
}

describe('ranksBefore', () => {
  it('orders by memory key, then cpu key, then hostname, then uuid', () => {
    expect(ranksBefore(0.5, 0, 'z', 'u', 0.4, 1, 'a', 'u')).toBe(true);
    expect(ranksBefore(0.5, 0.2, 'z', 'u', 0.5, 0.1, 'a', 'u')).toBe(true);
    expect(ranksBefore(0.5, 0.2, 'a', 'u2', 0.5, 0.2, 'b', 'u1')).toBe(true); // hostname before uuid
    expect(ranksBefore(0.5, 0.2, 'a', 'u1', 0.5, 0.2, 'a', 'u2')).toBe(true);
    expect(ranksBefore(0.5, 0.2, 'a', 'u2', 0.5, 0.2, 'a', 'u1')).toBe(false);
    expect(ranksBefore(0.5, 0.2, 'a', 'u', 0.5, 0.2, 'a', 'u')).toBe(false);
  });
});

describe('freeRatio', () => {
  it('is the free fraction, and 0 for a zero limit', () => {
    expect(freeRatio(1000, 250)).toBe(0.75);
    expect(freeRatio(0, 0)).toBe(0);
    expect(freeRatio(100, 150)).toBe(-0.5);
  });
});

describe('TopK', () => {
  it('keeps the best k in order whatever the offer order', () => {
    const hosts = [host('a', 900), host('b', 100), host('c', 500), host('d', 0), host('e', 500, 1)];
    const top = new TopK(3, 'spread');
    for (const h of hosts) top.offer(h);
    expect(top.drain().map((h) => h.hostname)).toEqual(['d', 'b', 'c']);
    expect(top.size).toBe(0);
  });
  it('negates the keys for pack', () => {
    const top = new TopK(2, 'pack');
    for (const h of [host('a', 900), host('b', 100), host('c', 950)]) top.offer(h);
    expect(top.drain().map((h) => h.hostname)).toEqual(['c', 'a']);
  });
  it('breaks a full tie between equal hostnames by uuid, whatever the offer order', () => {
    const twins = [host('x', 0, 0, 'u3'), host('x', 0, 0, 'u1'), host('x', 0, 0, 'u2')];
    for (const order of [twins, [...twins].reverse()]) {
      const top = new TopK(2, 'spread');
      for (const h of order) top.offer(h);
      expect(top.drain().map((h) => h.uuid)).toEqual(['u1', 'u2']);
    }
  });
  it('can be reused after reset', () => {
    const top = new TopK(2, 'spread');
    top.offer(host('a', 0));
    top.reset();
    top.offer(host('b', 500));
    expect(top.drain().map((h) => h.hostname)).toEqual(['b']);
  });
  it('never lets a NaN key displace a kept host, as ranksBefore ranks it', () => {
    for (const weigher of ['spread', 'pack'] as const) {
      const top = new TopK(2, weigher);
      for (const h of [host('a', 100), host('b', 200), host('n', NaN), host('c', 0, NaN)]) top.offer(h);
      const kept = top.drain().map((h) => h.hostname);
      expect(kept).not.toContain('n');
      // A NaN cpu key loses only on a memory-key tie; here the memory key decides.
      expect(kept).toEqual(weigher === 'spread' ? ['c', 'a'] : ['b', 'a']);
    }
  });
  it('ranks by the keys offerKeys is given exactly as offer() computes them', () => {
    const hosts = [
      host('a', 100, 1),
      host('b', 100, 3),
      host('c', 700),
      host('d', 100, 1, 'a0'),
      host('e', 0),
    ];
    for (const weigher of ['spread', 'pack'] as const) {
      const byHost = new TopK(3, weigher);
      const byKeys = new TopK(3, weigher);
      for (const h of hosts) {
        byHost.offer(h);
        const s = byKeys.sign;
        byKeys.offerKeys(s * freeRatio(h.memLimit, h.memUsed), s * freeRatio(h.cpuLimit, h.cpuUsed), h);
      }
      expect(byKeys.drain()).toEqual(byHost.drain());
    }
  });
});
