import { NotAcceptableError } from '@zun/common';
import { ApiVersion, MAX_VERSION, MIN_VERSION, parseVersionHeader } from './api-version';

function rejection(header: string): NotAcceptableError {
  try {
    parseVersionHeader(header);
  } catch (err) {
    if (err instanceof NotAcceptableError) return err;
    throw err;
  }
  throw new Error(`expected "${header}" to be refused`);
}

describe('parseVersionHeader', () => {
  it('defaults to the minimum version 1.1 when the header is absent', () => {
    const v = parseVersionHeader(undefined);
    expect(v).toBeInstanceOf(ApiVersion);
    expect([v.major, v.minor]).toEqual([1, 1]);
    expect([v.major, v.minor]).toEqual([MIN_VERSION.major, MIN_VERSION.minor]);
  });

  it('parses an explicit version', () => {
    const v = parseVersionHeader('container 1.40');
    expect([v.major, v.minor]).toEqual([1, 40]);
    expect(v.toString()).toBe('1.40');
  });

  it('accepts versions inside the range and surrounding whitespace', () => {
    expect(parseVersionHeader('container 1.1').toString()).toBe('1.1');
    expect(parseVersionHeader('  container   1.20 ').toString()).toBe('1.20');
    expect(parseVersionHeader('Container 1.39').toString()).toBe('1.39');
  });

  it.each(['container latest', 'container LATEST', 'Container Latest', 'CONTAINER latest'])(
    '%s resolves to the maximum version 1.40',
    (header) => {
      const v = parseVersionHeader(header);
      expect([v.major, v.minor]).toEqual([1, 40]);
      expect([v.major, v.minor]).toEqual([MAX_VERSION.major, MAX_VERSION.minor]);
    },
  );

  it.each(['container 1.41', 'container 1.0', 'container 2.1', 'container 0.5'])(
    '%s is refused as an unsupported microversion',
    (header) => {
      const err = rejection(header);
      expect(err.status).toBe(406);
      expect(err.title).toBe('Requested microversion is unsupported');
      expect(err.message).toContain('[container 1.1, container 1.40]');
    },
  );

  it.each(['container', 'compute 1.2', 'container 1.latest', 'container abc', 'container 1.2 extra', ''])(
    'malformed header %p is refused with 406',
    (header) => {
      const err = rejection(header);
      expect(err).toBeInstanceOf(NotAcceptableError);
      expect(err.status).toBe(406);
      expect(err.title).not.toBe('Requested microversion is unsupported');
    },
  );

  it('names the wrong service type in the message', () => {
    expect(rejection('compute 1.2').message).toBe(
      'Invalid service type for OpenStack-API-Version header: "compute 1.2"',
    );
  });
});

describe('ApiVersion', () => {
  it('parses major.minor', () => {
    const v = ApiVersion.parse('1.36');
    expect(v.major).toBe(1);
    expect(v.minor).toBe(36);
    expect(String(v)).toBe('1.36');
  });

  it('compares minors numerically, not lexically', () => {
    const v = ApiVersion.parse('1.9');
    expect(v.atLeast('1.9')).toBe(true);
    expect(v.atLeast('1.10')).toBe(false);
    expect(v.atLeast('1.3')).toBe(true);
    expect(ApiVersion.parse('1.10').atLeast('1.9')).toBe(true);
  });

  it('compares majors before minors', () => {
    expect(new ApiVersion(2, 0).atLeast('1.40')).toBe(true);
    expect(new ApiVersion(1, 40).atLeast('2.0')).toBe(false);
  });

  it('is at least itself and each lower version, not higher ones', () => {
    const v = new ApiVersion(1, 20);
    expect(v.atLeast('1.20')).toBe(true);
    expect(v.atLeast('1.19')).toBe(true);
    expect(v.atLeast('1.21')).toBe(false);
    expect(v.atLeast('1.36')).toBe(false);
  });
});
