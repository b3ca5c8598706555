import { Client } from 'pg';
import { Op } from 'sequelize';
import {
  CONTAINER_EVENTS_CHANNEL,
  CONTAINER_TYPE,
  Container,
  type ContainerChange,
  type Logger,
} from '@zun/common';
import type { CapsuleRows } from '../compute/commands/capsule-create';
import { capsuleParts } from '../controllers/capsules/lookup';
import type { RequestContext } from '../identity/context';
import { ContainerRowCache } from './row-cache';

/** One open event stream: whose it is, what it may see, and where its events go. */
interface Stream {
  ctx: RequestContext;
  /** Admins asking for every project; everybody else sees their token's project only. */
  allProjects: boolean;
  removed(uuid: string): void;
  /** Notifications may have been missed (the LISTEN connection was lost): list again. */
  resync(): void;
  close(): void;
}

/** A stream of plain containers, what GET /v1/containers lists. */
export interface ContainerSubscriber extends Stream {
  kind: 'containers';
  /** The current row of a container that was inserted or changed. */
  changed(row: Container): void;
}

/**
 * A stream of capsules, what GET /v1/capsules lists: a capsule is sent whole (its sandbox row,
 * members and init containers) when it or any of its parts changes.
 */
export interface CapsuleSubscriber extends Stream {
  kind: 'capsules';
  changed(rows: CapsuleRows): void;
}

export type EventSubscriber = ContainerSubscriber | CapsuleSubscriber;

/**
 * Why a watcher is poked: its container's row changed (or, watching any, some row did), the
 * notifications may have been missed (read again), or the hub is stopping (give up waiting).
 */
export type WatchPoke = 'changed' | 'resync' | 'closed';

/** A capsule touched by a burst of notifications, and whose it was (for a deleted one). */
interface CapsuleTouch {
  project_id: string;
}

/**
 * One LISTEN connection per zun-api process, shared by every open stream. Notifications of a
 * burst are gathered for `batchMs` and the changed rows read in one query, so a thousand
 * updates cost a handful of queries however many consoles are open.
 */
export class ContainerEventHub {
  /** Rows for the cheap show, kept true by the notifications this hub receives. */
  readonly rows = new ContainerRowCache();
  private client: Client | null = null;
  private readonly subscribers = new Set<EventSubscriber>();
  /** Watchers of one container (by uuid), or of any (key ''), poked as notifications arrive. */
  private readonly watchers = new Map<string, Set<(why: WatchPoke) => void>>();
  private pending = new Map<string, ContainerChange>();
  private pendingCapsules = new Map<string, CapsuleTouch>();
  private flushTimer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Set once the connection was lost: the next connection tells the streams to list again. */
  private retried = false;

  constructor(
    private readonly connection: string,
    private readonly logger: Logger,
    private readonly batchMs = 50,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.connection });
    client.on('notification', (n) => n.channel === CONTAINER_EVENTS_CHANNEL && this.note(n.payload));
    client.on('error', (err) => this.reconnect(err));
    // Ended by the server without an error first: notifications stop all the same.
    client.on('end', () => this.client === client && this.reconnect(new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CONTAINER_EVENTS_CHANNEL}`);
      const wasLost = this.client === null && this.retried;
      this.client = client;
      // Only from here on is every change heard; what was read before may be stale.
      this.rows.enable();
      if (wasLost) {
        for (const s of this.subscribers) s.resync();
        this.pokeAll('resync');
      }
    } catch (err) {
      this.reconnect(err as Error);
    }
  }

  subscribe(sub: EventSubscriber): () => void {
    this.subscribers.add(sub);
    return () => this.subscribers.delete(sub);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Pokes `poke` as soon as a notification for container `uuid` (null: any container) arrives,
   * without the streams' batching or any query: a waiter reads the row itself, and a status
   * change reaches it in the time the notification takes rather than up to a batch later.
   * The poke says nothing of the row, so it leaks nothing across projects; the waiter's read
   * does the scope check.
   */
  watch(uuid: string | null, poke: (why: WatchPoke) => void): () => void {
    const key = uuid ?? '';
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(poke);
    return () => {
      set.delete(poke);
      if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
    };
  }

  private pokeAll(why: WatchPoke): void {
    for (const set of [...this.watchers.values()]) for (const poke of [...set]) poke(why);
  }

  /** Ends every open stream (so a draining server is not held open by them) and stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.rows.disable();
    if (this.retry) clearTimeout(this.retry);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const s of this.subscribers) s.close();
    this.subscribers.clear();
    this.pokeAll('closed');
    this.watchers.clear();
    await this.client?.end().catch(() => undefined);
  }

  private note(payload: string | undefined): void {
    if (!payload) return;
    let change: ContainerChange;
    try {
      change = JSON.parse(payload) as ContainerChange;
    } catch {
      // Not ours to read, so nothing cached can be trusted to be unaffected.
      this.rows.clear();
      return;
    }
    const row = change.op !== 'delete' && change.row ? rowOfChange(change.row) : null;
    if (row) this.rows.replace(row);
    else this.rows.forget(change.uuid);
    for (const key of [change.uuid, ''])
      for (const poke of [...(this.watchers.get(key) ?? [])]) poke('changed');
    if (this.subscribers.size === 0) return;
    if (change.container_type === CONTAINER_TYPE.container) this.pending.set(change.uuid, change);
    else {
      // A sandbox is its capsule; a member or init container changes its capsule's view.
      const capsule = change.container_type === CONTAINER_TYPE.capsule ? change.uuid : change.capsule_id;
      if (!capsule) return;
      this.pendingCapsules.set(capsule, { project_id: change.project_id });
    }
    this.flushTimer ??= setTimeout(() => void this.flush(), this.batchMs);
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    const containers = [...this.pending.values()];
    const capsules = this.pendingCapsules;
    this.pending = new Map();
    this.pendingCapsules = new Map();
    const streams = [...this.subscribers];
    const of = <K extends EventSubscriber['kind']>(kind: K) =>
      streams.filter((s): s is Extract<EventSubscriber, { kind: K }> => s.kind === kind);
    try {
      await this.sendContainers(containers, of('containers'));
      await this.sendCapsules(capsules, of('capsules'));
    } catch (err) {
      // The database is away: what the consoles show may be stale, so they list again later.
      this.logger.warn('container events: rows could not be read', { error: (err as Error).message });
      for (const s of streams) s.resync();
    }
  }

  private async sendContainers(changes: ContainerChange[], streams: ContainerSubscriber[]): Promise<void> {
    if (changes.length === 0 || streams.length === 0) return;
    const live = changes.filter((c) => c.op !== 'delete').map((c) => c.uuid);
    const generation = this.rows.generation;
    const rows = live.length ? await Container.findAll({ where: { uuid: { [Op.in]: live } } }) : [];
    // Fresh rows the pollers of these containers are about to ask for.
    for (const row of rows) this.rows.fill(row, generation);
    const byUuid = new Map(rows.map((r) => [r.uuid, r]));
    for (const change of changes) {
      const row = byUuid.get(change.uuid);
      for (const s of streams) {
        if (!s.allProjects && change.project_id !== s.ctx.projectId) continue;
        if (row) s.changed(row);
        else s.removed(change.uuid);
      }
    }
  }

  private async sendCapsules(
    touched: Map<string, CapsuleTouch>,
    streams: CapsuleSubscriber[],
  ): Promise<void> {
    if (touched.size === 0 || streams.length === 0) return;
    const sandboxes = await Container.findAll({
      where: { uuid: { [Op.in]: [...touched.keys()] }, container_type: CONTAINER_TYPE.capsule },
    });
    const byUuid = new Map((await capsuleParts(sandboxes)).map((rows) => [rows.sandbox.uuid, rows]));
    for (const [uuid, touch] of touched) {
      const rows = byUuid.get(uuid);
      for (const s of streams) {
        if (!s.allProjects && touch.project_id !== s.ctx.projectId) continue;
        if (rows) s.changed(rows);
        else s.removed(uuid);
      }
    }
  }

  private reconnect(err: Error): void {
    if (this.stopped || this.retry) return;
    this.logger.warn('container events connection lost; reconnecting', { error: err.message });
    void this.client?.end().catch(() => undefined);
    this.client = null;
    this.rows.disable();
    this.retried = true;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, 1_000);
  }
}

/** The model's date columns (known once the models are set up): to_jsonb gives them as ISO strings. */
let dateColumns: string[] | null = null;

/** The row a change notification carries, as a read of it would give it. */
export function rowOfChange(json: Record<string, unknown>): Container {
  dateColumns ??= Object.entries(Container.getAttributes())
    .filter(([, a]) => (a.type as { key?: string }).key === 'DATE')
    .map(([name]) => name);
  const values: Record<string, unknown> = { ...json };
  for (const name of dateColumns) {
    const v = values[name];
    if (typeof v === 'string') values[name] = new Date(v);
  }
  return Container.build(values as never, { isNewRecord: false, raw: true });
}
