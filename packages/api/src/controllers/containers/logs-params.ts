import { InputError, type LogsQuery } from '@zun/common';
import { parseBool } from '../../validation/schema';

/** 9999-12-31T23:59:59Z: the last second a `since` timestamp can name. */
const MAX_SINCE = 253_402_300_799;
/** Upstream's form `YYYY-MM-DD HH:MM:SS[,fff]` (also with `T` or `.`), read as UTC. */
const SINCE_DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?$/;

/**
 * `since`: absent or `None` = no limit; digits = UNIX seconds; or a date. Anything the engine
 * could not take (past year 9999, beyond an exact integer, before 1970) is a 400 here rather
 * than the engine's parse error as a 500.
 */
export function parseSince(raw: string | undefined): number | null {
  if (raw === undefined || raw === 'None') return null;
  let since: number;
  if (/^\d+$/.test(raw)) since = Number(raw);
  else {
    const m = SINCE_DATE.exec(raw);
    const [, y, mo, d, h, mi, s] = m ?? [];
    since = m ? Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) / 1000 : NaN;
    // Date.UTC rolls over (month 13, day 32): a date that does not exist is refused.
    const back = m ? new Date(since * 1000) : null;
    if (
      back &&
      (back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59)
    )
      since = NaN;
  }
  if (!Number.isSafeInteger(since) || since < 0 || since > MAX_SINCE) {
    throw new InputError(
      `Invalid since value: ${raw}. Use UNIX seconds (0 to ${MAX_SINCE}) or a date as YYYY-MM-DD HH:MM:SS from 1970 to 9999.`,
    );
  }
  return since;
}

/**
 * `tail`: a count of lines, or anything not an integer for all of them (upstream's rule). A
 * count too large to be exact is refused instead of being rounded on its way to the engine.
 */
export function parseTail(raw: string | undefined): number | 'all' {
  if (raw === undefined || !/^\d+$/.test(raw)) return 'all';
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) {
    throw new InputError(
      `Invalid tail value: ${raw}. Use a number of lines up to ${Number.MAX_SAFE_INTEGER}.`,
    );
  }
  return n;
}

/** The logs query after logsQuerySchema: booleans in Zun's extended form, defaults as upstream. */
export function logsParams(q: Record<string, string>): LogsQuery {
  return {
    stdout: parseBool('stdout', q.stdout, true),
    stderr: parseBool('stderr', q.stderr, true),
    timestamps: parseBool('timestamps', q.timestamps, false),
    tail: parseTail(q.tail),
    since: parseSince(q.since),
    follow: parseBool('follow', q.follow, false),
  };
}
