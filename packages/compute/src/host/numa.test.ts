import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCpuList, readNumaTopology } from './numa';

describe('NUMA topology', () => {
  it('parses the kernel cpulist format', () => {
    expect(parseCpuList('0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(parseCpuList('')).toEqual([]);
  });

  it('reads nodes from sysfs, ordered by id, with their memory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'numa-'));
    try {
      for (const [id, cpus, kb] of [
        [1, '2-3', 2048 * 1024],
        [0, '0-1', 1024 * 1024],
      ] as const) {
        mkdirSync(path.join(dir, `node${id}`));
        writeFileSync(path.join(dir, `node${id}`, 'cpulist'), cpus);
        writeFileSync(path.join(dir, `node${id}`, 'meminfo'), `Node ${id} MemTotal:       ${kb} kB\n`);
      }
      mkdirSync(path.join(dir, 'power')); // not a node
      expect(await readNumaTopology(4, 3072, dir)).toEqual([
        { id: 0, cpus: [0, 1], memMiB: 1024 },
        { id: 1, cpus: [2, 3], memMiB: 2048 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is one node with every CPU and all memory when sysfs has none', async () => {
    expect(await readNumaTopology(2, 4096, '/nonexistent')).toEqual([{ id: 0, cpus: [0, 1], memMiB: 4096 }]);
  });
});
