import { QueryTypes, type Sequelize } from 'sequelize';
import { ComputeTask, type Logger } from '@zun/common';

/** How a task ended, as compute_tasks records it. */
export interface TaskEnd {
  state: 'done' | 'failed';
  error?: string;
}

interface EventRow {
  event: string;
  start_time: string;
  finish_time: string;
  result: 'Success' | 'Error';
  traceback: string | null;
}

/**
 * The audit trail of one task: events under the container action (`zun action-show`). The
 * action row itself is written by the API in the transaction that queued the task, which
 * carries its id. Events are kept as they end (with their start and finish times and result)
 * and written when the task ends, together with the action's finish and the task's own end, in
 * one statement: the user waits for the container and not for the audit rows, and one write
 * per task costs the database far less than one per event. An agent that stops before that
 * write runs the task again at its next start, which records the events afresh.
 */
export class ActionLog {
  private readonly events: EventRow[] = [];
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
      this.events.push({
        event: name,
        start_time: startTime.toISOString(),
        finish_time: new Date().toISOString(),
        result: error ? 'Error' : 'Success',
        traceback: error ? (error.stack ?? error.message) : null,
      });
    };
  }

  /**
   * Writes the events, closes the action (finish_time, and message "Error" when an event
   * failed) and, given a task, records its end: one statement. Should the audit rows be
   * refused (the action was purged with its container meanwhile), the task's end is written
   * alone. Rejects only when the task's end could not be written.
   */
  async close(sequelize: Sequelize, task: { id: string; end: TaskEnd } | null): Promise<void> {
    if (this.actionId === null) {
      if (task) await writeTaskEnd(task.id, task.end);
      return;
    }
    try {
      await sequelize.query(
        `WITH ev AS (
           INSERT INTO container_action_events
             (action_id, event, start_time, finish_time, result, traceback, created_at, updated_at)
           SELECT :actionId, e.event, e.start_time, e.finish_time, e.result, e.traceback, now(), now()
             FROM ROWS FROM (json_to_recordset(:events::json)
                    AS (event text, start_time timestamptz, finish_time timestamptz, result text, traceback text))
                  WITH ORDINALITY AS e(event, start_time, finish_time, result, traceback, n)
            ORDER BY e.n
         ), act AS (
           UPDATE container_actions SET finish_time = :finish, message = :message, updated_at = now()
            WHERE id = :actionId
         )
         UPDATE compute_tasks SET state = :state, error = COALESCE(:error, error), updated_at = now()
          WHERE id = :taskId`,
        {
          replacements: {
            actionId: this.actionId,
            events: JSON.stringify(this.events),
            finish: new Date().toISOString(),
            message: this.failed ? 'Error' : null,
            state: task?.end.state ?? null,
            error: task?.end.error ?? null,
            // No task: the last UPDATE matches no row.
            taskId: task?.id ?? null,
          },
          type: QueryTypes.UPDATE,
        },
      );
    } catch (err) {
      this.logger.error('audit write failed', { action_id: this.actionId, error: String(err) });
      if (task) await writeTaskEnd(task.id, task.end);
    }
  }
}

async function writeTaskEnd(id: string, end: TaskEnd): Promise<void> {
  await ComputeTask.update(end.error === undefined ? { state: end.state } : end, { where: { id } });
}
