import type { ContainerInspect } from '../docker/engine';
import { addressesOf } from './addresses';
import { dockerNetworkName, tenantNetworkName } from './project-networks';

const inspect = (networks: Record<string, Record<string, string>>): ContainerInspect =>
  ({ NetworkSettings: { Networks: networks } }) as unknown as ContainerInspect;

describe('project network names', () => {
  it('round-trips a tenant name through the Docker name', () => {
    expect(dockerNetworkName('p1', 'front')).toBe('zun-p1-front');
    expect(tenantNetworkName('p1', 'zun-p1-front')).toBe('front');
  });

  it('does not claim another project network or a foreign one', () => {
    expect(tenantNetworkName('p1', 'zun-p2-front')).toBeNull();
    expect(tenantNetworkName('p1', 'bridge')).toBeNull();
  });
});

describe('addressesOf', () => {
  it('keys addresses by tenant network name, in the contract shape', () => {
    const a = addressesOf(
      'p1',
      inspect({
        'zun-p1-default': { IPAddress: '172.20.0.2', EndpointID: 'ep1', NetworkID: 'n1' },
        'zun-p1-back': {
          IPAddress: '172.21.0.3',
          EndpointID: 'ep2',
          NetworkID: 'n2',
          GlobalIPv6Address: 'fd00::3',
        },
      }),
    );
    expect(a).toEqual({
      default: [{ addr: '172.20.0.2', version: 4, port: 'ep1', subnet_id: 'n1', preserve_on_delete: false }],
      back: [
        { addr: '172.21.0.3', version: 4, port: 'ep2', subnet_id: 'n2', preserve_on_delete: false },
        { addr: 'fd00::3', version: 6, port: 'ep2', subnet_id: 'n2', preserve_on_delete: false },
      ],
    });
  });

  it('lists a project network without an address (container not running) as attached', () => {
    expect(addressesOf('p1', inspect({ 'zun-p1-default': { IPAddress: '' } }))).toEqual({ default: [] });
  });

  it('skips a foreign network without an address, keeps one with an address under its Docker name', () => {
    expect(
      addressesOf('p1', inspect({ none: { IPAddress: '' }, bridge: { IPAddress: '172.17.0.2' } })),
    ).toEqual({
      bridge: [{ addr: '172.17.0.2', version: 4, port: null, subnet_id: null, preserve_on_delete: false }],
    });
  });
});
