import type { Request } from 'express';
import { actionParams } from './action-params';
import { parseSince, parseTail } from './logs-params';

const req = (query: Record<string, unknown>, body?: unknown) => ({ query, body }) as unknown as Request;

describe('actionParams', () => {
  it('takes parameters from the query and from a JSON object body alike', () => {
    expect(actionParams(req({ signal: 'TERM' }))).toEqual({ signal: 'TERM' });
    expect(actionParams(req({}, { signal: 'TERM' }))).toEqual({ signal: 'TERM' });
    expect(actionParams(req({ run: 'false' }, { command: 'ls' }))).toEqual({ run: 'false', command: 'ls' });
  });

  it('gives body numbers and booleans as text, drops nulls, keeps objects for the schema to refuse', () => {
    expect(actionParams(req({}, { timeout: 10, run: false, signal: null, w: { x: 1 } }))).toEqual({
      timeout: '10',
      run: 'false',
      w: { x: 1 },
    });
  });

  it('a parameter in both places is the list of both (refused by the schema); payload fields are skipped', () => {
    expect(actionParams(req({ signal: 'TERM' }, { signal: 'KILL' }))).toEqual({ signal: ['TERM', 'KILL'] });
    expect(actionParams(req({ path: '/tmp' }, { data: 'xx' }), ['data'])).toEqual({ path: '/tmp' });
    const proto = actionParams(req({}, JSON.parse('{"__proto__": "x"}')));
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });

  it('refuses a body that is not an object', () => {
    expect(() => actionParams(req({}, ['KILL']))).toThrow(/must be a JSON object/);
    expect(() => actionParams(req({}, 'KILL'))).toThrow(/must be a JSON object/);
  });
});

describe('logs since and tail', () => {
  it('accepts UNIX seconds and dates from 1970 to 9999', () => {
    expect(parseSince(undefined)).toBeNull();
    expect(parseSince('None')).toBeNull();
    expect(parseSince('0')).toBe(0);
    expect(parseSince('1700000000')).toBe(1700000000);
    expect(parseSince('2024-02-29 10:00:00,123')).toBe(Date.UTC(2024, 1, 29, 10) / 1000);
    expect(parseSince('9999-12-31T23:59:59')).toBe(253402300799);
  });

  it.each([
    '1e23',
    '99999999999999999999',
    '253402300800',
    '-5',
    '1969-12-31 23:59:59',
    '2023-02-29 00:00:00',
    '2024-01-01 24:00:00',
    'soon',
  ])('refuses since=%s with a 400', (since) => {
    expect(() => parseSince(since)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('tail: a count, or all for anything not an integer; a count beyond exact integers is refused', () => {
    expect(parseTail(undefined)).toBe('all');
    expect(parseTail('all')).toBe('all');
    expect(parseTail('-1')).toBe('all');
    expect(parseTail('20')).toBe(20);
    expect(() => parseTail('99999999999999999999')).toThrow(expect.objectContaining({ status: 400 }));
  });
});
