import { InputError } from '@zun/common';
import { ApiVersion } from '../../api-version';
import { parseMounts } from './mounts';
import { networkFromQuery, parseNets, parseSecurityGroups } from './nets';

const fails = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected a 400');
};

describe('parseNets', () => {
  it('defaults to the project default network', () => {
    expect(parseNets(undefined)).toEqual(['default']);
    expect(parseNets([])).toEqual(['default']);
  });

  it('keeps the requested order, primary first', () => {
    expect(parseNets([{ network: 'b' }, { network: 'a' }])).toEqual(['b', 'a']);
  });

  it.each([
    [[{ port: 'p' }], 'no Neutron ports'],
    [[{ network: 'n', port: 'p' }], 'exactly one of network or port'],
    [[{}], 'exactly one of network or port'],
    [[{ network: 'n', 'v4-fixed-ip': '10.0.0.1' }], 'Fixed IPs are not supported'],
    [[{ network: 'n', 'v4-fixed-ip': 'nope' }], 'Invalid IPv4'],
    [[{ network: 'n', 'v6-fixed-ip': '10.0.0.1' }], 'Invalid IPv6'],
    [[{ network: 'n', other: 1 }], 'Additional properties'],
    [[{ network: 'zun-abc-default' }], 'reserved'],
    [[{ network: '../x' }], 'Invalid network name'],
    [[{ network: 'a' }, { network: 'a' }], 'more than once'],
    [['a'], 'not an object'],
  ])('refuses %j', (nets, text) => {
    expect(fails(() => parseNets(nets))).toContain(text);
  });
});

describe('parseSecurityGroups', () => {
  const v = ApiVersion.parse('1.40');
  it('every container is in default', () => {
    expect(parseSecurityGroups({}, v)).toEqual(['default']);
    expect(parseSecurityGroups({ security_groups: ['default', 'default'] }, v)).toEqual(['default']);
  });
  it('any other group is not found', () => {
    expect(fails(() => parseSecurityGroups({ security_groups: ['web'] }, v))).toContain(
      'Security group web not found',
    );
  });
  it('cannot be combined with exposed_ports from 1.20', () => {
    const body = { security_groups: ['default'], exposed_ports: { '80/tcp': {} } };
    expect(fails(() => parseSecurityGroups(body, v))).toContain('exposed_ports');
    expect(parseSecurityGroups(body, ApiVersion.parse('1.19'))).toEqual(['default']);
  });
});

describe('networkFromQuery', () => {
  it('attach without a network picks the default one; detach needs one', () => {
    expect(networkFromQuery({}, 'attach')).toBe('default');
    expect(fails(() => networkFromQuery({}, 'detach'))).toContain('must be given');
    expect(fails(() => networkFromQuery({ network: 'a', port: 'b' }, 'attach'))).toContain('Only one');
    expect(fails(() => networkFromQuery({ network: 'a', fixed_ip: '1.2.3.4' }, 'attach'))).toContain(
      'Fixed IPs',
    );
  });
});

describe('parseMounts', () => {
  it('named volumes, sized volumes and bind content', () => {
    expect(
      parseMounts([
        { source: 'data', destination: '/data/' },
        { size: '2', destination: '/scratch' },
        { type: 'bind', source: Buffer.from('hello').toString('base64'), destination: '/etc/greeting' },
      ]),
    ).toEqual([
      { type: 'volume', name: 'data', destination: '/data' },
      { type: 'volume', name: null, size: 2, destination: '/scratch' },
      { type: 'bind', content: 'aGVsbG8=', destination: '/etc/greeting' },
    ]);
  });

  it.each([
    [[{ source: '/etc', destination: '/x' }], 'host path'],
    [[{ source: '../x', destination: '/x' }], 'host path'],
    [[{ source: '~root', destination: '/x' }], 'host path'],
    [[{ type: 'bind', source: '/etc/passwd', destination: '/x' }], 'host paths are never mountable'],
    [[{ type: 'bind', size: 1, destination: '/x' }], 'give source and destination'],
    [[{ source: 'v', destination: 'relative' }], 'absolute path'],
    [[{ source: 'v', destination: '/' }], 'not usable'],
    [[{ source: 'v', destination: '/a/../b' }], 'not usable'],
    [[{ source: 'v' }], 'absolute path'],
    [[{ destination: '/x' }], 'give source and destination'],
    [[{ size: 0, destination: '/x' }], 'size'],
    [[{ source: 'v', destination: '/x', mode: 'rw' }], 'unexpected keys'],
    [[{ type: 'tmpfs', source: 'v', destination: '/x' }], 'type must be'],
    [
      [
        { source: 'a', destination: '/x' },
        { source: 'b', destination: '/x/' },
      ],
      'used twice',
    ],
  ])('refuses %j', (mounts, text) => {
    expect(fails(() => parseMounts(mounts))).toContain(text);
  });
});
