import { QueryTypes, type Sequelize } from 'sequelize';
import { Container, ContainerStatus, TASK_CHANNEL } from '@zun/common';

/**
 * A create is recorded with its task 'held' on its first candidate host, then claimed: the
 * host's agent takes the task in the claim's own statement and starts at once. These are the
 * other ends of that placement, each one statement, each a no-op once the task is no longer
 * held (an agent took it). A held task whose claim never comes (zun-api stopped) is drained by
 * its host after a grace period, so the create is still carried out.
 */

/** The host refused the claim: the held create goes to the next candidate before its claim. */
export async function moveHeld(sequelize: Sequelize, uuid: string, host: string): Promise<boolean> {
  const rows = await sequelize.query(
    `WITH moved AS (
       UPDATE compute_tasks SET host = :host, updated_at = now()
        WHERE container_uuid = :uuid AND state = 'held' RETURNING container_uuid)
     UPDATE containers SET host = :host, updated_at = now()
      WHERE uuid IN (SELECT container_uuid FROM moved) RETURNING uuid`,
    { replacements: { uuid, host }, type: QueryTypes.SELECT },
  );
  return rows.length > 0;
}

/**
 * No agent answered, one merely unavailable: the create is queued there like any task, and
 * that agent claims when it takes it (or fails the create visibly).
 */
export async function queueHeld(sequelize: Sequelize, uuid: string, host: string): Promise<void> {
  await sequelize.query(
    `WITH queued AS (
       UPDATE compute_tasks SET host = :host, state = 'pending', updated_at = now()
        WHERE container_uuid = :uuid AND state = 'held'
        RETURNING container_uuid, pg_notify(:channel, :host))
     UPDATE containers SET host = :host, updated_at = now()
      WHERE uuid IN (SELECT container_uuid FROM queued)`,
    { replacements: { uuid, host, channel: TASK_CHANNEL } },
  );
}

/**
 * No host took the claim (or placing it failed): the row goes to Error with the reason and
 * without a host, its task is dropped and its `create` action ends in Error, as a create that
 * found no host at all. Returns the row in Error (null: an agent had taken the task).
 */
export async function failHeld(
  sequelize: Sequelize,
  uuid: string,
  reason: string,
): Promise<Container | null> {
  const rows = await sequelize.query<Record<string, unknown>>(
    `WITH dropped AS (
       DELETE FROM compute_tasks WHERE container_uuid = :uuid AND state = 'held'
       RETURNING container_uuid, action_id),
     ended AS (
       UPDATE container_actions SET finish_time = now(), message = 'Error', updated_at = now()
        WHERE id IN (SELECT action_id FROM dropped))
     UPDATE containers SET status = :error, status_reason = :reason, host = NULL, task_state = NULL,
                           updated_at = now()
      WHERE uuid IN (SELECT container_uuid FROM dropped) RETURNING *`,
    { replacements: { uuid, reason, error: ContainerStatus.Error }, type: QueryTypes.SELECT },
  );
  return rows.length ? Container.build(rows[0] as never, { isNewRecord: false, raw: true }) : null;
}
