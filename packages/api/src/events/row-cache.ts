import type { Container } from '@zun/common';

/** Past this many rows the oldest are dropped: polled containers are few, the table may be big. */
const MAX_ROWS = 5_000;
/**
 * A row is served at most this long without reading it again: invalidation is by notification,
 * this only bounds the damage should one ever be lost.
 */
const MAX_AGE_MS = 30_000;

interface Entry {
  row: Container;
  at: number;
}

/**
 * Container rows by uuid for `GET /v1/containers/<uuid>`, the request every polling client
 * repeats (scripts and consoles poll a container until it is Running). A hit costs no database
 * round trip, no row decoding and no connection from the pool, which on a small machine is CPU
 * the engine needs for the very start being waited on.
 *
 * It is only trusted while the process LISTENs to the containers' change notifications (sent by
 * a trigger at commit for every row change, whichever process made it): every notification drops
 * its uuid, and losing the LISTEN connection empties the cache and turns it off until listening
 * again. The process's own writes drop what they touch before their answer is sent (see
 * `forgetWrittenContainers`), so a client reads its own writes; another process's write is seen
 * once its notification arrives, a few milliseconds after its commit.
 *
 * A read that raced with a change must not store what it read before the change: `generation`
 * is taken before the read and `fill` refuses the row when that uuid (or everything) was dropped
 * since; a change to another container does not cost this one its fill.
 */
export class ContainerRowCache {
  private readonly rows = new Map<string, Entry>();
  /** Counts drops; `generation` is its value. */
  private seq = 0;
  /** The drop count when everything was last dropped. */
  private clearedAt = 0;
  /** The drop count when a uuid was last dropped; emptied (as a clear) when it grows large. */
  private droppedAt = new Map<string, number>();
  private on = false;
  /** Shows answered from memory and from the database, for the API's metrics. */
  readonly served = { cache: 0, database: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  enable(): void {
    this.clear();
    this.on = true;
  }

  disable(): void {
    this.on = false;
    this.clear();
  }

  get size(): number {
    return this.rows.size;
  }

  get generation(): number {
    return this.seq;
  }

  get(uuid: string): Container | undefined {
    if (!this.on) return undefined;
    const e = this.rows.get(uuid);
    if (!e) return undefined;
    if (this.now() - e.at > MAX_AGE_MS) {
      this.rows.delete(uuid);
      return undefined;
    }
    return e.row;
  }

  /** Stores a row read after `generation` was taken, unless something was dropped since. */
  fill(row: Container, generation: number): void {
    if (!this.on || this.clearedAt > generation) return;
    if ((this.droppedAt.get(row.uuid) ?? 0) > generation) return;
    this.rows.delete(row.uuid);
    this.rows.set(row.uuid, { row, at: this.now() });
    if (this.rows.size > MAX_ROWS) this.rows.delete(this.rows.keys().next().value as string);
  }

  /**
   * A row as a change notification carried it, newer than anything read before (which `fill`
   * then refuses): it replaces the cached one, as a read made now would. Only a row already
   * cached (one being shown or waited for) is kept: every change of every row is notified, and
   * holding them all would cost memory for rows nobody asks for.
   */
  replace(row: Container): void {
    const cached = this.rows.has(row.uuid);
    this.forget(row.uuid);
    if (this.on && cached) this.rows.set(row.uuid, { row, at: this.now() });
  }

  forget(uuid: string): void {
    this.seq += 1;
    this.rows.delete(uuid);
    if (this.droppedAt.size >= MAX_ROWS) this.clear();
    else this.droppedAt.set(uuid, this.seq);
  }

  clear(): void {
    this.seq += 1;
    this.clearedAt = this.seq;
    this.droppedAt = new Map();
    this.rows.clear();
  }
}
