import { Op } from 'sequelize';
import {
  CONTAINER_TYPE,
  ComputeTask,
  Container,
  ContainerStatus,
  OPEN_TASK_STATES,
  type Logger,
} from '@zun/common';
import type { ContainerInspect, EngineClient } from '../../docker/engine';
import { observeState } from '../../docker/status';
import { applyInspect } from '../context';
import { capsuleVerdict, type SandboxState } from './status';

/** Capsules in these states belong to their create or delete, which write the status themselves. */
const OWNED: ContainerStatus[] = [
  ContainerStatus.Creating,
  ContainerStatus.Deleting,
  ContainerStatus.Deleted,
];

/**
 * Writes the capsule's status from its sandbox (asked of the engine) and its members' rows
 * (see capsuleVerdict), when it changed. Called by the events and the reconcile whenever a
 * sandbox or a member may have changed, and at the end of a create. Leaves alone a capsule with
 * a task in flight or queued, and one without a sandbox (a failed create: its Error stays).
 */
export async function rollUpCapsule(engine: EngineClient, uuid: string, logger: Logger): Promise<void> {
  const capsule = await Container.findOne({ where: { uuid, container_type: CONTAINER_TYPE.capsule } });
  if (!capsule || capsule.task_state || OWNED.includes(capsule.status) || !capsule.container_id) return;
  const queued = await ComputeTask.count({
    where: { container_uuid: uuid, state: { [Op.in]: OPEN_TASK_STATES } },
  });
  if (queued) return;
  const members = await Container.findAll({
    where: { capsule_id: uuid, container_type: CONTAINER_TYPE.capsuleMember },
    order: [['id', 'ASC']],
  });
  const info = await engine.inspectContainer(capsule.container_id);
  await writeVerdict(capsule, members, info, logger);
}

/**
 * Writes the capsule's status from its sandbox's inspect (null: gone) and its member rows, and
 * clears its task state; nothing when neither changed. The create's last write, and the roll-up's.
 */
export async function writeVerdict(
  capsule: Container,
  members: Container[],
  info: ContainerInspect | null,
  logger: Logger,
): Promise<void> {
  const verdict = capsuleVerdict(capsule.container_id ?? '', sandboxState(info), members);
  if (verdict.status === ContainerStatus.Running) {
    if (capsule.status !== ContainerStatus.Running || capsule.status_reason || capsule.task_state)
      await applyInspect(capsule, info!, { task_state: null });
    return;
  }
  const same = capsule.status === verdict.status && capsule.status_reason === verdict.reason;
  if (same && !capsule.task_state) return;
  await capsule.update({
    status: verdict.status,
    status_reason: verdict.reason,
    status_detail: info ? observeState(info, capsule.status).statusDetail : null,
    task_state: null,
  });
  logger.warn('capsule in Error', { uuid: capsule.uuid, reason: verdict.reason });
}

function sandboxState(info: ContainerInspect | null): SandboxState {
  if (!info) return 'gone';
  const s = info.State;
  if (s?.Running && !s.Paused && !s.Restarting) return { running: true };
  return { running: false, exitCode: s && !s.Running ? s.ExitCode : null, state: s?.Status ?? 'unknown' };
}
