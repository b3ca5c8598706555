import { LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  let clock = 0;
  const make = (over: Partial<ConstructorParameters<typeof LoginThrottle>[0]> = {}) =>
    new LoginThrottle({
      perUser: 5,
      perSource: 30,
      windowMs: 60_000,
      lockoutMs: 60_000,
      now: () => clock,
      ...over,
    });

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('locks a user name after the limit of failures within the window, for the lockout', () => {
    const t = make();
    for (let i = 0; i < 4; i++) t.failed('bob', 'a');
    expect(t.retryAfter('bob', 'a')).toBe(0);
    t.failed('bob', 'a');
    expect(t.retryAfter('bob', 'a')).toBe(60);
    expect(t.retryAfter('bob', 'b')).toBe(60);
    expect(t.retryAfter('alice', 'a')).toBe(0);
    clock += 59_500;
    expect(t.retryAfter('bob', 'a')).toBe(1);
    clock += 500;
    expect(t.retryAfter('bob', 'a')).toBe(0);
  });

  it('forgets failures older than the window', () => {
    const t = make();
    for (let i = 0; i < 4; i++) t.failed('bob', 'a');
    clock += 60_001;
    t.failed('bob', 'a');
    expect(t.retryAfter('bob', 'a')).toBe(0);
  });

  it('a success resets the user count but not the source count', () => {
    const t = make({ perSource: 6 });
    for (let i = 0; i < 4; i++) t.failed('bob', 'a');
    t.succeeded('bob');
    t.failed('bob', 'a');
    expect(t.retryAfter('bob', 'a')).toBe(0);
    t.failed('carol', 'a');
    expect(t.retryAfter('dave', 'a')).toBe(60);
    expect(t.retryAfter('dave', 'b')).toBe(0);
  });

  it('limits each address across user names', () => {
    const t = make();
    for (let i = 0; i < 30; i++) t.failed(`user${i}`, '10.0.0.1');
    expect(t.retryAfter('anyone', '10.0.0.1')).toBe(60);
    expect(t.retryAfter('anyone', '10.0.0.2')).toBe(0);
  });

  it('0 disables a limit', () => {
    const t = make({ perUser: 0, perSource: 0 });
    for (let i = 0; i < 100; i++) t.failed('bob', 'a');
    expect(t.retryAfter('bob', 'a')).toBe(0);
  });

  it('keeps a bounded number of keys, dropping those that no longer count first', () => {
    const t = make({ maxKeys: 3, perSource: 0 });
    for (let i = 0; i < 5; i++) t.failed('locked', 'a');
    clock += 61_000;
    t.failed('old', 'a');
    for (let i = 0; i < 5; i++) t.failed(`spray${i}`, 'a');
    // The flood pushed everything else out; the map never grew past its bound.
    expect(t.retryAfter('locked', 'a')).toBe(0);
    const internal = (t as unknown as { users: { map: Map<string, unknown> } }).users.map;
    expect(internal.size).toBeLessThanOrEqual(3);
  });
});
