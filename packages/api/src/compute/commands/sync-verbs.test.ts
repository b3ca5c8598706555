import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commitTarget } from './commit';
import { archiveProblem } from './tar-check';

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

describe('archiveProblem', () => {
  const MAX = 1024 * 1024;
  const tarOf = (setup: string, ...names: string[]): Buffer => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tarcheck-'));
    execFileSync('sh', ['-c', setup], { cwd: dir });
    return execFileSync('tar', ['-cf', '-', '-C', dir, ...names]);
  };

  it('accepts a real tar and compressed streams, refuses anything else', () => {
    const tar = tarOf('echo hello > a.txt', 'a.txt');
    expect(archiveProblem(tar, MAX)).toBeNull();
    expect(archiveProblem(execFileSync('gzip', ['-c'], { input: tar }), MAX)).toBeNull();
    const corrupt = Buffer.from(tar);
    corrupt[0] ^= 0xff;
    expect(archiveProblem(corrupt, MAX)).toBe('it is not a tar archive');
    expect(archiveProblem(Buffer.from('not a tar'), MAX)).toBe('it is not a tar archive');
    expect(archiveProblem(Buffer.alloc(1024), MAX)).toBe('it is not a tar archive');
  });

  it('accepts links that stay inside the target, long names and a missing end marker', () => {
    const ok = tarOf(
      `mkdir -p d/e && echo x > d/f && ln -s ../f d/e/up && ln -s /etc/passwd abs && ln d/f hard && touch ${'n'.repeat(150)}`,
      'd',
      'abs',
      'hard',
      'n'.repeat(150),
    );
    expect(archiveProblem(ok, MAX)).toBeNull();
    expect(archiveProblem(ok.subarray(0, ok.length - 1024), MAX)).toBeNull();
  });

  it('names what the engine would refuse: escaping links, truncation, bad gzip', () => {
    expect(archiveProblem(tarOf('ln -s ../../etc esc', 'esc'), MAX)).toBe(
      'entry "esc" is a symbolic link to "../../etc", outside the target directory',
    );
    expect(archiveProblem(tarOf('mkdir d && ln -s ../../x d/l', 'd'), MAX)).toMatch(
      /"d\/l" is a symbolic link/,
    );
    const hard = tarOf('echo x > f', 'f');
    // Rewrite the entry as a hard link to ../../etc/passwd with a valid checksum.
    hard[156] = '1'.charCodeAt(0);
    hard.write('../../etc/passwd\0', 157, 'latin1');
    hard.write('00000000000\0', 124, 'latin1');
    hard.write('        ', 148, 'latin1');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += hard[i];
    hard.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expect(archiveProblem(hard, MAX)).toBe(
      'entry "f" is a hard link to "../../etc/passwd", outside the target directory',
    );

    const big = tarOf('head -c 5000 /dev/zero > f', 'f');
    expect(archiveProblem(big.subarray(0, 2048), MAX)).toMatch(
      /^it is truncated: entry "f" needs 5000 bytes/,
    );
    expect(archiveProblem(big.subarray(0, 700), MAX)).toMatch(/^it is truncated/);
    const gz = execFileSync('gzip', ['-c'], { input: big });
    expect(archiveProblem(gz.subarray(0, gz.length - 12), MAX)).toBe('it is not a valid gzip stream');
    expect(archiveProblem(gz, 1024)).toBe('it expands to more than 1024 bytes');
  });
});
