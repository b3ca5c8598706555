/**
 * What bench/scale.ts reads besides client latencies: PostgreSQL's most expensive statements of
 * a phase (pg_stat_statements, reset when the phase starts) and the API process's event-loop
 * delay during it (prom-client's histogram on /metrics, which restarts at every scrape).
 */
import type { Client } from 'pg';

export interface TopStatement {
  query: string;
  calls: number;
  total_ms: number;
  mean_ms: number;
  rows_per_call: number;
}

export async function resetStatements(db: Client): Promise<void> {
  await db.query('SELECT pg_stat_statements_reset()');
}

/** The `n` statements with the most total execution time since the last reset. */
export async function topStatements(db: Client, n = 8): Promise<TopStatement[]> {
  const r = await db.query<{ query: string; calls: string; total: number; rows: string }>(
    `SELECT query, calls, total_exec_time AS total, rows
       FROM pg_stat_statements
      WHERE query NOT ILIKE '%pg_stat%'
      ORDER BY total_exec_time DESC LIMIT $1`,
    [n],
  );
  return r.rows.map((x) => ({
    query: x.query.replace(/\s+/g, ' ').slice(0, 300),
    calls: Number(x.calls),
    total_ms: Math.round(x.total),
    mean_ms: Math.round((x.total / Number(x.calls)) * 1000) / 1000,
    rows_per_call: Math.round((Number(x.rows) / Number(x.calls)) * 10) / 10,
  }));
}

export interface LoopDelay {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** The API's event-loop delay since the previous call (the first call only starts the window). */
export async function apiLoopDelay(apiUrl: string): Promise<LoopDelay> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const read = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line ? Math.round(Number(line.split(' ').pop()) * 1e4) / 10 : NaN;
  };
  return {
    p50_ms: read('nodejs_eventloop_lag_p50_seconds'),
    p99_ms: read('nodejs_eventloop_lag_p99_seconds'),
    max_ms: read('nodejs_eventloop_lag_max_seconds'),
  };
}

/** The API's garbage collections by kind: how many, their total time, how many took over 10 ms. */
export type GcTotals = Record<string, { count: number; ms: number; over_10ms: number }>;

/** Cumulative since the API started (prom-client's histogram); subtract two with `gcSince`. */
export async function apiGc(apiUrl: string): Promise<GcTotals> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const out: GcTotals = {};
  for (const line of text.split('\n')) {
    const m = /^nodejs_gc_duration_seconds_(sum|count|bucket)\{([^}]*)\} (\S+)$/.exec(line);
    const kind = m && /kind="(\w+)"/.exec(m[2])?.[1];
    if (!m || !kind) continue;
    const [, part, labels, value] = m;
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    const t = (out[kind] ??= { count: 0, ms: 0, over_10ms: 0 });
    if (part === 'count') t.count = Number(value);
    else if (part === 'sum') t.ms = Number(value) * 1000;
    else if (le === '0.01') t.over_10ms = -Number(value); // made whole by the count below
  }
  for (const t of Object.values(out)) t.over_10ms += t.count;
  return out;
}

export function gcSince(a: GcTotals, b: GcTotals): GcTotals {
  const out: GcTotals = {};
  for (const [kind, t] of Object.entries(b)) {
    const was = a[kind] ?? { count: 0, ms: 0, over_10ms: 0 };
    out[kind] = {
      count: t.count - was.count,
      ms: Math.round((t.ms - was.ms) * 10) / 10,
      over_10ms: t.over_10ms - was.over_10ms,
    };
  }
  return out;
}
