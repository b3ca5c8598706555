import {
  InputError,
  InvalidParamInVersion,
  loadConfig,
  NotAllowedError,
  SchemaValidationError,
  type ZunConfig,
} from '@zun/common';
import { ApiVersion } from '../../api-version';
import type { RequestContext } from '../../identity/context';
import { createParams, splitCommand } from './params';

const config: ZunConfig = loadConfig({ ZUN_CONFIG: '/dev/null' });
const V = (s: string): ApiVersion => ApiVersion.parse(s);
const LATEST = V('1.40');

function context(isAdmin: boolean): RequestContext {
  return {
    userId: isAdmin ? 'admin-id' : 'demo-id',
    userName: isAdmin ? 'admin' : 'demo',
    projectId: 'project-id',
    projectName: isAdmin ? 'admin' : 'demo',
    domainId: 'default',
    roles: isAdmin ? ['admin', 'member', 'reader'] : ['member', 'reader'],
    isAdmin,
    tokenExpiresAt: new Date('2100-01-01T00:00:00Z'),
  };
}
const user = context(false);
const admin = context(true);

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

function create(extra: Record<string, unknown>, v: ApiVersion = LATEST, ctx: RequestContext = user) {
  return createParams({ image: 'busybox', ...extra }, v, ctx, config);
}

describe('createParams defaults', () => {
  it('fills in the configured defaults for a bare request', () => {
    const p = create({});
    expect(p).toEqual({
      name: null,
      image: 'busybox',
      imageDriver: 'docker',
      command: null,
      entrypoint: null,
      cpu: 1.0,
      cpuPolicy: 'shared',
      memory: '512',
      disk: 0,
      environment: {},
      workdir: null,
      labels: {},
      imagePullPolicy: null,
      restartPolicy: null,
      interactive: false,
      tty: false,
      autoRemove: false,
      autoHeal: false,
      privileged: false,
      exposedPorts: null,
      healthcheck: null,
      hostname: null,
      runtime: null,
      availabilityZone: null,
      requestedHost: null,
      hints: {},
      nets: ['default'],
      mounts: [],
      securityGroups: ['default'],
      registry: null,
    });
  });

  it('treats null and empty cpu as the default', () => {
    expect(create({ cpu: null }).cpu).toBe(1);
    expect(create({ cpu: '' }).cpu).toBe(1);
    expect(create({ memory: null }).memory).toBe('512');
  });

  it('copies the plain fields through', () => {
    const p = create({
      name: 'web-1',
      environment: { A: 'b' },
      workdir: '/srv',
      availability_zone: 'nova',
      hints: { foo: 'bar' },
      entrypoint: ['/bin/sh', 1],
      auto_heal: 'true',
    });
    expect(p.name).toBe('web-1');
    expect(p.environment).toEqual({ A: 'b' });
    expect(p.workdir).toBe('/srv');
    expect(p.availabilityZone).toBe('nova');
    expect(p.hints).toEqual({ foo: 'bar' });
    expect(p.entrypoint).toEqual(['/bin/sh', '1']);
    expect(p.autoHeal).toBe(true);
  });
});

describe('createParams resource ranges', () => {
  it('accepts numeric strings and the range bounds', () => {
    expect(create({ cpu: '2' }).cpu).toBe(2);
    expect(create({ cpu: 0.1 }).cpu).toBe(0.1);
    expect(create({ cpu: 16 }).cpu).toBe(16);
    expect(create({ memory: '1024' }).memory).toBe('1024');
    expect(create({ memory: 6 }).memory).toBe('6');
    expect(create({ memory: 8192 }).memory).toBe('8192');
    expect(create({ disk: '10' }).disk).toBe(10);
    expect(create({ disk: 1 }).disk).toBe(1);
    expect(create({ disk: 160 }).disk).toBe(160);
  });

  it.each([0.05, 17, 0, 'abc'])('refuses cpu %p with a 400', (cpu) => {
    const err = failure(() => create({ cpu }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).status).toBe(400);
    expect((err as InputError).code).toBe('invalid-value');
    expect(err.message).toContain('cpu must be between 0.1 and 16');
  });

  it('states the offending cpu value', () => {
    expect(failure(() => create({ cpu: 0.05 })).message).toBe(
      'Invalid input for field/attribute cpu. Value: 0.05. cpu must be between 0.1 and 16.',
    );
  });

  // 4 and 5 are within upstream's minimum_memory but below what the engine accepts (6 MiB).
  it.each([3, 4, 5, 8193, '0'])('refuses memory %p', (memory) => {
    const err = failure(() => create({ memory }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).status).toBe(400);
    expect(err.message).toContain('memory must be between 6 and 8192 MiB.');
  });

  it.each([0, 161, '500'])('refuses disk %p', (disk) => {
    const err = failure(() => create({ disk }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).status).toBe(400);
    expect(err.message).toContain('disk must be between 1 and 160 GiB.');
  });
});

describe('createParams microversion gates', () => {
  it('refuses auto_remove below 1.3', () => {
    const err = failure(() => create({ auto_remove: true }, V('1.2')));
    expect(err).toBeInstanceOf(InvalidParamInVersion);
    expect((err as InvalidParamInVersion).code).toBe('invalid-param-in-version');
    expect((err as InvalidParamInVersion).status).toBe(400);
    expect(err.message).toBe(
      'Invalid param auto_remove because current request version is 1.2. auto_remove is only supported from version 1.3',
    );
  });

  it('accepts auto_remove from 1.3', () => {
    expect(create({ auto_remove: true }, V('1.3')).autoRemove).toBe(true);
    expect(create({ auto_remove: false }, V('1.3')).autoRemove).toBe(false);
  });

  it('refuses hostname below 1.9 and accepts it from 1.9', () => {
    const err = failure(() => create({ hostname: 'box' }, V('1.8')));
    expect(err).toBeInstanceOf(InvalidParamInVersion);
    expect((err as InvalidParamInVersion).code).toBe('invalid-param-in-version');
    expect(err.message).toContain('hostname is only supported from version 1.9');
    expect(create({ hostname: 'box' }, V('1.9')).hostname).toBe('box');
  });

  it('refuses runtime below 1.5 even for an admin', () => {
    const err = failure(() => create({ runtime: 'runc' }, V('1.4'), admin));
    expect(err).toBeInstanceOf(InvalidParamInVersion);
  });

  it('checks the version of non-empty mounts before refusing them as unsupported', () => {
    const err = failure(() => create({ mounts: [{ source: 'v', destination: '/d' }] }, V('1.10')));
    expect(err).toBeInstanceOf(InvalidParamInVersion);
    expect(err.message).toContain('mounts is only supported from version 1.11');
  });
});

describe('createParams policy', () => {
  it('refuses runtime to a non-admin with 403', () => {
    const err = failure(() => create({ runtime: 'runc' }));
    expect(err).toBeInstanceOf(NotAllowedError);
    expect((err as NotAllowedError).status).toBe(403);
    expect((err as NotAllowedError).code).toBe('policy-not-authorized');
    expect(err.message).toContain('container:create:runtime');
  });

  it('lets an admin choose the runtime', () => {
    expect(create({ runtime: 'runc' }, LATEST, admin).runtime).toBe('runc');
  });

  it('refuses image_pull_policy to a non-admin and lower-cases it for an admin', () => {
    const err = failure(() => create({ image_pull_policy: 'always' }));
    expect(err).toBeInstanceOf(NotAllowedError);
    expect((err as NotAllowedError).status).toBe(403);
    expect(create({ image_pull_policy: 'IfNotPresent' }, LATEST, admin).imagePullPolicy).toBe('ifnotpresent');
    expect(create({ image_pull_policy: 'Always' }, LATEST, admin).imagePullPolicy).toBe('always');
  });

  it('refuses privileged containers to a non-admin and lets an admin have them', () => {
    for (const privileged of [true, 'true']) {
      const err = failure(() => create({ privileged }, LATEST, user));
      expect(err).toBeInstanceOf(NotAllowedError);
      expect((err as NotAllowedError).status).toBe(403);
      expect(err.message).toContain('container:create:privileged');
      expect(create({ privileged }, LATEST, admin).privileged).toBe(true);
    }
  });

  it('refuses privileged below 1.21', () => {
    expect(failure(() => create({ privileged: true }, V('1.20'), admin))).toBeInstanceOf(
      InvalidParamInVersion,
    );
  });

  it('accepts privileged false', () => {
    expect(create({ privileged: false }).image).toBe('busybox');
    expect(create({ privileged: 'False' }).image).toBe('busybox');
  });

  it('refuses a requested host to a non-admin and passes it through for an admin', () => {
    const err = failure(() => create({ host: 'node-1' }));
    expect(err).toBeInstanceOf(NotAllowedError);
    expect((err as NotAllowedError).status).toBe(403);
    expect(create({ host: 'node-1' }, LATEST, admin).requestedHost).toBe('node-1');
  });
});

describe('createParams restart policy', () => {
  it('forces the retry count of "no" to 0', () => {
    expect(create({ restart_policy: { Name: 'no', MaximumRetryCount: 5 } }).restartPolicy).toEqual({
      Name: 'no',
      MaximumRetryCount: '0',
    });
  });

  it('refuses a retry count with always and unless-stopped', () => {
    for (const Name of ['always', 'unless-stopped']) {
      const err = failure(() => create({ restart_policy: { Name, MaximumRetryCount: 3 } }));
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).status).toBe(400);
      expect(err.message).toBe(`maximum retry count not valid with restart policy of ${Name}`);
    }
  });

  it('accepts always without a count, or with 0', () => {
    expect(create({ restart_policy: { Name: 'always' } }).restartPolicy).toEqual({
      Name: 'always',
      MaximumRetryCount: '0',
    });
    expect(create({ restart_policy: { Name: 'always', MaximumRetryCount: '0' } }).restartPolicy).toEqual({
      Name: 'always',
      MaximumRetryCount: '0',
    });
  });

  it('defaults the on-failure count to "0" and keeps a given one as a string', () => {
    expect(create({ restart_policy: { Name: 'on-failure' } }).restartPolicy).toEqual({
      Name: 'on-failure',
      MaximumRetryCount: '0',
    });
    expect(create({ restart_policy: { Name: 'on-failure', MaximumRetryCount: 3 } }).restartPolicy).toEqual({
      Name: 'on-failure',
      MaximumRetryCount: '3',
    });
  });

  it('leaves a null restart policy null', () => {
    expect(create({ restart_policy: null }).restartPolicy).toBeNull();
  });
});

describe('createParams interactive and tty', () => {
  it.each(['1.20', '1.30', '1.35'])('derives tty from interactive at %s', (v) => {
    const on = create({ interactive: true, tty: false }, V(v));
    expect(on.interactive).toBe(true);
    expect(on.tty).toBe(true);
    const off = create({ interactive: false, tty: true }, V(v));
    expect(off.interactive).toBe(false);
    expect(off.tty).toBe(false);
  });

  it.each(['1.36', '1.40'])('takes tty from the body at %s', (v) => {
    const a = create({ interactive: true, tty: false }, V(v));
    expect(a.interactive).toBe(true);
    expect(a.tty).toBe(false);
    const b = create({ interactive: false, tty: true }, V(v));
    expect(b.interactive).toBe(false);
    expect(b.tty).toBe(true);
    expect(create({ tty: 'True' }, V(v)).tty).toBe(true);
  });

  it('parses boolean-ish strings and refuses others', () => {
    expect(create({ interactive: 'yes' }).interactive).toBe(true);
    expect(create({ interactive: 'false' }).interactive).toBe(false);
    const err = failure(() => create({ interactive: 'maybe' }));
    expect(err).toBeInstanceOf(SchemaValidationError);
    expect((err as SchemaValidationError).status).toBe(400);
  });
});

describe('createParams command', () => {
  it('splits a string command below 1.20', () => {
    expect(create({ command: '"sh" "-c" "echo hi"' }, V('1.19')).command).toEqual(['sh', '-c', 'echo hi']);
    expect(create({ command: 'sleep 100' }, V('1.1')).command).toEqual(['sleep', '100']);
  });

  it('keeps an array command, stringifying its items', () => {
    expect(create({ command: ['sh', '-c', 'echo hi'] }).command).toEqual(['sh', '-c', 'echo hi']);
    expect(create({ command: ['sleep', 5] }).command).toEqual(['sleep', '5']);
    expect(create({ command: [] }).command).toEqual([]);
  });
});

describe('createParams labels', () => {
  it('stringifies label values', () => {
    expect(create({ labels: { a: 1, b: true, c: 'x' } }).labels).toEqual({ a: '1', b: 'true', c: 'x' });
  });

  it('treats null labels as empty', () => {
    expect(create({ labels: null }).labels).toEqual({});
  });
});

describe('createParams optional back ends', () => {
  it('accepts empty nets, mounts and friends as the CLI sends them', () => {
    const p = create({ nets: [], mounts: [], security_groups: [], exposed_ports: {}, healthcheck: {} });
    expect(p.image).toBe('busybox');
  });

  it('takes a registry from 1.31 (looked up when the row is made), refuses it below', () => {
    expect(create({ registry: 'myreg' }).registry).toBe('myreg');
    expect(create({}).registry).toBeNull();
    const err = failure(() => create({ registry: 'myreg' }, V('1.30')));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('1.31');
  });

  it('refuses the glance image driver unless [glance] auth_url is set, and glance with a registry', () => {
    const err = failure(() => create({ image_driver: 'glance' }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('[glance] auth_url is not set');
    expect(create({ image_driver: 'docker' }).imageDriver).toBe('docker');
    expect(create({}).imageDriver).toBe('docker');

    const withGlance = loadConfig({
      ZUN_CONFIG: '/dev/null',
      ZUN_GLANCE_AUTH_URL: 'http://127.0.0.1:35357/v3',
    });
    const ctx = user;
    expect(
      createParams({ image: 'busybox', image_driver: 'glance' }, V('1.40'), ctx, withGlance).imageDriver,
    ).toBe('glance');
    const both = failure(() =>
      createParams(
        { image: 'busybox', image_driver: 'glance', registry: 'myreg' },
        V('1.40'),
        ctx,
        withGlance,
      ),
    );
    expect(both.message).toContain('from Glance and from a registry');
  });
});

describe('splitCommand', () => {
  it('splits on whitespace', () => {
    expect(splitCommand('ls -l  /tmp')).toEqual(['ls', '-l', '/tmp']);
  });

  it('honours double and single quotes', () => {
    expect(splitCommand('"sh" "-c" "echo hi"')).toEqual(['sh', '-c', 'echo hi']);
    expect(splitCommand("sh -c 'echo $X && exit 1'")).toEqual(['sh', '-c', 'echo $X && exit 1']);
  });

  it('keeps shell operators as plain words', () => {
    expect(splitCommand('true && false')).toEqual(['true', '&&', 'false']);
  });

  it('returns no words for an empty string', () => {
    expect(splitCommand('')).toEqual([]);
  });

  // The server has no shell to expand globs: the word is kept as written (as shlex.split does).
  it('keeps an unquoted glob as written', () => {
    expect(splitCommand('ls *.txt')).toEqual(['ls', '*.txt']);
  });

  // The API server's environment is not the container's: the word stays literal.
  it('keeps an unquoted variable reference literally', () => {
    expect(splitCommand('echo $HOME')).toEqual(['echo', '$HOME']);
    expect(splitCommand('echo "$HOME"')).toEqual(['echo', '$HOME']);
  });

  // shlex.split (posix, no comments) keeps '#' as an ordinary word.
  it('keeps a # word instead of rendering a comment object', () => {
    expect(splitCommand('echo a # b')).toEqual(['echo', 'a', '#', 'b']);
  });
});

describe('createParams exposed ports', () => {
  it('normalises keys to <port>/<protocol>, tcp by default', () => {
    expect(create({ exposed_ports: { '80': {}, '53/UDP': {}, '8080/tcp': {} } }).exposedPorts).toEqual({
      '80/tcp': {},
      '53/udp': {},
      '8080/tcp': {},
    });
    expect(create({ exposed_ports: {} }).exposedPorts).toBeNull();
  });

  it.each(['http', '80/sctp', '0', '70000/tcp', '80/tcp/x', '-1'])('refuses %s with a 400', (key) => {
    const err = failure(() => create({ exposed_ports: { [key]: {} } }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(`"${key}"`);
  });

  it('needs 1.24', () => {
    const err = failure(() => create({ exposed_ports: { '80': {} } }, V('1.23')));
    expect(err).toBeInstanceOf(InvalidParamInVersion);
  });
});

describe('createParams auto_remove', () => {
  it('refuses auto_remove with a restart policy, as the engine would', () => {
    const err = failure(() => create({ auto_remove: true, restart_policy: { Name: 'always' } }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('auto_remove');
    expect(create({ auto_remove: true, restart_policy: { Name: 'no' } }).autoRemove).toBe(true);
  });
});

describe('createParams healthcheck', () => {
  it('renames cmd to test and keeps the times in seconds', () => {
    expect(
      create({ healthcheck: { cmd: 'wget -q localhost', interval: 3, retries: 2, timeout: '1' } })
        .healthcheck,
    ).toEqual({ test: 'wget -q localhost', interval: 3, retries: 2, timeout: 1 });
    expect(create({ healthcheck: {} }).healthcheck).toBeNull();
  });

  it.each([
    [{ interval: 3 }, 'cmd'],
    [{ cmd: '' }, 'cmd'],
    [{ cmd: 'true', interval: -1 }, 'interval'],
    [{ cmd: 'true', retries: 1.5 }, 'retries'],
    [{ cmd: 'true', timeout: 'soon' }, 'timeout'],
    [{ cmd: 'true', start_period: 3 }, 'start_period'],
  ])('refuses %j with a 400 naming %s', (hc, word) => {
    const err = failure(() => create({ healthcheck: hc }));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(word);
  });

  it('needs 1.22', () => {
    expect(failure(() => create({ healthcheck: { cmd: 'true' } }, V('1.21')))).toBeInstanceOf(
      InvalidParamInVersion,
    );
  });
});
