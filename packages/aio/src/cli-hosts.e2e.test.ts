import { AioStack, BUSYBOX } from '../../../test/support/aio-stack';

/**
 * `ZUN_EXTRA_HOSTS=2 npm start`: one API and three compute hosts, each with its own Docker engine,
 * driven by the real zun CLI — the operator's view (hosts, services, zones) and placement.
 */
describe('all-in-one stack with three compute hosts, driven by the real zun CLI', () => {
  // Engines 3 and 4: the multi-host integration test may be running engines 1 and 2 meanwhile.
  const stack = new AioStack({ env: { ZUN_EXTRA_HOSTS: '2', ZUN_ENGINE_BASE: '3' } });
  const hosts = [stack.host, `${stack.host}-2`, `${stack.host}-3`];
  const zun = (...args: string[]) => stack.zun(...args);
  const placedOn = async (name: string): Promise<string> =>
    String((await stack.waitStatus(name, 'Running', 60_000)).host);

  beforeAll(() => stack.start(), 200_000);
  afterAll(() => stack.destroy(), 120_000);

  it('lists three hosts and three compute services, up, in the default zone', async () => {
    const list = await zun('host-list');
    expect(list.code).toBe(0);
    for (const h of hosts) expect(list.out).toContain(h);
    const services = await zun('service-list');
    for (const h of hosts)
      expect(services.out).toMatch(new RegExp(`\\|\\s*${h}\\s*\\|\\s*zun-compute\\s*\\|\\s*up\\s*\\|`));
    const zones = await zun('availability-zone-list');
    expect(zones.out).toMatch(/\|\s*nova\s*\|/);
    const show = await zun('host-show', hosts[2]);
    expect(show.out).toMatch(/availability_zone\s*\|\s*nova/);
    expect(show.out).toMatch(/zun\.engine/); // its own engine's daemon label
  });

  it('spreads containers over the hosts, each running on its own engine', async () => {
    for (const i of [1, 2, 3])
      expect((await zun('run', '--name', `spread-${i}`, BUSYBOX, 'sleep', '300')).code).toBe(0);
    const placed = new Set<string>();
    for (const i of [1, 2, 3]) placed.add(await placedOn(`spread-${i}`));
    expect(placed).toEqual(new Set(hosts));
  });

  it('a disabled host gets nothing until enabled; a forced-down one likewise; --host picks one', async () => {
    const dis = await zun('service-disable', hosts[0], 'zun-compute', '--reason', 'maintenance');
    expect(dis.code).toBe(0);
    expect(dis.out).toMatch(/disabled_reason\s*\|\s*maintenance/);
    const down = await zun('service-force-down', hosts[1], 'zun-compute');
    expect(down.code).toBe(0);
    expect((await zun('service-list')).out).toMatch(
      new RegExp(`${hosts[1]}\\s*\\|\\s*zun-compute\\s*\\|\\s*down`),
    );
    for (const i of [1, 2]) {
      expect((await zun('run', '--name', `only-3-${i}`, BUSYBOX, 'sleep', '300')).code).toBe(0);
      expect(await placedOn(`only-3-${i}`)).toBe(hosts[2]);
    }
    // A requested host that is disabled: no valid host, shown as the reason.
    expect((await zun('run', '--name', 'to-disabled', '--host', hosts[0], BUSYBOX, 'true')).code).toBe(0);
    const refused = await stack.waitStatus('to-disabled', 'Error');
    expect(String(refused.status_reason)).toMatch(/No valid host: 1 host, ComputeFilter removed 1/);

    expect((await zun('service-enable', hosts[0], 'zun-compute')).code).toBe(0);
    expect((await zun('service-force-down', '--unset', hosts[1], 'zun-compute')).code).toBe(0);
    expect((await zun('run', '--name', 'picked', '--host', hosts[1], BUSYBOX, 'sleep', '300')).code).toBe(0);
    expect(await placedOn('picked')).toBe(hosts[1]);
    // Members may not pick hosts.
    const member = await stack.zun('run', '--host', hosts[1], BUSYBOX, 'true', { demo: true });
    expect(member.code).not.toBe(0);
    expect(member.err).toMatch(/HTTP 403/);
  });

  it('an availability zone nobody has is explained', async () => {
    expect((await zun('run', '--name', 'no-zone', '--availability-zone', 'az-x', BUSYBOX, 'true')).code).toBe(
      0,
    );
    const r = await stack.waitStatus('no-zone', 'Error');
    expect(r.status_reason).toBe(
      'There are not enough hosts available. No valid host: 3 hosts, AvailabilityZoneFilter removed 3',
    );
  });
});
