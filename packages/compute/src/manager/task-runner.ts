import { ComputeTask, Container } from '@zun/common';
import { ActionLog } from './actions';
import type { ManagerContext } from './context';
import { runTask } from './task-handlers';

/**
 * Drains this host's pending compute_tasks. Tasks of one container run one after another in
 * the order they were accepted; different containers run concurrently. A task left 'running'
 * by a crashed agent is run again at start-up: every command is written to be re-runnable.
 */
export class TaskRunner {
  private readonly chains = new Map<string, Promise<void>>();
  private draining: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly ctx: ManagerContext) {}

  async recover(): Promise<number> {
    const [n] = await ComputeTask.update(
      { state: 'pending' },
      { where: { host: this.ctx.host, state: 'running' } },
    );
    if (n) this.ctx.logger.warn('re-queued tasks interrupted by an agent restart', { count: n });
    return n;
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
    void next.finally(() => {
      if (this.chains.get(uuid) === next) this.chains.delete(uuid);
    });
    return result;
  }

  /**
   * Takes every pending task of this host in one statement ('running' means taken by this
   * agent; recover() hands such tasks back after a crash).
   */
  private async drain(): Promise<void> {
    const [rows] = (await this.ctx.sequelize.query(
      `UPDATE compute_tasks SET state = 'running', updated_at = now()
        WHERE id IN (SELECT id FROM compute_tasks WHERE host = :host AND state = 'pending' FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      { replacements: { host: this.ctx.host } },
    )) as [Record<string, unknown>[], unknown];
    const tasks = rows
      .map((r) => ComputeTask.build(r as never, { isNewRecord: false, raw: true }))
      .sort((a, b) => Number(a.id) - Number(b.id));
    for (const task of tasks) {
      const prev = this.chains.get(task.container_uuid) ?? Promise.resolve();
      const next = prev.then(() => this.execute(task));
      this.chains.set(task.container_uuid, next);
      void next.finally(() => {
        if (this.chains.get(task.container_uuid) === next) this.chains.delete(task.container_uuid);
      });
    }
  }

  private async execute(task: ComputeTask): Promise<void> {
    const log = this.ctx.logger.child({
      request_id: task.request_id,
      uuid: task.container_uuid,
      action: task.action,
    });
    try {
      const c = await Container.findOne({ where: { uuid: task.container_uuid } });
      if (!c) {
        log.info('task skipped: container no longer exists');
      } else {
        const ctx = { ...this.ctx, logger: log };
        const audit = new ActionLog(task.action_id, log);
        await runTask(task.action, ctx, c, task.params, audit);
        audit.finish();
        await audit.flush();
      }
      await ComputeTask.update({ state: 'done' }, { where: { id: task.id } });
      log.info('task done');
    } catch (err) {
      log.error('task failed', { error: (err as Error).stack ?? String(err) });
      await ComputeTask.update({ state: 'failed', error: String(err) }, { where: { id: task.id } });
    }
  }
}
