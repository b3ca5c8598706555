import { ContainerAction, ContainerActionEvent, type Logger } from '@zun/common';

/**
 * The audit trail of one task: events under the container action (`zun action-show`). The
 * action row itself is written by the API in the transaction that queued the task, which
 * carries its id. Each event is written once, when it ends (with its start and finish times
 * and result); writes are queued in order off the critical path, since the user waits for the
 * container and not for the audit rows, and flushed before the task is marked done.
 */
export class ActionLog {
  private queue: Promise<unknown> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly actionId: number | null,
    private readonly logger: Logger,
  ) {}

  /** Starts an event now; returns a function that ends it (with the error, if any). */
  event(name: string): (error?: Error) => void {
    const startTime = new Date();
    return (error?: Error) => {
      if (error) this.failed = true;
      const finishTime = new Date();
      this.enqueue(async () => {
        if (this.actionId === null) return;
        await ContainerActionEvent.create({
          action_id: this.actionId,
          event: name,
          start_time: startTime,
          finish_time: finishTime,
          result: error ? 'Error' : 'Success',
          traceback: error ? (error.stack ?? error.message) : null,
        });
      });
    };
  }

  /** Closes the action: finish_time, and message "Error" when any event failed. */
  finish(): void {
    const finishTime = new Date();
    this.enqueue(async () => {
      if (this.actionId === null) return;
      await ContainerAction.update(
        { finish_time: finishTime, message: this.failed ? 'Error' : null },
        { where: { id: this.actionId } },
      );
    });
  }

  async flush(): Promise<void> {
    await this.queue;
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((err: unknown) => {
      this.logger.error('audit write failed', { action_id: this.actionId, error: String(err) });
    });
  }
}
