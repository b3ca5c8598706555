import { ContainerAction, ContainerActionEvent } from '@zun/common';

/**
 * The audit trail of one task: events under the container action (`zun action-show`). The
 * action row itself is written by the API in the transaction that accepted the request. Writes
 * are queued in order off the critical path (the user waits for the container, not for the
 * audit rows) and flushed before the task is marked done, so none are lost.
 */
export class ActionLog {
  private queue: Promise<unknown> = Promise.resolve();
  private actionId: Promise<number | null> | null = null;
  private failed = false;

  constructor(
    private readonly uuid: string,
    private readonly requestId: string | null,
  ) {}

  /** Starts an event now; returns a function that finishes it (with the error, if any). */
  event(name: string): (error?: Error) => void {
    const startTime = new Date();
    const row = this.enqueue(async () => {
      const actionId = await this.action();
      if (actionId === null) return null;
      return ContainerActionEvent.create({ action_id: actionId, event: name, start_time: startTime });
    });
    return (error?: Error) => {
      if (error) this.failed = true;
      const finishTime = new Date();
      this.enqueue(async () => {
        const ev = await row;
        await ev?.update({
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
      const actionId = await this.action();
      if (actionId !== null) {
        await ContainerAction.update(
          { finish_time: finishTime, message: this.failed ? 'Error' : null },
          { where: { id: actionId } },
        );
      }
    });
  }

  async flush(): Promise<void> {
    await this.queue;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T | null> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private action(): Promise<number | null> {
    if (!this.requestId) return Promise.resolve(null);
    this.actionId ??= ContainerAction.findOne({
      where: { container_uuid: this.uuid, request_id: this.requestId },
      attributes: ['id'],
    }).then((a) => a?.id ?? null);
    return this.actionId;
  }
}
