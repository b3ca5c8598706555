import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@zun/common';
import { FilterScheduler } from './scheduler';
import type { HostState } from './types';

// The scheduler's settings as the API reads them: [scheduler] enabled_filters and weigher.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'zun-scheduler-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configWith(scheduler: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof loadConfig> {
  const file = path.join(dir, 'zun.conf');
  writeFileSync(file, `[scheduler]\n${scheduler}\n`);
  return loadConfig({ ZUN_CONFIG: file, ...env });
}

function host(hostname: string, memUsed: number): HostState {
  return {
    uuid: `u-${hostname}`,
    hostname,
    availabilityZone: 'nova',
    serviceUp: true,
    disabled: false,
    cpus: 4,
    cpuUsed: 0,
    cpuLimit: 64,
    memTotal: 4096,
    memUsed,
    memLimit: 4096,
    diskTotal: 0,
    diskUsed: 0,
    diskLimit: 0,
    diskQuotaSupported: false,
    runtimes: ['runc'],
    labels: {},
    enableCpuPinning: false,
  };
}

describe('scheduler settings', () => {
  it('defaults to our filters and the spread weigher, and they build a scheduler', () => {
    const config = configWith('');
    expect(config.scheduler.weigher).toBe('spread');
    const s = new FilterScheduler(config.scheduler);
    expect(s.filterNames).toEqual([
      'AvailabilityZoneFilter',
      'ComputeFilter',
      'RuntimeFilter',
      'CPUFilter',
      'RamFilter',
    ]);
  });

  it('reads weigher and CpuSetFilter from zun.conf and the environment', () => {
    const hosts = [host('empty', 0), host('busy', 3000)];
    const req = {
      cpu: 1,
      memory: 64,
      disk: 0,
      runtime: null,
      availabilityZone: null,
      requestedHost: null,
      hints: {},
    };
    const packed = configWith('weigher = pack\nenabled_filters = ComputeFilter, CpuSetFilter');
    expect(packed.scheduler).toMatchObject({
      weigher: 'pack',
      enabledFilters: ['ComputeFilter', 'CpuSetFilter'],
    });
    const res = new FilterScheduler(packed.scheduler).schedule(hosts, req);
    expect(res.ok && res.hosts[0].hostname).toBe('busy');
    expect(configWith('weigher = pack', { ZUN_SCHEDULER_WEIGHER: 'spread' }).scheduler.weigher).toBe(
      'spread',
    );
  });

  it('refuses an unknown weigher at load time', () => {
    expect(() => configWith('weigher = random')).toThrow(/\[scheduler\] weigher must be spread or pack/);
  });
});
