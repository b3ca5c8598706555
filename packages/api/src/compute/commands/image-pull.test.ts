import { normalisedName } from './image-pull';

describe('normalisedName', () => {
  it('puts the default registry in front of a name without a host, and defaults the tag', () => {
    expect(normalisedName('busybox', '127.0.0.1:5000/')).toEqual({
      repo: '127.0.0.1:5000/busybox',
      tag: 'latest',
    });
    expect(normalisedName('team/app:v2', '127.0.0.1:5000')).toEqual({
      repo: '127.0.0.1:5000/team/app',
      tag: 'v2',
    });
  });

  it('keeps a registry host given in the name, and a bare name without a default registry', () => {
    expect(normalisedName('reg.example:5000/app:1.0', '127.0.0.1:5000')).toEqual({
      repo: 'reg.example:5000/app',
      tag: '1.0',
    });
    expect(normalisedName('busybox:1', '')).toEqual({ repo: 'busybox', tag: '1' });
  });

  it.each([`busybox@sha256:${'0'.repeat(64)}`, 'Upper', 'a b', 'busybox:bad tag'])('refuses %s', (name) => {
    expect(() => normalisedName(name, '')).toThrow(/digest|Invalid image name/);
  });
});
