import { Client } from 'pg';
import { COMPUTE_BINARY } from '@zun/common';

const BEAT = `UPDATE services SET last_seen_up = now(), report_count = report_count + 1, updated_at = now()
               WHERE host = $1 AND "binary" = $2`;

/**
 * A database connection of its own for heartbeats. Through the shared pool a beat queues behind
 * whatever the host's tasks are doing: a burst of creates or deletes holds every pooled
 * connection for minutes, and a host that is merely busy then looks down to the scheduler.
 * A lost connection is opened again at the next beat.
 */
export class LivenessConnection {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;

  constructor(private readonly connection: string) {}

  async beat(host: string): Promise<void> {
    const c = await this.connect();
    try {
      await c.query(BEAT, [host, COMPUTE_BINARY]);
    } catch (err) {
      this.drop(c);
      throw err;
    }
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const c = new Client({ connectionString: this.connection });
      c.on('error', () => this.drop(c));
      await c.connect();
      this.client = c;
      return c;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private drop(c: Client): void {
    if (this.client === c) this.client = null;
    void c.end().catch(() => undefined);
  }
}
