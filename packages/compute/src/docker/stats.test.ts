import { summariseStats } from './stats';

const MiB = 1024 * 1024;

describe('summariseStats', () => {
  it('computes CPU % from the delta against the previous reading, like docker stats', () => {
    const s = summariseStats('web', {
      cpu_stats: {
        cpu_usage: { total_usage: 3_000_000_000 },
        system_cpu_usage: 20_000_000_000,
        online_cpus: 2,
      },
      precpu_stats: { cpu_usage: { total_usage: 2_500_000_000 }, system_cpu_usage: 18_000_000_000 },
      memory_stats: { usage: 30 * MiB, limit: 64 * MiB, stats: { total_inactive_file: 10 * MiB } },
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'Read', value: 100 },
          { op: 'Write', value: 7 },
          { op: 'read', value: 1 },
          { op: 'Total', value: 108 },
        ],
      },
      networks: { eth0: { rx_bytes: 10, tx_bytes: 3 }, eth1: { rx_bytes: 5, tx_bytes: 2 } },
    });
    expect(s).toEqual({
      CONTAINER: 'web',
      'CPU %': 50, // 0.5 s of the 2 s system delta, × 2 online CPUs
      'MEM USAGE(MiB)': 20,
      'MEM LIMIT(MiB)': 64,
      'MEM %': 31.25,
      'BLOCK I/O(B)': '101/7',
      'NET I/O(B)': '15/5',
    });
  });

  it('falls back to the cumulative ratio without a previous reading, and to zeros without data', () => {
    const s = summariseStats('x', {
      cpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 100_000 },
      precpu_stats: {},
      memory_stats: { usage: 2 * MiB, limit: 0, stats: { inactive_file: 1 * MiB } },
    });
    expect(s['CPU %']).toBe(1);
    expect(s['MEM USAGE(MiB)']).toBe(1);
    expect(s['MEM %']).toBe(0);
    expect(s['BLOCK I/O(B)']).toBe('0/0');
    expect(s['NET I/O(B)']).toBe('0/0');
  });
});
