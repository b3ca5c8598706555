import { QueryTypes } from 'sequelize';
import { ComputeTask, Container, isDatabaseUnavailable, runWithRequestId } from '@zun/common';
import { ActionLog, type TaskEnd } from './actions';
import type { ManagerContext } from './context';
import { failTaskContainer, unexpectedFailure } from './recovery';
import { runTask } from './task-handlers';
import { StepTimer } from './step-timer';

/** Written on a task handed back by recover(): a second interruption fails it. */
const INTERRUPTED = 'interrupted by an agent restart';

/** Tasks just taken (the WITH query `taken`), each with its container's row, in one statement. */
const TAKEN_WITH_ROWS = `SELECT c.*, to_jsonb(taken) AS task FROM taken LEFT JOIN containers c ON c.uuid = taken.container_uuid`;

export type TakenRow = Record<string, unknown> & { task: Record<string, unknown> };

/** The rest of a statement taking a container's 'held' task, after a WITH query of its own. */
export interface TakeHeld {
  sql: string;
  replacements: Record<string, unknown>;
}

/**
 * Drains this host's pending compute_tasks. Tasks of one container run one after another in
 * the order they were accepted; different containers run concurrently. A task left 'running'
 * by a crashed agent is run again at start-up (once; see recover()): every command is written
 * to be re-runnable.
 */
export class TaskRunner {
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * Tasks whose outcome could not be written because the database was unavailable, by id: the
   * state to write once it answers again ('pending' runs the task again). Without this a task
   * would stay 'running' until the agent restarts.
   */
  private readonly unwritten = new Map<string, { state: 'pending' | 'done' | 'failed'; error?: string }>();
  private draining: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly ctx: ManagerContext) {}

  /**
   * Hands back the tasks this host was running when its agent stopped, to be run again. A task
   * that was already interrupted once fails instead, its container in Error with the reason:
   * a task that brings the agent down would otherwise be retried, and bring it down, for ever.
   */
  async recover(): Promise<{ requeued: number; failed: number }> {
    const rows = await this.ctx.sequelize.query<{
      id: string;
      container_uuid: string;
      action: string;
      action_id: number | null;
      state: string;
    }>(
      `UPDATE compute_tasks
          SET state = CASE WHEN error = :interrupted THEN 'failed' ELSE 'pending' END,
              error = CASE WHEN error = :interrupted THEN :gaveUp ELSE :interrupted END,
              updated_at = now()
        WHERE host = :host AND state = 'running'
        RETURNING id, container_uuid, action, action_id, state`,
      {
        replacements: {
          host: this.ctx.host,
          interrupted: INTERRUPTED,
          gaveUp: `${INTERRUPTED} twice; not run again`,
        },
        type: QueryTypes.SELECT,
      },
    );
    const failed = rows.filter((r) => r.state === 'failed');
    for (const task of failed) {
      const reason =
        `The ${task.action} was interrupted twice by a restart of zun-compute on ${this.ctx.host} ` +
        'and was not run again; check the agent log, then retry the action';
      const log = this.ctx.logger.child({ uuid: task.container_uuid, action: task.action });
      log.error('task failed: interrupted twice', { task: task.id });
      const audit = new ActionLog(task.action_id, log);
      audit.event(`compute__do_container_${task.action}`)(new Error(reason));
      await failTaskContainer({ ...this.ctx, logger: log }, task, reason);
      // The task is already 'failed' (by the statement above).
      await audit.close(this.ctx.sequelize, null).catch((err: unknown) => {
        log.error('audit write failed', { error: String(err) });
      });
    }
    const requeued = rows.length - failed.length;
    if (requeued)
      this.ctx.logger.warn('re-queued tasks interrupted by an agent restart', { count: requeued });
    return { requeued, failed: failed.length };
  }

  /** Coalesces wake-ups: at most one drain runs, and one more follows if woken meanwhile. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((err: unknown) => {
        this.ctx.logger.error('task drain failed', { error: String(err) });
      })
      .finally(() => {
        this.draining = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Waits for every queued task to finish (used on shutdown and by tests). */
  async idle(): Promise<void> {
    while (this.draining || this.chains.size) {
      await Promise.all([this.draining, ...this.chains.values()]);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Whether a task of this container is queued or running in this agent. */
  holds(uuid: string): boolean {
    return this.chains.has(uuid);
  }

  /** Told when the last queued task of a container has ended. */
  onChainEnd?: (uuid: string) => void;

  private endChain(uuid: string, chain: Promise<void>): void {
    if (this.chains.get(uuid) !== chain) return;
    this.chains.delete(uuid);
    this.onChainEnd?.(uuid);
  }

  /**
   * Runs `fn` for a container after the tasks this agent already holds for it and before any
   * taken later, so a synchronous change (PATCH cpu/memory) never interleaves with a reboot or
   * rebuild of the same container.
   */
  serialize<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(uuid) ?? Promise.resolve();
    const result = prev.then(fn);
    const next = result.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(uuid, next);
    void next.finally(() => this.endChain(uuid, next));
    return result;
  }

  /**
   * The statement's tail that takes the held create of `uuid` on this host with its row: run
   * with the claim (ResourceTracker.claimFor), its rows go to run().
   */
  takeHeld(uuid: string): TakeHeld {
    return {
      sql: `taken AS (
              UPDATE compute_tasks SET state = 'running', updated_at = now()
               WHERE container_uuid = :heldUuid AND host = :heldHost AND state = 'held'
               RETURNING *)
            ${TAKEN_WITH_ROWS}`,
      replacements: { heldUuid: uuid, heldHost: this.ctx.host },
    };
  }

  /**
   * Takes every pending task of this host in one statement ('running' means taken by this
   * agent; recover() hands such tasks back after a crash), and any held one left unclaimed.
   */
  private async drain(): Promise<void> {
    for (const [id, end] of [...this.unwritten]) {
      await ComputeTask.update(end, { where: { id, state: 'running' } });
      this.unwritten.delete(id);
      if (end.state === 'pending')
        this.ctx.logger.info('task handed back after a database outage', { task: id });
    }
    // The containers' rows come with their tasks, in the same statement: a task would
    // otherwise begin with a round trip to load its row.
    const rows = await this.ctx.sequelize.query<TakenRow>(
      `WITH taken AS (
         UPDATE compute_tasks SET state = 'running', updated_at = now()
          WHERE id IN (SELECT id FROM compute_tasks
                        WHERE host = :host
                          AND (state = 'pending'
                               OR state = 'held' AND created_at < now() - make_interval(secs => :grace))
                          FOR UPDATE SKIP LOCKED)
          RETURNING *)
       ${TAKEN_WITH_ROWS}`,
      // A 'held' create whose claim never came (zun-api stopped between recording it and
      // claiming) is drained like a pending one once the placement's grace has passed.
      {
        replacements: { host: this.ctx.host, grace: this.ctx.config.compute.orphanClaimGrace },
        type: QueryTypes.SELECT,
      },
    );
    this.run(rows);
  }

  /**
   * Queues tasks just taken (by a drain, or with a claim) behind their containers' earlier
   * ones. After stop() they stay 'running' in the database: the next start hands them back.
   */
  run(rows: TakenRow[]): void {
    if (this.stopped) return;
    const taken = rows
      .map(({ task, ...row }) => ({
        task: ComputeTask.build(task as never, { isNewRecord: false, raw: true }),
        row: row.uuid ? row : null,
      }))
      .sort((a, b) => Number(a.task.id) - Number(b.task.id));
    for (const { task, row } of taken) {
      this.ctx.metrics?.taskQueued(task.action);
      const prev = this.chains.get(task.container_uuid);
      // The row read with the task is current only for a task that runs at once: one queued
      // behind another task of its container reads the row that task left.
      const loaded = prev
        ? undefined
        : row
          ? Container.build(row as never, { isNewRecord: false, raw: true })
          : null;
      // The API's request id is the context of the task: every line it logs carries it.
      const next = (prev ?? Promise.resolve()).then(() =>
        task.request_id
          ? runWithRequestId(task.request_id, () => this.execute(task, loaded))
          : this.execute(task, loaded),
      );
      this.chains.set(task.container_uuid, next);
      void next.finally(() => this.endChain(task.container_uuid, next));
    }
  }

  /**
   * Never rejects: a rejection would skip the container's later tasks and end the process.
   * Whatever the command throws, its container is left without a task state.
   */
  private async execute(task: ComputeTask, loaded?: Container | null): Promise<void> {
    const log = this.ctx.logger.child({
      uuid: task.container_uuid,
      action: task.action,
    });
    const steps = new StepTimer();
    steps.record('queued', Date.now() - new Date(task.created_at).getTime());
    const ctx = { ...this.ctx, logger: log, steps };
    const audit = new ActionLog(task.action_id, log);
    let failure: unknown = null;
    const ended = this.ctx.metrics?.taskStarted(task.action);
    try {
      const c =
        loaded !== undefined ? loaded : await Container.findOne({ where: { uuid: task.container_uuid } });
      steps.mark('load_row');
      if (c) await runTask(task.action, ctx, c, task.params, audit);
      else log.info('task skipped: container no longer exists');
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        // Not the action's fault: it runs again (commands are re-runnable) once the database
        // is back, instead of failing the container for an outage.
        log.warn('task interrupted by a database outage; it runs again when the database is back', {
          error: String(err),
        });
        this.unwritten.set(String(task.id), { state: 'pending' });
        ended?.('interrupted');
        return;
      }
      failure = err;
      log.error('task failed', { error: (err as Error).stack ?? String(err) });
      const reason = unexpectedFailure(ctx, task.action, err);
      audit.event(`compute__do_container_${task.action}`)(err instanceof Error ? err : new Error(reason));
      await failTaskContainer(ctx, task, reason).catch((e: unknown) =>
        log.error('could not put the container of a failed task in Error', { error: String(e) }),
      );
    }
    ended?.(failure === null ? 'done' : 'failed');
    const end: TaskEnd = failure === null ? { state: 'done' } : { state: 'failed', error: String(failure) };
    try {
      await audit.close(this.ctx.sequelize, { id: String(task.id), end });
      if (failure === null) log.info('task done', { steps_ms: steps.steps });
    } catch (err) {
      // Written at the next drain once the database answers (or, if the agent stops first,
      // the task runs again at its next start: commands are re-runnable).
      log.error('could not record the end of a task', { error: String(err) });
      this.unwritten.set(String(task.id), end);
    }
  }
}
