import {
  normaliseReference,
  parseImageReference,
  sameRegistryHost,
  trimRegistryDomain,
  withRegistry,
} from './image-reference';

const DIGEST = 'sha256:6d8f3c5e9a1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5';

describe('parseImageReference', () => {
  it.each([
    ['busybox', { registry: null, repository: 'busybox', tag: null, digest: null }],
    ['busybox:1.36', { registry: null, repository: 'busybox', tag: '1.36', digest: null }],
    [
      '127.0.0.1:5000/busybox',
      { registry: '127.0.0.1:5000', repository: 'busybox', tag: null, digest: null },
    ],
    ['localhost/x:1', { registry: 'localhost', repository: 'x', tag: '1', digest: null }],
    ['repo/name:tag', { registry: null, repository: 'repo/name', tag: 'tag', digest: null }],
    ['library/busybox', { registry: null, repository: 'library/busybox', tag: null, digest: null }],
    [`name@${DIGEST}`, { registry: null, repository: 'name', tag: null, digest: DIGEST }],
    ['registry:5000/a/b:c', { registry: 'registry:5000', repository: 'a/b', tag: 'c', digest: null }],
    ['quay.io/org/app', { registry: 'quay.io', repository: 'org/app', tag: null, digest: null }],
    [
      `docker.io/library/busybox:1.36@${DIGEST}`,
      { registry: 'docker.io', repository: 'library/busybox', tag: '1.36', digest: DIGEST },
    ],
    ['localhost:5000/x', { registry: 'localhost:5000', repository: 'x', tag: null, digest: null }],
  ])('%s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });

  it('does not take a port-less, dot-less first component for a registry', () => {
    expect(parseImageReference('myuser/app:2').registry).toBeNull();
  });
});

describe('normaliseReference', () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['busybox:1.36', 'busybox:1.36'],
    ['127.0.0.1:5000/busybox', '127.0.0.1:5000/busybox:latest'],
    ['127.0.0.1:5000/busybox:v2', '127.0.0.1:5000/busybox:v2'],
    ['localhost/x:1', 'localhost/x:1'],
    ['repo/name:tag', 'repo/name:tag'],
    ['repo/name', 'repo/name:latest'],
    [`name@${DIGEST}`, `name@${DIGEST}`],
    [`127.0.0.1:5000/name:v1@${DIGEST}`, `127.0.0.1:5000/name@${DIGEST}`],
    ['registry:5000/a/b:c', 'registry:5000/a/b:c'],
    ['registry:5000/a/b', 'registry:5000/a/b:latest'],
  ])('%s → %s', (ref, expected) => {
    expect(normaliseReference(ref)).toBe(expected);
  });
});

describe('withRegistry', () => {
  it.each([
    ['busybox', 'reg.example:5000/busybox'],
    ['library/busybox:1.36', 'reg.example:5000/library/busybox:1.36'],
    ['127.0.0.1:5000/busybox', '127.0.0.1:5000/busybox'],
    ['quay.io/org/app', 'quay.io/org/app'],
  ])('%s → %s', (ref, expected) => {
    expect(withRegistry(ref, 'reg.example:5000')).toBe(expected);
  });
});

describe('registry domains', () => {
  it('compare as hosts: without case or a trailing slash', () => {
    expect(trimRegistryDomain(' reg.example:5000/ ')).toBe('reg.example:5000');
    expect(sameRegistryHost('Reg.Example:5000', 'reg.example:5000/')).toBe(true);
    expect(sameRegistryHost('reg.example:5000', 'reg.example:5001')).toBe(false);
    expect(sameRegistryHost('reg.example', 'reg.example.evil')).toBe(false);
  });
});
