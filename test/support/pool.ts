import { Client } from 'pg';

/**
 * The PostgreSQL backends a daemon holds, by the application name it gives its pool's
 * connections, right after `burst` and again after a quiet spell longer than a pool's usual
 * idle time (10 s, plus the pool's 1 s reaping interval). A daemon that keeps its connections
 * has every backend of `before` still in `after`.
 */
export async function backendsAcrossQuiet(
  url: string,
  applicationName: string,
  burst: () => Promise<void>,
): Promise<{ before: number[]; after: number[] }> {
  const watch = new Client({ connectionString: url });
  await watch.connect();
  const backends = async (): Promise<number[]> => {
    const r = await watch.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1 ORDER BY pid`,
      [applicationName],
    );
    return r.rows.map((row) => row.pid);
  };
  try {
    await burst();
    const before = await backends();
    await new Promise((r) => setTimeout(r, 12_000));
    return { before, after: await backends() };
  } finally {
    await watch.end();
  }
}
