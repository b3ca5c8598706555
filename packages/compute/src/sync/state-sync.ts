import { Op } from 'sequelize';
import {
  CONTAINER_TYPE,
  ComputeTask,
  OPEN_TASK_STATES,
  Container,
  ContainerStatus,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_UUID,
  type Logger,
} from '@zun/common';
import type { EngineClient } from '../docker/engine';
import { statusFromListState } from '../docker/status';
import type { ResourceTracker } from '../manager/claims';
import { applyInspect } from '../manager/context';
import { HEALABLE } from '../manager/heal';
import { rollUpCapsule } from '../manager/capsule/rollup';

/**
 * Engine events that mean a change the service did not make itself. Our own create/start/stop
 * are written by the task that performs them (and rows with a task in flight are skipped);
 * `start` is still needed for the engine's own restarts under a restart policy.
 */
const OUTSIDE_CHANGES = [
  'die',
  'oom',
  'kill',
  'start',
  'pause',
  'unpause',
  'destroy',
  'restart',
  'health_status',
];

/** `docker rm -f` kills, then destroys: a container killed this recently was running when it vanished. */
const HEAL_WINDOW_MS = 30_000;

const SKIP: ContainerStatus[] = [ContainerStatus.Creating, ContainerStatus.Deleting, ContainerStatus.Deleted];

/**
 * Keeps rows truthful when containers change outside the service (exit, OOM, `docker rm`):
 * Docker events give an update within a moment; a periodic reconcile catches anything missed
 * (events lost while the agent was down or the stream reconnecting). Rows with a task in
 * flight are left alone: the task owns them.
 */
export class StateSync {
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  /** Told of every row the reconcile finds out of step with the engine (the agent's metrics). */
  onDrift?: (kind: 'status' | 'vanished') => void;
  /**
   * Whether this agent is running a task of the container now. Such a task owns the row: an
   * event meanwhile is looked at once the task has ended (taskEnded), and a `start` not at all,
   * since a start while a task holds the row is that task's own.
   */
  taskHolds?: (uuid: string) => boolean;
  /** Events that came while a task held their container: the last action, by uuid. */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly engine: EngineClient,
    private readonly host: string,
    private readonly tracker: ResourceTracker,
    private readonly logger: Logger,
    /** What else goes with a purged container (its volumes, files, unused networks). */
    private readonly onPurged: (c: Container) => Promise<void> = async () => undefined,
    /** Brings back an auto_heal container whose Docker container vanished. */
    private readonly heal: (c: Container, start: boolean) => Promise<void> = async () => undefined,
  ) {}

  /** auto_heal rows that an outside change took from Running, and when. */
  private readonly leftRunning = new Map<string, number>();

  startEvents(): void {
    if (this.stopped) return;
    this.unsubscribe = this.engine.subscribeEvents(
      [`${LABEL_MANAGED}=true`, `${LABEL_HOST}=${this.host}`],
      OUTSIDE_CHANGES,
      (e) => {
        const uuid = e.labels[LABEL_UUID];
        if (!uuid) return;
        if (this.taskHolds?.(uuid)) {
          if (e.action !== 'start') this.held.set(uuid, e.action);
          return;
        }
        this.refreshQuietly(uuid, e.action);
      },
      (err) => {
        if (this.stopped) return;
        this.logger.warn('docker event stream lost; reconnecting', { error: err.message });
        this.retry = setTimeout(() => {
          this.startEvents();
          void this.reconcile().catch(() => undefined);
        }, 2_000);
      },
    );
  }

  /**
   * A task of this container has ended: an outside change it held back (a container that died
   * right after its start) is brought into the row now rather than at the next reconcile.
   */
  taskEnded(uuid: string): void {
    const action = this.held.get(uuid);
    if (action === undefined) return;
    this.held.delete(uuid);
    if (!this.stopped) this.refreshQuietly(uuid, action);
  }

  private refreshQuietly(uuid: string, action: string): void {
    void this.refresh(uuid, action).catch((err: unknown) =>
      this.logger.warn('event sync failed', { uuid, error: String(err) }),
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.unsubscribe?.();
  }

  /** Brings one row in line with the engine; true when its Docker container was found gone. */
  async refresh(uuid: string, action = 'inspect'): Promise<boolean> {
    const c = await Container.findOne({ where: { uuid } });
    // A capsule's status is its sandbox's and its members' together, never the sandbox's alone.
    if (c?.container_type === CONTAINER_TYPE.capsule) {
      await rollUpCapsule(this.engine, c.uuid, this.logger);
      return false;
    }
    if (!c || c.task_state || SKIP.includes(c.status) || !c.container_id) return false;
    // Our own starts end with the row already Running: nothing to learn from their event. The
    // engine's restarts under a restart policy come after a `die`, which took the row off Running.
    if (action === 'start' && c.status === ContainerStatus.Running) return false;
    // A queued task owns the row too: the API's Restarting/Rebuilding must not be read back as
    // Docker's Running before the host has even started the reboot or rebuild.
    // A capsule's task owns its members and init containers as well.
    const owner = c.capsule_id ?? uuid;
    if (
      await ComputeTask.count({
        where: { container_uuid: owner, state: { [Op.in]: OPEN_TASK_STATES } },
      })
    )
      return false;
    const info = await this.engine.inspectContainer(c.container_id);
    // Marked before the row changes: the refresh of the `destroy` that follows a `die` can read
    // the row this one makes Stopped and heal it before this one resumes.
    const leaving = c.auto_heal && c.status === ContainerStatus.Running;
    if (leaving) {
      const now = Date.now();
      for (const [u, t] of this.leftRunning) if (now - t >= HEAL_WINDOW_MS) this.leftRunning.delete(u);
      this.leftRunning.set(uuid, now);
    }
    if (info) await applyInspect(c, info);
    else await this.vanished(c);
    if (leaving && c.status === ContainerStatus.Running) this.leftRunning.delete(uuid);
    if (c.capsule_id && c.container_type === CONTAINER_TYPE.capsuleMember)
      await rollUpCapsule(this.engine, c.capsule_id, this.logger);
    this.logger.debug('container synced from engine', { uuid, action, status: c.status });
    return !info;
  }

  /** One pass over everything on this host: engine list vs. rows. */
  async reconcile(): Promise<void> {
    const listed = await this.engine.listContainers([`${LABEL_MANAGED}=true`, `${LABEL_HOST}=${this.host}`]);
    const byId = new Map(listed.map((d) => [d.Id, d]));
    const rows = await Container.findAll({
      where: { host: this.host, status: { [Op.notIn]: SKIP }, task_state: null },
    });
    const capsules: string[] = [];
    for (const c of rows) {
      if (c.container_type === CONTAINER_TYPE.capsule) {
        capsules.push(c.uuid);
        continue;
      }
      if (!c.container_id) continue;
      const d = byId.get(c.container_id);
      if (!d) {
        // The listing was taken before the rows were read: a create that finished in between
        // has a container the listing does not show (such a row once went to Error as "removed
        // outside the service"). Only the engine's answer to an inspect says it is gone.
        if (await this.refresh(c.uuid, 'reconcile')) this.onDrift?.('vanished');
        continue;
      }
      if (statusFromListState(d.State, c.status) === c.status) continue;
      this.onDrift?.('status');
      await this.refresh(c.uuid, 'reconcile');
    }
    // After their members: the roll-up reads the members' rows this pass brought up to date.
    for (const uuid of capsules) await rollUpCapsule(this.engine, uuid, this.logger);
    await this.purgeDeleted();
  }

  /** auto_remove containers whose Docker container is gone: the row and claim go too. */
  private async purgeDeleted(): Promise<void> {
    const gone = await Container.findAll({
      where: { host: this.host, status: ContainerStatus.Deleted, task_state: null },
    });
    for (const c of gone) {
      await Container.sequelize!.transaction(async (transaction) => {
        await this.tracker.release(c.uuid, transaction);
        await c.destroy({ transaction });
      });
      await this.onPurged(c);
    }
  }

  private async vanished(c: Container): Promise<void> {
    if (c.auto_remove) {
      await c.update({ status: ContainerStatus.Deleted, status_detail: null });
    } else if (c.auto_heal && HEALABLE.includes(c.status)) {
      // The mark is read, not taken: the refreshes of `die` and `destroy` and a reconcile can
      // all find the container gone at once, and whichever of their heals takes the row must
      // know it was running (the mark expires after HEAL_WINDOW_MS).
      const left = this.leftRunning.get(c.uuid);
      const wasRunning =
        c.status === ContainerStatus.Running || (left !== undefined && Date.now() - left < HEAL_WINDOW_MS);
      await this.heal(c, wasRunning);
    } else if (c.status !== ContainerStatus.Error) {
      await c.update({
        status: ContainerStatus.Error,
        status_reason: `No such container: ${c.container_id} in docker (removed outside the service)`,
        status_detail: null,
      });
    }
  }
}
