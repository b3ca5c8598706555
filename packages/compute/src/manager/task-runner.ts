import {
  ComputeTask,
  Container,
  type CommitTaskParams,
  type CreateTaskParams,
  type DeleteTaskParams,
  type NetworkTaskParams,
  type KillTaskParams,
  type RebootTaskParams,
  type RebuildTaskParams,
  type StopTaskParams,
} from '@zun/common';
import { ActionLog } from './actions';
import type { ManagerContext } from './context';
import { commitContainer } from './commands/commit';
import { createContainer } from './commands/create';
import { deleteContainer } from './commands/delete';
import { startContainer } from './commands/start';
import { stopContainer } from './commands/stop';
import { attachNetwork, detachNetwork } from '../network/attach';
import { rebootContainer } from './commands/reboot';
import { pauseContainer } from './commands/pause';
import { unpauseContainer } from './commands/unpause';
import { killContainer } from './commands/kill';
import { rebuildContainer } from './commands/rebuild';

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
        switch (task.action) {
          case 'create':
            await createContainer(ctx, c, task.params as unknown as CreateTaskParams, audit);
            break;
          case 'start':
            await startContainer(ctx, c, audit);
            break;
          case 'stop':
            await stopContainer(ctx, c, task.params as unknown as StopTaskParams, audit);
            break;
          case 'delete':
            await deleteContainer(ctx, c, task.params as unknown as DeleteTaskParams);
            break;
          case 'commit':
            await commitContainer(ctx, c, task.params as unknown as CommitTaskParams, audit);
            break;
          case 'network_attach':
            await attachNetwork(ctx, c, task.params as unknown as NetworkTaskParams, audit);
            break;
          case 'network_detach':
            await detachNetwork(ctx, c, task.params as unknown as NetworkTaskParams, audit);
            break;
          case 'reboot':
            await rebootContainer(ctx, c, task.params as unknown as RebootTaskParams, audit);
            break;
          case 'pause':
            await pauseContainer(ctx, c, audit);
            break;
          case 'unpause':
            await unpauseContainer(ctx, c, audit);
            break;
          case 'kill':
            await killContainer(ctx, c, task.params as unknown as KillTaskParams, audit);
            break;
          case 'rebuild':
            await rebuildContainer(ctx, c, task.params as unknown as RebuildTaskParams, audit);
            break;
          default:
            throw new Error(`unknown task action ${task.action}`);
        }
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
