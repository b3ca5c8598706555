import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { configFilePath, loadConfig } from './config';
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
