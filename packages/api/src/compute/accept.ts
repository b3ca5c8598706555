import { QueryTypes, type Transaction } from 'sequelize';
import {
  ALLOWED_STATES,
  ConflictError,
  Container,
  InvalidStateError,
  isActionAllowed,
  NotFoundError,
  type ContainerActionKey,
  type ContainerStatus,
  type TaskState,
} from '@zun/common';

export interface Acceptance {
  /** The task state the row shows from now until the host has carried the verb out. */
  taskState: TaskState | null;
  /** A status the API sets at once (reboot → Restarting, delete → Deleting, ...). */
  status?: ContainerStatus;
  /**
   * Accept even while another verb is in progress (forced delete). The status rule still
   * applies.
   */
  overrideInProgress?: boolean;
  /** The verb as messages name it, when the state rule's name differs (delete_force → delete). */
  verb?: string;
}

/**
 * Accepts a state-changing verb by one conditional UPDATE inside the command's transaction:
 * the row must still be in a status the action allows and have no verb in progress
 * (task_state NULL), and it is marked with the verb's task state at once. The state checked
 * earlier on the row as read is only the fast path; this is the authority. Two API processes
 * racing on one container serialise on the row: the second finds it moved (marked, or in
 * another status) and gets 409, so conflicting verbs (two starts, stop and delete) never both
 * get queued. The host clears the task state when it has done the work, whatever the outcome.
 */
export async function acceptVerb(
  t: Transaction,
  c: Container,
  action: ContainerActionKey,
  accept: Acceptance,
): Promise<void> {
  const rows = await Container.sequelize!.query<{ status: ContainerStatus; task_state: TaskState | null }>(
    `UPDATE containers
        SET task_state = COALESCE(:taskState, task_state), status = COALESCE(:status, status), updated_at = now()
      WHERE uuid = :uuid AND status IN (:allowed) ${accept.overrideInProgress ? '' : 'AND task_state IS NULL'}
      RETURNING status, task_state`,
    {
      replacements: {
        uuid: c.uuid,
        allowed: [...ALLOWED_STATES[action]],
        taskState: accept.taskState,
        status: accept.status ?? null,
      },
      type: QueryTypes.SELECT,
      transaction: t,
    },
  );
  if (rows.length === 1) {
    c.set({ status: rows[0].status, task_state: rows[0].task_state }, { raw: true });
    return;
  }
  const now = await Container.findOne({ where: { uuid: c.uuid }, transaction: t });
  if (!now) throw new NotFoundError(`Container ${c.uuid} could not be found.`, 'container-not-found');
  const verb = accept.verb ?? action;
  if (!isActionAllowed(action, now.status)) throw new InvalidStateError(verb, c.uuid, now.status);
  throw new ConflictError(
    `Cannot ${verb} container ${c.uuid}: ${now.task_state} is in progress; try again once it has finished.`,
    'invalid-state-exception',
  );
}
