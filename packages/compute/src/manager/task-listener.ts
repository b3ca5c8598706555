import { Client } from 'pg';
import { TASK_CHANNEL, type Logger } from '@zun/common';

/**
 * LISTENs for the API's task notifications (sent in the transaction that queued the task, so
 * only committed work wakes us) and calls `wake` for those addressed to this host. A lost
 * connection is re-established; the runner's periodic poll covers the gap.
 */
export class TaskListener {
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly connection: string,
    private readonly host: string,
    private readonly wake: () => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.connection });
    client.on('notification', (n) => {
      if (n.channel === TASK_CHANNEL && n.payload === this.host) this.wake();
    });
    client.on('error', (err) => this.reconnect(err));
    try {
      await client.connect();
      await client.query(`LISTEN ${TASK_CHANNEL}`);
      this.client = client;
      // Anything queued while we were not listening.
      this.wake();
    } catch (err) {
      this.reconnect(err as Error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private reconnect(err: Error): void {
    if (this.stopped || this.retry) return;
    this.logger.warn('task notification connection lost; reconnecting', { error: err.message });
    void this.client?.end().catch(() => undefined);
    this.client = null;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, 1_000);
  }
}
