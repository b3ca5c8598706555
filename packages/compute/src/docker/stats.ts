import type { StatsResult } from '@zun/common';

/** The parts of one Docker stats sample (GET /containers/{id}/stats?stream=false) we read. */
export interface DockerStatsSample {
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: {
    usage?: number;
    limit?: number;
    stats?: Record<string, number>;
  };
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

const MiB = 1024 * 1024;

/**
 * Summarises one sample the way `docker stats` does: CPU % from the usage delta against the
 * previous reading Docker puts in the same sample, scaled by the online CPUs; memory without
 * the inactive file cache; block and network I/O summed over devices and interfaces.
 * Without a previous reading (the first second of a container's life) it falls back to
 * upstream Zun's cumulative ratio, the only figure one reading allows.
 */
export function summariseStats(name: string, s: DockerStatsSample): StatsResult {
  const cpu = s.cpu_stats ?? {};
  const pre = s.precpu_stats ?? {};
  const total = cpu.cpu_usage?.total_usage ?? 0;
  const system = cpu.system_cpu_usage ?? 0;
  const cpuDelta = total - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = system - (pre.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  let cpuPercent = 0;
  if (pre.system_cpu_usage && systemDelta > 0 && cpuDelta >= 0)
    cpuPercent = (cpuDelta / systemDelta) * cpus * 100;
  else if (system > 0) cpuPercent = (total / system) * 100;

  const mem = s.memory_stats ?? {};
  const inactive = mem.stats?.total_inactive_file ?? mem.stats?.inactive_file ?? 0;
  const usageBytes = Math.max(0, (mem.usage ?? 0) - inactive);
  const limitBytes = mem.limit ?? 0;

  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    // cgroup v1 spells the ops "Read"/"Write", cgroup v2 "read"/"write".
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  return {
    CONTAINER: name,
    'CPU %': round(cpuPercent, 4),
    'MEM USAGE(MiB)': round(usageBytes / MiB, 4),
    'MEM LIMIT(MiB)': round(limitBytes / MiB, 4),
    'MEM %': limitBytes > 0 ? round((usageBytes / limitBytes) * 100, 4) : 0,
    'BLOCK I/O(B)': `${read}/${write}`,
    'NET I/O(B)': `${rx}/${tx}`,
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
