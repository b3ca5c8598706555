import { useState } from 'preact/hooks';

/** `selected` with the given uuids ticked (`on`) or unticked, as a new set. */
export function withOrWithout(
  selected: ReadonlySet<string>,
  uuids: readonly string[],
  on: boolean,
): Set<string> {
  const next = new Set(selected);
  for (const u of uuids) {
    if (on) next.add(u);
    else next.delete(u);
  }
  return next;
}

export interface Selection {
  has(uuid: string): boolean;
  /** Ticks or unticks rows: one row's box, or a "select all" over the rows shown. */
  set(uuids: readonly string[], on: boolean): void;
  /** Every one of these rows is ticked (and there is at least one): a "select all" box's state. */
  all(uuids: readonly string[]): boolean;
  clear(): void;
  uuids: readonly string[];
}

/** The rows of a table ticked for a batch action, by uuid. */
export function useSelection(): Selection {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  return {
    has: (uuid) => selected.has(uuid),
    set: (uuids, on) => setSelected(withOrWithout(selected, uuids, on)),
    all: (uuids) => uuids.length > 0 && uuids.every((u) => selected.has(u)),
    clear: () => setSelected(new Set()),
    uuids: [...selected],
  };
}

/**
 * Runs one request per item, all at once, and waits for every answer; a refused one does not
 * stop the others. Returns a message for the page: what failed, each named with the API's
 * reason, or that every request was accepted.
 */
export async function runEach<T>(
  items: readonly T[],
  run: (item: T) => Promise<unknown>,
  opts: { verb: string; name: (item: T) => string; accepted: string },
): Promise<{ kind: 'error' | 'info'; text: string }> {
  const failures: string[] = [];
  await Promise.all(
    items.map((item) => run(item).catch((err: Error) => failures.push(`${opts.name(item)}: ${err.message}`))),
  );
  return failures.length
    ? { kind: 'error', text: `${opts.verb} failed. ${failures.join(' ')}` }
    : { kind: 'info', text: opts.accepted };
}
