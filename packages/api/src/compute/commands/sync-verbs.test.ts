import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commitTarget } from './commit';
import { looksLikeArchive } from './tar-check';

describe('commitTarget', () => {
  it('keeps repository and tag, defaulting the tag to latest', () => {
    expect(commitTarget('foo', undefined)).toEqual({ repository: 'foo', tag: 'latest' });
    expect(commitTarget('127.0.0.1:5000/team/foo', 'v1.2')).toEqual({
      repository: '127.0.0.1:5000/team/foo',
      tag: 'v1.2',
    });
  });

  it("joins back a registry reference the client split at the port's colon", () => {
    expect(commitTarget('127.0.0.1', '5000/foo')).toEqual({
      repository: '127.0.0.1:5000/foo',
      tag: 'latest',
    });
  });

  it.each([
    ['Foo', undefined],
    ['foo bar', undefined],
    ['foo', 'bad tag'],
    ['foo', '.dot'],
    ['-foo', undefined],
    ['127.0.0.1', '5000/Foo'],
  ])('rejects %s:%s', (repo, tag) => {
    expect(() => commitTarget(repo, tag)).toThrow(/Invalid/);
  });
});

describe('looksLikeArchive', () => {
  it('accepts a real tar and compressed streams, refuses anything else', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tarcheck-'));
    writeFileSync(path.join(dir, 'a.txt'), 'hello');
    const tar = execFileSync('tar', ['-cf', '-', '-C', dir, 'a.txt']);
    expect(looksLikeArchive(tar)).toBe(true);
    expect(looksLikeArchive(execFileSync('gzip', ['-c'], { input: tar }))).toBe(true);
    const corrupt = Buffer.from(tar);
    corrupt[0] ^= 0xff;
    expect(looksLikeArchive(corrupt)).toBe(false);
    expect(looksLikeArchive(Buffer.from('not a tar'))).toBe(false);
    expect(looksLikeArchive(Buffer.alloc(1024))).toBe(false);
  });
});
