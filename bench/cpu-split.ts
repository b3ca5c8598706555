/**
 * Where the machine's CPU goes during a measured phase: the whole machine's busy time (from
 * /proc/stat) and that of the processes that start containers, grouped (from /proc/<pid>/stat,
 * a process's user and system time plus that of its children it has reaped: PostgreSQL's ended
 * backends, the runc runs of a containerd shim). Linux only, as the engine is.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc's CPU times (100 on every Linux architecture we run on). */
const TICKS_PER_S = 100;

export interface CpuSnapshot {
  machine: number;
  groups: Record<string, number>;
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // the process ended meanwhile
  }
}

function groupOf(pid: number, comm: string, cmdline: string): string | null {
  if (pid === process.pid) return 'bench client';
  if (cmdline.includes('packages/api/dist/main.js')) return 'zun-api';
  if (cmdline.includes('packages/compute/dist/main.js')) return 'zun-compute';
  if (cmdline.includes('packages/compute/dist/hollow/main.js')) return 'hollow fleet';
  if (comm === 'postgres') return 'postgres';
  if (comm === 'dockerd') return 'dockerd';
  if (comm.startsWith('containerd')) return 'containerd and shims';
  return null;
}

export function cpuSnapshot(): CpuSnapshot {
  const f = (read('/proc/stat') ?? '').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait.
  const machine = (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / TICKS_PER_S;
  const groups: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = read(`/proc/${pid}/stat`);
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (!stat || cmdline === null) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const group = groupOf(pid, comm, cmdline.replace(/\0/g, ' '));
    if (!group) continue;
    // Fields after the command name: state is the 1st, utime the 12th, cstime the 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
    groups[group] = (groups[group] ?? 0) + ticks / TICKS_PER_S;
  }
  return { machine, groups };
}

/** CPU seconds spent between two snapshots, per group, with the machine's total and the rest. */
export function cpuSpent(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = { machine: b.machine - a.machine };
  let named = 0;
  for (const [g, s] of Object.entries(b.groups)) {
    // A process that ended between the snapshots leaves its group short, never negative.
    const spent = Math.max(0, s - (a.groups[g] ?? 0));
    out[g] = spent;
    named += spent;
  }
  out['kernel threads and other'] = Math.max(0, out.machine - named);
  return out;
}
