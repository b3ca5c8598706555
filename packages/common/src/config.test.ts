import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { configFilePath, configFrom, loadConfig } from './config';
import { OPTIONS } from './config-options';
import { renderConfigSample } from './config-sample';
import { OptionValues } from './config-values';
import { SAMPLE_PATH } from './write-config-sample';
import { credentialMatches } from './contract';

let dir: string;

function iniFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'zun-config-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SAMPLE = `
[DEFAULT]
host = node-7
debug = true
log_format = text
default_memory = 256

[api]
port = 9999
host_ip = 0.0.0.0
public_url =

[compute]
cpu_allocation_ratio = 4
service_token = s3cret

[scheduler]
enabled_filters = ComputeFilter, RamFilter,,

[docker]
default_registry = registry.example:5000
default_registry_username = puller
default_registry_password = pull-pw
`;

describe('loadConfig', () => {
  it('reads values from the file named by ZUN_CONFIG', () => {
    const config = loadConfig({ ZUN_CONFIG: iniFile('sample.conf', SAMPLE) });
    expect(config.host).toBe('node-7');
    expect(config.debug).toBe(true);
    expect(config.logFormat).toBe('text');
    expect(config.container.defaultMemory).toBe(256);
    expect(config.api.port).toBe(9999);
    expect(config.api.host).toBe('0.0.0.0');
    expect(config.compute.cpuAllocationRatio).toBe(4);
    expect(config.compute.serviceToken).toBe('s3cret');
    expect(config.scheduler.enabledFilters).toEqual(['ComputeFilter', 'RamFilter']);
    expect(config.docker.defaultRegistry).toBe('registry.example:5000');
    expect(config.docker.defaultRegistryUsername).toBe('puller');
    expect(config.docker.defaultRegistryPassword).toBe('pull-pw');
  });

  it('treats an empty optional value as unset', () => {
    const config = loadConfig({ ZUN_CONFIG: iniFile('sample.conf', SAMPLE) });
    expect(config.api.publicUrl).toBeUndefined();
  });

  it('treats keys before the first section as [DEFAULT]', () => {
    const config = loadConfig({ ZUN_CONFIG: iniFile('top.conf', 'host = top-level\n[api]\nport = 1\n') });
    expect(config.host).toBe('top-level');
    expect(config.api.port).toBe(1);
  });

  it('lets ZUN_<SECTION>_<OPTION> override the file', () => {
    const config = loadConfig({
      ZUN_CONFIG: iniFile('sample.conf', SAMPLE),
      ZUN_API_PORT: '1234',
      ZUN_DEFAULT_HOST: 'from-env',
      ZUN_COMPUTE_LISTEN_PORT: '7777',
      ZUN_SCHEDULER_ENABLED_FILTERS: 'CPUFilter',
      ZUN_DEFAULT_DEBUG: 'no',
    });
    expect(config.api.port).toBe(1234);
    expect(config.host).toBe('from-env');
    expect(config.compute.listenPort).toBe(7777);
    expect(config.scheduler.enabledFilters).toEqual(['CPUFilter']);
    expect(config.debug).toBe(false);
    // Untouched file values stay.
    expect(config.compute.cpuAllocationRatio).toBe(4);
  });

  it('ignores ZUN_ variables that name no section', () => {
    const config = loadConfig({ ZUN_CONFIG: '/dev/null', ZUN_NOPE_PORT: '1', ZUN_STATE: '/tmp/x' });
    expect(config.api.port).toBe(9517);
  });

  it('throws on a non-numeric value for a number option', () => {
    expect(() => loadConfig({ ZUN_CONFIG: iniFile('bad.conf', '[api]\nport = abc\n') })).toThrow(
      'config: [api] port must be a number, got "abc"',
    );
    expect(() => loadConfig({ ZUN_CONFIG: '/dev/null', ZUN_COMPUTE_CPU_ALLOCATION_RATIO: 'lots' })).toThrow(
      /cpu_allocation_ratio must be a number/,
    );
  });

  it('falls back to the defaults for an empty file', () => {
    const config = loadConfig({ ZUN_CONFIG: '/dev/null' });
    expect(config.host).toBe(hostname());
    expect(config.debug).toBe(false);
    expect(config.logFormat).toBe('json');
    expect(config.serviceDownTime).toBe(180);
    expect(config.defaultAvailabilityZone).toBe('nova');
    expect(config.api).toEqual({ host: '127.0.0.1', port: 9517, maxLimit: 1000, publicUrl: undefined });
    expect(config.compute.listenPort).toBe(9518);
    expect(config.compute.advertiseUrl).toBeUndefined();
    expect(config.compute.cpuAllocationRatio).toBe(16);
    expect(config.compute.ramAllocationRatio).toBe(1.5);
    expect(config.compute.diskAllocationRatio).toBe(1);
    expect(config.compute.reservedHostMemoryMb).toBe(512);
    expect(config.docker).toEqual({
      socketPath: '/var/run/docker.sock',
      stopTimeout: 10,
      executeTimeout: 5,
      defaultRegistry: '',
      defaultRegistryUsername: '',
      defaultRegistryPassword: '',
      pidsLimit: 1024,
      logMaxSize: '20m',
      logMaxFiles: 5,
      publishAddress: '0.0.0.0',
    });
    expect(config.websocketProxy).toEqual({
      baseUrl: 'ws://127.0.0.1:6784/',
      host: '127.0.0.1',
      port: 6784,
      allowedOrigins: [],
      tokenTtl: 30,
      maxPayload: 65536,
    });
    expect(config.scheduler.enabledFilters).toEqual([
      'AvailabilityZoneFilter',
      'ComputeFilter',
      'RuntimeFilter',
      'CPUFilter',
      'RamFilter',
    ]);
    expect(config.container).toEqual({
      defaultCpu: 1,
      defaultMemory: 512,
      minimumCpus: 0.1,
      maximumCpus: 16,
      minimumMemory: 4,
      maximumMemory: 8192,
      minimumDisk: 1,
      maximumDisk: 160,
    });
  });

  it('uses an empty environment value as the default for numbers', () => {
    expect(loadConfig({ ZUN_CONFIG: '/dev/null', ZUN_API_PORT: '' }).api.port).toBe(9517);
  });
});

describe('loadConfig checks', () => {
  const load = (text: string, env: NodeJS.ProcessEnv = {}) =>
    loadConfig({ ZUN_CONFIG: iniFile('check.conf', text), ...env });
  const failure = (text: string, env: NodeJS.ProcessEnv = {}): string => {
    try {
      load(text, env);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('loadConfig accepted the file');
  };

  it('refuses an unknown option, naming the file, section and key', () => {
    const msg = failure('[api]\nport = 1\nfrobnicate = yes\n');
    expect(msg).toBe(
      `config: unknown option "frobnicate" in section [api] of ${path.join(dir, 'check.conf')}`,
    );
  });

  it('suggests the option meant by a typo', () => {
    expect(failure('[api]\nprot = 9999\n')).toMatch(
      /unknown option "prot" in section \[api\] .*\(did you mean "port"\?\)/,
    );
    expect(failure('[compute]\nservice_tokn = x\n')).toMatch(/did you mean "service_token"\?/);
    expect(failure('hots = x\n')).toMatch(
      /unknown option "hots" in section \[DEFAULT\].*did you mean "host"\?/,
    );
  });

  it('points at the right section for an option put in the wrong one', () => {
    expect(failure('[api]\nlisten_port = 1\n')).toMatch(/did you mean \[compute\] listen_port\?/);
  });

  it('refuses an unknown section, with a suggestion when close', () => {
    expect(failure('[compue]\nlisten_port = 1\n')).toMatch(
      /unknown section \[compue\] in .*check\.conf \(did you mean \[compute\]\?\)/,
    );
    expect(failure('[default]\nhost = x\n')).toMatch(/did you mean \[DEFAULT\]\?/);
    expect(failure('[metrics]\nenabled = true\n')).toMatch(/unknown section \[metrics\] in [^(]*$/);
  });

  it('refuses values of the wrong type, naming where they came from', () => {
    const file = path.join(dir, 'check.conf');
    expect(failure('[api]\nport = abc\n')).toBe(`config: [api] port must be a number, got "abc" (${file})`);
    expect(failure('[api]\nport = 80.5\n')).toMatch(/\[api\] port must be a whole number, got "80.5"/);
    expect(failure('debug = maybe\n')).toMatch(/\[DEFAULT\] debug must be true or false, got "maybe"/);
    expect(failure('log_format = xml\n')).toMatch(/\[DEFAULT\] log_format must be json or text, got "xml"/);
    expect(failure('', { ZUN_COMPUTE_ENABLE_CPU_PINNING: 'sometimes' })).toMatch(
      /\[compute\] enable_cpu_pinning must be true or false, got "sometimes" \(ZUN_COMPUTE_ENABLE_CPU_PINNING\)/,
    );
  });

  it('lists every problem of the file at once', () => {
    const msg = failure('[api]\nport = abc\nprot = 1\n[nope]\nx = 1\n');
    expect(msg.split('\n')).toHaveLength(3);
  });

  it('accepts the boolean spellings of oslo.config', () => {
    for (const [text, want] of [
      ['true', true],
      ['On', true],
      ['1', true],
      ['no', false],
      ['False', false],
      ['0', false],
    ] as const) {
      expect(load(`debug = ${text}\n`).debug).toBe(want);
    }
  });

  it('lets the environment override the file, checked by the same types', () => {
    const c = load('[compute]\nlisten_port = 1\nenable_cpu_pinning = false\n', {
      ZUN_COMPUTE_LISTEN_PORT: '2',
      ZUN_COMPUTE_ENABLE_CPU_PINNING: 'yes',
      ZUN_WEBSOCKET_PROXY_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(c.compute.listenPort).toBe(2);
    expect(c.compute.enableCpuPinning).toBe(true);
    expect(c.websocketProxy.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('ignores ZUN_ variables that are not options (launcher, tests, python-zunclient)', () => {
    const c = load('', {
      ZUN_STATE: '/tmp/x',
      ZUN_PG_PORT: '1',
      ZUN_REGISTRY_PORT: 'x',
      ZUN_TEST_PG_PORT: '55443',
      ZUN_EXTRA_ENGINES: '2',
      ZUN_EXTRA_HOSTS: '2',
      ZUN_WSPROXY_PORT: 'abc',
      ZUN_E2E_API_PORT: '1',
      ZUN_LOG_LEVEL: 'debug',
      ZUN_API_VERSION: '1.40',
      ZUN_READY: '1',
    });
    expect(c.api.port).toBe(9517);
    expect(c.websocketProxy.port).toBe(6784);
  });
});

describe('option declarations', () => {
  it('declares each option once, with help', () => {
    const keys = OPTIONS.map((o) => `${o.section}.${o.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of OPTIONS) expect(o.help.length).toBeGreaterThan(20);
  });

  it('has every declared option read into ZunConfig', () => {
    const values = new OptionValues(undefined, {});
    configFrom(values);
    expect([...values.read].sort()).toEqual(OPTIONS.map((o) => `${o.section}.${o.name}`).sort());
  });

  it('declares defaults of the declared type', () => {
    for (const o of OPTIONS) {
      if (o.default === null) continue;
      const t = { int: 'number', float: 'number', bool: 'boolean', string: 'string', enum: 'string' };
      if (o.type === 'list') expect(Array.isArray(o.default)).toBe(true);
      else expect([o.section, o.name, typeof o.default]).toEqual([o.section, o.name, t[o.type]]);
      if (o.type === 'int') expect(Number.isInteger(o.default)).toBe(true);
      if (o.type === 'enum') expect(o.choices).toContain(o.default);
    }
  });
});

describe('deploy/zun.conf.example', () => {
  it('is what `npm run config-sample` generates from the declarations', () => {
    // Fails when an option changed without regenerating the committed example.
    expect(readFileSync(SAMPLE_PATH, 'utf8')).toBe(renderConfigSample());
  });

  it('shows every option and is itself a valid configuration', () => {
    const text = renderConfigSample();
    for (const o of OPTIONS) expect(text).toMatch(new RegExp(`^#?${o.name} =`, 'm'));
    const c = loadConfig({ ZUN_CONFIG: SAMPLE_PATH });
    expect(c.compute.serviceToken).toBe('CHANGE-ME-LONG-RANDOM');
    expect(c.api.port).toBe(9517);
  });
});

describe('configFilePath', () => {
  it('prefers ZUN_CONFIG', () => {
    expect(configFilePath({ ZUN_CONFIG: '/some/where.conf' })).toBe('/some/where.conf');
  });
});

describe('credentialMatches', () => {
  it('accepts the right credential', () => {
    expect(credentialMatches('s3cret', 's3cret')).toBe(true);
  });

  it('refuses a wrong credential, including prefixes and different lengths', () => {
    expect(credentialMatches('wrong', 's3cret')).toBe(false);
    expect(credentialMatches('s3cre', 's3cret')).toBe(false);
    expect(credentialMatches('s3cret!', 's3cret')).toBe(false);
    expect(credentialMatches('S3CRET', 's3cret')).toBe(false);
  });

  it('refuses when either side is empty', () => {
    expect(credentialMatches(undefined, 's3cret')).toBe(false);
    expect(credentialMatches('', 's3cret')).toBe(false);
    expect(credentialMatches('s3cret', '')).toBe(false);
    expect(credentialMatches('', '')).toBe(false);
    expect(credentialMatches(undefined, '')).toBe(false);
  });
});
