import { planPull, type DefaultRegistry } from './pull-plan';
import type { PullSource } from './registry-source';

const DEFAULTS: DefaultRegistry = { domain: 'def.example:5000', username: 'du', password: 'dp' };
const ANON_DEFAULTS: DefaultRegistry = { domain: 'def.example:5000', username: '', password: '' };
const defaultAuth = { username: 'du', password: 'dp', serveraddress: 'def.example:5000' };
const withUser: PullSource = {
  registryUuid: 'r1',
  name: 'mine',
  domain: 'reg.example',
  auth: { username: 'ru', password: 'rp', serveraddress: 'reg.example' },
};
const noUser: PullSource = { registryUuid: 'r2', name: null, domain: 'def.example:5000', auth: null };

describe('planPull', () => {
  it('without a default registry nor a container registry the reference is used as given', () => {
    expect(planPull('busybox', null, null)).toEqual({ ref: 'busybox:latest', auth: null, origin: null });
    const empty = { domain: '', username: 'u', password: 'p' };
    expect(planPull('busybox', null, empty)).toEqual({ ref: 'busybox:latest', auth: null, origin: null });
  });

  it('prefixes a host-less name with the default registry and sends its credentials', () => {
    const plan = planPull('busybox', null, DEFAULTS);
    expect(plan.ref).toBe('def.example:5000/busybox:latest');
    expect(plan.auth).toEqual(defaultAuth);
    expect(plan.origin?.via).toBe('[docker] default_registry');
  });

  it('pulls anonymously from the default registry when it has no username', () => {
    const plan = planPull('library/app:2', null, { ...ANON_DEFAULTS, domain: 'def.example:5000/' });
    expect(plan.ref).toBe('def.example:5000/library/app:2');
    expect(plan.auth).toBeNull();
    expect(plan.origin?.domain).toBe('def.example:5000');
  });

  it('a reference naming the default registry gets its credentials; another host gets none', () => {
    expect(planPull('def.example:5000/x', null, DEFAULTS).auth).toEqual(defaultAuth);
    const other = planPull('quay.io/org/x', null, DEFAULTS);
    expect(other).toEqual({ ref: 'quay.io/org/x:latest', auth: null, origin: null });
  });

  it("the container's registry wins for the prefix and, with a username, for the credentials", () => {
    const plan = planPull('busybox', withUser, DEFAULTS);
    expect(plan.ref).toBe('reg.example/busybox:latest');
    expect(plan.auth).toEqual(withUser.auth);
    expect(plan.origin?.via).toBe('registry mine');
  });

  it("a container registry without a username on the default registry's host uses the default credentials", () => {
    const plan = planPull('busybox', noUser, DEFAULTS);
    expect(plan.ref).toBe('def.example:5000/busybox:latest');
    expect(plan.auth).toEqual(defaultAuth);
  });

  it('a container registry without a username elsewhere pulls anonymously, named in failures', () => {
    const plan = planPull('busybox', { ...noUser, domain: 'other.example' }, DEFAULTS);
    expect(plan.ref).toBe('other.example/busybox:latest');
    expect(plan.auth).toBeNull();
    expect(plan.origin?.via).toBe('registry r2');
  });
  it("never sends a registry's credentials to another host than its domain", () => {
    const plan = planPull('collector.example/x', withUser, null);
    expect(plan.ref).toBe('collector.example/x:latest');
    expect(plan.auth).toBeNull();
    expect(planPull('REG.example/x', withUser, null).auth).toEqual(withUser.auth);
  });
});
