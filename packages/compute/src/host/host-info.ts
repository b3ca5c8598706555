import { statfs } from 'node:fs/promises';
import type { NumaCell, ZunConfig } from '@zun/common';
import type { EngineClient } from '../docker/engine';
import { readNumaTopology } from './numa';

export interface HostResources {
  cpus: number;
  memTotalMiB: number;
  diskTotalGiB: number;
  diskQuotaSupported: boolean;
  architecture: string;
  osType: string;
  os: string;
  kernelVersion: string;
  runtimes: string[];
  labels: Record<string, string>;
  totalContainers: number;
  runningContainers: number;
  pausedContainers: number;
  stoppedContainers: number;
  /** What claims may add up to: (total - reserved) x allocation ratio. */
  cpuLimit: number;
  memLimit: number;
  numaTopology: NumaCell[];
  diskLimit: number;
}

// Storage drivers that can enforce a per-container disk size (upstream's list; overlay2 needs
// xfs with project quotas, which we do not detect, so it is reported as unsupported).
const QUOTA_DRIVERS = new Set(['devicemapper', 'windowsfilter', 'zfs', 'btrfs']);

export async function readHostResources(engine: EngineClient, config: ZunConfig): Promise<HostResources> {
  const info = await engine.info();
  let diskBytes = 0;
  try {
    const st = await statfs(info.dockerRootDir);
    diskBytes = st.blocks * st.bsize;
  } catch {
    const st = await statfs('/');
    diskBytes = st.blocks * st.bsize;
  }
  const c = config.compute;
  const memTotalMiB = Math.floor(info.memTotalBytes / (1024 * 1024));
  const diskTotalGiB = Math.floor((diskBytes / 1024 ** 3) * (1 - c.reserveDiskForImage));
  return {
    cpus: info.ncpu,
    memTotalMiB,
    diskTotalGiB,
    diskQuotaSupported: QUOTA_DRIVERS.has(info.driver),
    architecture: info.architecture,
    osType: info.osType,
    os: info.operatingSystem,
    kernelVersion: info.kernelVersion,
    runtimes: info.runtimes,
    labels: info.labels,
    totalContainers: info.containers,
    runningContainers: info.containersRunning,
    pausedContainers: info.containersPaused,
    stoppedContainers: info.containersStopped,
    cpuLimit: Math.max(0, info.ncpu - c.reservedHostCpus) * c.cpuAllocationRatio,
    memLimit: Math.floor(Math.max(0, memTotalMiB - c.reservedHostMemoryMb) * c.ramAllocationRatio),
    diskLimit: Math.floor(diskTotalGiB * c.diskAllocationRatio),
    numaTopology: await readNumaTopology(info.ncpu, memTotalMiB),
  };
}
