import { Client } from 'pg';
import { Op } from 'sequelize';
import {
  CONTAINER_EVENTS_CHANNEL,
  CONTAINER_TYPE,
  Container,
  type ContainerChange,
  type Logger,
} from '@zun/common';
import type { RequestContext } from '../identity/context';

/** One open event stream: whose it is, what it may see, and where its events go. */
export interface EventSubscriber {
  ctx: RequestContext;
  /** Admins asking for every project; everybody else sees their token's project only. */
  allProjects: boolean;
  /** The current row of a container that was inserted or changed. */
  changed(row: Container): void;
  removed(uuid: string): void;
  /** Notifications may have been missed (the LISTEN connection was lost): list again. */
  resync(): void;
  close(): void;
}

/**
 * One LISTEN connection per zun-api process, shared by every open stream. Notifications of a
 * burst are gathered for `batchMs` and the changed rows read in one query, so a thousand
 * updates cost a handful of queries however many consoles are open.
 */
export class ContainerEventHub {
  private client: Client | null = null;
  private readonly subscribers = new Set<EventSubscriber>();
  private pending = new Map<string, ContainerChange>();
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
    try {
      await client.connect();
      await client.query(`LISTEN ${CONTAINER_EVENTS_CHANNEL}`);
      const wasLost = this.client === null && this.retried;
      this.client = client;
      if (wasLost) for (const s of this.subscribers) s.resync();
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

  /** Ends every open stream (so a draining server is not held open by them) and stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const s of this.subscribers) s.close();
    this.subscribers.clear();
    await this.client?.end().catch(() => undefined);
  }

  private note(payload: string | undefined): void {
    if (!payload || this.subscribers.size === 0) return;
    let change: ContainerChange;
    try {
      change = JSON.parse(payload) as ContainerChange;
    } catch {
      return;
    }
    // The stream shows what GET /v1/containers lists: capsules and their parts are not there.
    if (change.container_type !== CONTAINER_TYPE.container) return;
    this.pending.set(change.uuid, change);
    this.flushTimer ??= setTimeout(() => void this.flush(), this.batchMs);
  }

  private async flush(): Promise<void> {
    this.flushTimer = null;
    const changes = [...this.pending.values()];
    this.pending = new Map();
    const live = changes.filter((c) => c.op !== 'delete').map((c) => c.uuid);
    let rows: Container[] = [];
    try {
      rows = live.length ? await Container.findAll({ where: { uuid: { [Op.in]: live } } }) : [];
    } catch (err) {
      // The database is away: what the consoles show may be stale, so they list again later.
      this.logger.warn('container events: rows could not be read', { error: (err as Error).message });
      for (const s of this.subscribers) s.resync();
      return;
    }
    const byUuid = new Map(rows.map((r) => [r.uuid, r]));
    for (const change of changes) {
      const row = byUuid.get(change.uuid);
      for (const s of this.subscribers) {
        if (!s.allProjects && change.project_id !== s.ctx.projectId) continue;
        if (row) s.changed(row);
        else s.removed(change.uuid);
      }
    }
  }

  private reconnect(err: Error): void {
    if (this.stopped || this.retry) return;
    this.logger.warn('container events connection lost; reconnecting', { error: err.message });
    void this.client?.end().catch(() => undefined);
    this.client = null;
    this.retried = true;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, 1_000);
  }
}
