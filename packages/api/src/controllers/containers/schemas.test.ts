import { SchemaValidationError } from '@zun/common';
import { ApiVersion } from '../../api-version';
import { parseBool, validator } from '../../validation/schema';
import { CREATE_HINTS, createBodySchema } from './schemas';

type Body = Record<string, unknown>;

const validators = new Map<string, (data: unknown) => Body>();

function validate(body: unknown, version = '1.40'): Body {
  let fn = validators.get(version);
  if (!fn) {
    fn = validator<Body>(createBodySchema(ApiVersion.parse(version)), CREATE_HINTS);
    validators.set(version, fn);
  }
  return fn(body);
}

function rejection(body: unknown, version = '1.40'): SchemaValidationError {
  try {
    validate(body, version);
  } catch (err) {
    if (err instanceof SchemaValidationError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be rejected at ${version}`);
}

/** What `zun run busybox` sends at 1.40. */
const CLI_BODY: Body = {
  image: 'busybox',
  command: [],
  environment: {},
  labels: {},
  hints: {},
  nets: [],
  mounts: [],
  auto_remove: false,
};

describe('createBodySchema', () => {
  it('accepts a typical CLI body and returns it unchanged', () => {
    expect(validate(CLI_BODY)).toBe(CLI_BODY);
    expect(validate(CLI_BODY)).toEqual({ ...CLI_BODY });
  });

  it('accepts a fuller body', () => {
    const body = {
      ...CLI_BODY,
      name: 'web-1',
      cpu: '0.5',
      memory: '512',
      disk: 10,
      command: ['sh', '-c', 'echo hi'],
      environment: { A: 'b' },
      restart_policy: { Name: 'on-failure', MaximumRetryCount: '3' },
      interactive: 'true',
      tty: true,
      image_pull_policy: 'IfNotPresent',
      hostname: 'box-1',
    };
    expect(validate(body)).toBe(body);
  });

  it('rejects a body without image', () => {
    const err = rejection({ command: [] });
    expect(err.status).toBe(400);
    expect(err.code).toBe('schema-validation-error');
    expect(err.message).toBe("'image' is a required property");
  });

  it('rejects an unknown key, naming it', () => {
    const err = rejection({ ...CLI_BODY, colour: 'blue' });
    expect(err.status).toBe(400);
    expect(err.message).toContain('colour');
    expect(err.message).toBe("Additional properties are not allowed ('colour' was unexpected)");
  });

  it('rejects a negative cpu with the cpu hint', () => {
    const err = rejection({ ...CLI_BODY, cpu: '-1' });
    expect(err.status).toBe(400);
    expect(err.message).toContain('cpu');
    expect(err.message).toBe(`Invalid input for field/attribute cpu. Value: "-1". ${CREATE_HINTS.cpu}`);
  });

  it('accepts cpu as a number or a numeric string', () => {
    expect(validate({ ...CLI_BODY, cpu: 0.5 }).cpu).toBe(0.5);
    expect(validate({ ...CLI_BODY, cpu: '2' }).cpu).toBe('2');
    expect(validate({ ...CLI_BODY, cpu: null }).cpu).toBeNull();
  });

  it('rejects a non-numeric memory with the memory hint', () => {
    const err = rejection({ ...CLI_BODY, memory: 'abc' });
    expect(err.message).toBe(
      `Invalid input for field/attribute memory. Value: "abc". ${CREATE_HINTS.memory}`,
    );
    expect(rejection({ ...CLI_BODY, memory: 1.5 }).message).toContain('memory');
    expect(validate({ ...CLI_BODY, memory: 512 }).memory).toBe(512);
  });

  it('rejects a too-short image', () => {
    expect(rejection({ ...CLI_BODY, image: 'a' }).message).toContain(CREATE_HINTS.image);
  });

  it('rejects an invalid name', () => {
    expect(rejection({ ...CLI_BODY, name: '-bad' }).message).toContain(CREATE_HINTS.name);
  });

  it('rejects a non-string environment value', () => {
    expect(rejection({ ...CLI_BODY, environment: { A: 1 } }).message).toContain('environment');
  });

  it('rejects an unknown restart policy', () => {
    expect(rejection({ ...CLI_BODY, restart_policy: { Name: 'sometimes' } }).message).toContain(
      'restart_policy',
    );
  });

  it('accepts host only from 1.39', () => {
    const body = { image: 'busybox', host: 'node-1' };
    expect(rejection(body, '1.38').message).toBe(
      "Additional properties are not allowed ('host' was unexpected)",
    );
    expect(validate(body, '1.39').host).toBe('node-1');
    expect(validate(body, '1.40').host).toBe('node-1');
  });

  it('accepts entrypoint only at 1.40', () => {
    const body = { image: 'busybox', entrypoint: ['/bin/sh'] };
    expect(rejection(body, '1.39').message).toContain("'entrypoint' was unexpected");
    expect(validate(body, '1.40').entrypoint).toEqual(['/bin/sh']);
  });

  it('takes command as an array from 1.20 and as a string before', () => {
    const asString = { image: 'busybox', command: 'sleep 100' };
    const asArray = { image: 'busybox', command: ['sleep', '100'] };
    expect(rejection(asString, '1.40').message).toContain('command');
    expect(rejection(asString, '1.20').message).toContain('command');
    expect(validate(asString, '1.19').command).toBe('sleep 100');
    expect(rejection(asArray, '1.19').message).toContain('command');
    expect(validate(asArray, '1.20').command).toEqual(['sleep', '100']);
  });
});

describe('parseBool', () => {
  it.each(['1', 't', 'true', 'on', 'y', 'yes', 'TRUE', 'True', 'Yes', 'ON'])('%p is true', (s) => {
    expect(parseBool('flag', s, false)).toBe(true);
  });

  it.each(['0', 'f', 'false', 'off', 'n', 'no', 'FALSE', 'False', 'No', 'OFF'])('%p is false', (s) => {
    expect(parseBool('flag', s, true)).toBe(false);
  });

  it('passes booleans through', () => {
    expect(parseBool('flag', true, false)).toBe(true);
    expect(parseBool('flag', false, true)).toBe(false);
  });

  it('accepts the numbers 1 and 0', () => {
    expect(parseBool('flag', 1, false)).toBe(true);
    expect(parseBool('flag', 0, true)).toBe(false);
  });

  it('returns the default for absent values', () => {
    for (const v of [undefined, null, '']) {
      expect(parseBool('flag', v, true)).toBe(true);
      expect(parseBool('flag', v, false)).toBe(false);
    }
  });

  it.each(['maybe', 'yess', '2', 'truthy', ' true'])('refuses %p with a 400 naming the field', (s) => {
    let caught: unknown;
    try {
      parseBool('stdout', s, false);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SchemaValidationError);
    const err = caught as SchemaValidationError;
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      `Invalid input for field/attribute stdout. Value: ${s}. '${s}' is not a valid boolean value`,
    );
  });
});
