import { mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyKollaConfig, parseKollaConfig, passwdLookup } from './config-json';

function sandbox(): { root: string; src: string; lookup: ReturnType<typeof passwdLookup> } {
  const root = mkdtempSync(path.join(tmpdir(), 'kolla-'));
  mkdirSync(path.join(root, 'etc'));
  writeFileSync(
    path.join(root, 'etc/passwd'),
    'root:x:0:0::/root:/bin/sh\nzun:x:4242:4243::/var/lib/zun:/usr/sbin/nologin\n',
  );
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nzun:x:4243:\nlogs:x:4300:\n');
  const src = path.join(root, 'config_files');
  mkdirSync(src);
  return { root, src, lookup: passwdLookup(root) };
}

const asRoot = process.getuid?.() === 0 ? it : it.skip;

describe('config.json parsing', () => {
  it('reads command, config_files and permissions with their defaults', () => {
    const cfg = parseKollaConfig(
      JSON.stringify({
        command: 'node /opt/zun/packages/api/dist/main.js',
        config_files: [{ source: '/a', dest: '/b', owner: 'zun', perm: '0600' }],
        permissions: [{ path: '/var/lib/zun', owner: 'zun:zun', recurse: true }],
      }),
    );
    expect(cfg.command).toBe('node /opt/zun/packages/api/dist/main.js');
    expect(cfg.configFiles).toEqual([
      { source: '/a', dest: '/b', owner: 'zun', perm: '0600', optional: false },
    ]);
    expect(cfg.permissions).toEqual([{ path: '/var/lib/zun', owner: 'zun:zun', recurse: true }]);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['no command', '{}', /command must be/],
    [
      'a bad mode',
      '{"command":"x","config_files":[{"source":"/a","dest":"/b","owner":"zun","perm":"rw"}]}',
      /octal/,
    ],
    [
      'a missing dest',
      '{"command":"x","config_files":[{"source":"/a","owner":"zun","perm":"0600"}]}',
      /\[0\]\.dest/,
    ],
    [
      'a string optional',
      '{"command":"x","config_files":[{"source":"/a","dest":"/b","owner":"zun","perm":"0600","optional":"yes"}]}',
      /optional/,
    ],
    ['permissions not a list', '{"command":"x","permissions":{}}', /permissions must be a list/],
  ])('refuses %s', (_what, text, msg) => {
    expect(() => parseKollaConfig(text)).toThrow(msg);
  });
});

describe('owner lookup', () => {
  it('resolves names from the given root, a group, and numbers', () => {
    const { lookup } = sandbox();
    expect(lookup('zun')).toEqual({ uid: 4242, gid: 4243 });
    expect(lookup('zun:logs')).toEqual({ uid: 4242, gid: 4300 });
    expect(lookup('1000:1001')).toEqual({ uid: 1000, gid: 1001 });
    expect(() => lookup('nobody-here')).toThrow(/unknown user/);
    expect(() => lookup('zun:nogroup')).toThrow(/unknown group/);
  });
});

describe('applying config.json', () => {
  asRoot('copies files and directories with owner and mode, fixes permissions, returns the command', () => {
    const { root, src, lookup } = sandbox();
    writeFileSync(path.join(src, 'zun.conf'), '[DEFAULT]\n');
    chmodSync(path.join(src, 'zun.conf'), 0o444);
    mkdirSync(path.join(src, 'policy.d'));
    writeFileSync(path.join(src, 'policy.d', 'a.yaml'), 'x: y\n');
    const state = path.join(root, 'var/lib/zun');
    mkdirSync(path.join(state, 'inner'), { recursive: true });
    writeFileSync(path.join(state, 'inner', 'f'), '');
    const cfg = parseKollaConfig(
      JSON.stringify({
        command: 'run-me',
        config_files: [
          {
            source: path.join(src, 'zun.conf'),
            dest: path.join(root, 'etc/zun/zun.conf'),
            owner: 'zun',
            perm: '0600',
          },
          {
            source: path.join(src, 'policy.d'),
            dest: path.join(root, 'etc/zun/policy.d'),
            owner: 'zun:logs',
            perm: '0640',
          },
          {
            source: path.join(src, 'missing.conf'),
            dest: path.join(root, 'etc/zun/x'),
            owner: 'zun',
            perm: '0600',
            optional: true,
          },
        ],
        permissions: [
          { path: state, owner: 'zun', recurse: true },
          { path: path.join(root, 'var/log/zun'), owner: 'zun' },
        ],
      }),
    );
    const logged: string[] = [];
    expect(applyKollaConfig(cfg, lookup, (m) => logged.push(m))).toBe('run-me');

    const conf = statSync(path.join(root, 'etc/zun/zun.conf'));
    expect([conf.uid, conf.gid, conf.mode & 0o777]).toEqual([4242, 4243, 0o600]);
    expect(readFileSync(path.join(root, 'etc/zun/zun.conf'), 'utf8')).toBe('[DEFAULT]\n');
    const pol = statSync(path.join(root, 'etc/zun/policy.d/a.yaml'));
    expect([pol.uid, pol.gid, pol.mode & 0o777]).toEqual([4242, 4300, 0o640]);
    expect(statSync(path.join(state, 'inner', 'f')).uid).toBe(4242);
    expect(statSync(path.join(root, 'var/log/zun')).uid).toBe(4242);
    expect(logged.some((m) => m.includes('skipping optional'))).toBe(true);
  });

  asRoot('stops on a missing file that is not optional', () => {
    const { root, src, lookup } = sandbox();
    const cfg = parseKollaConfig(
      JSON.stringify({
        command: 'x',
        config_files: [
          { source: path.join(src, 'zun.conf'), dest: path.join(root, 'z'), owner: 'zun', perm: '0600' },
        ],
      }),
    );
    expect(() => applyKollaConfig(cfg, lookup, () => undefined)).toThrow(
      /does not exist and is not optional/,
    );
  });
});
