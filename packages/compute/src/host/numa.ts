import { readFile, readdir } from 'node:fs/promises';
import type { NumaCell } from '@zun/common';

/** "0-3,8,10-11" -> [0,1,2,3,8,10,11] (the kernel's cpulist format). */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    const end = Number.isInteger(b) ? b : a;
    for (let i = a; i <= end; i++) out.push(i);
  }
  return out;
}

/**
 * The host's NUMA nodes from sysfs; a machine without NUMA information is one node holding every
 * CPU and all the memory.
 */
export async function readNumaTopology(
  ncpu: number,
  memTotalMiB: number,
  sysfs = '/sys/devices/system/node',
): Promise<NumaCell[]> {
  try {
    const nodes = (await readdir(sysfs)).filter((n) => /^node\d+$/.test(n));
    const cells: NumaCell[] = [];
    for (const n of nodes) {
      const cpus = parseCpuList(await readFile(`${sysfs}/${n}/cpulist`, 'utf8'));
      const meminfo = await readFile(`${sysfs}/${n}/meminfo`, 'utf8').catch(() => '');
      const kb = /MemTotal:\s+(\d+)\s*kB/.exec(meminfo);
      cells.push({ id: Number(n.slice(4)), cpus, memMiB: kb ? Math.floor(Number(kb[1]) / 1024) : 0 });
    }
    if (cells.length) return cells.sort((x, y) => x.id - y.id);
  } catch {
    // No sysfs NUMA view (containers, some VMs): fall through to one node.
  }
  return [{ id: 0, cpus: Array.from({ length: ncpu }, (_, i) => i), memMiB: memTotalMiB }];
}
