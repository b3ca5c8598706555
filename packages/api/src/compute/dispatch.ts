import { randomUUID } from 'node:crypto';
import { QueryTypes, type CreationAttributes, type Transaction } from 'sequelize';
import {
  ComputeTask,
  Container,
  currentRequestId,
  TASK_CHANNEL,
  Service,
  COMPUTE_BINARY,
  type TaskAction,
  type TaskParamsByAction,
} from '@zun/common';
import type { RequestContext } from '../identity/context';
import { guardRefusal, type QuotaGuard } from './quotas';

/**
 * The audit row and the durable task of an action, with the agent's notification (delivered
 * by PostgreSQL on commit only), as common table expressions `audit` and `task`. Writing them
 * together means an accepted request is always both visible in `zun action-list` and
 * eventually carried out. A task written 'held' (a create not yet claimed) wakes nobody: the
 * claim takes it.
 */
function auditAndTask(p: (name: AuditAndTaskParam) => string): string {
  return `audit AS (
       INSERT INTO container_actions (container_uuid, action, request_id, user_id, project_id, start_time,
                                      created_at, updated_at)
       VALUES (${p('uuid')}, ${p('action')}, ${p('requestId')}, ${p('userId')}, ${p('projectId')}, now(), now(), now())
       RETURNING id),
     task AS (
       INSERT INTO compute_tasks (container_uuid, host, action, params, request_id, action_id, state, created_at,
                                  updated_at)
       SELECT ${p('uuid')}, ${p('host')}, ${p('action')}, CAST(${p('params')} AS jsonb), ${p('requestId')}, audit.id,
              ${p('state')}, now(), now()
         FROM audit
       RETURNING CASE WHEN state = 'pending' THEN pg_notify(${p('channel')}, ${p('host')}) END)`;
}

type AuditAndTaskParam = keyof ReturnType<typeof auditAndTaskValues>;

function auditAndTaskValues<A extends TaskAction>(
  uuid: string,
  host: string,
  action: A,
  params: TaskParamsByAction[A],
  ctx: RequestContext,
  state: 'pending' | 'held' = 'pending',
): {
  uuid: string;
  state: string;
  action: A;
  requestId: string;
  userId: string;
  projectId: string;
  host: string;
  params: string;
  channel: string;
} {
  return {
    uuid,
    state,
    action,
    // The request's id, which `zun action-list` shows and the agent's task carries into its logs.
    requestId: currentRequestId() ?? `req-${randomUUID()}`,
    userId: ctx.userId,
    projectId: ctx.projectId,
    host,
    params: JSON.stringify(params),
    channel: TASK_CHANNEL,
  };
}

/** Writes the audit row and the durable task for an action inside the caller's transaction. */
export async function recordAndQueue<A extends TaskAction>(
  t: Transaction,
  c: Container,
  host: string,
  action: A,
  params: TaskParamsByAction[A],
  ctx: RequestContext,
): Promise<void> {
  await ComputeTask.sequelize!.query(`WITH ${auditAndTask((name) => `:${name}`)} SELECT 1 FROM task`, {
    replacements: auditAndTaskValues(c.uuid, host, action, params, ctx),
    transaction: t,
  });
}

/**
 * Inserts a new container's row with its audit row and task, and checks the project's quota
 * (`guard`), in one statement: atomic on its own, so a create needs no transaction (and none of
 * its BEGIN, lock, count and COMMIT round trips on the path of every create). Over the quota
 * the statement fails whole, nothing written, and this throws the OverQuotaError. The row is
 * built by the model, so its defaults and column types are the model's, as with
 * Container.create. The task is `state`: 'held' for a create whose claim comes next.
 */
export async function insertAndQueue<A extends TaskAction>(
  values: CreationAttributes<Container>,
  host: string,
  action: A,
  params: TaskParamsByAction[A],
  ctx: RequestContext,
  guard: QuotaGuard | null,
  state: 'pending' | 'held' = 'pending',
): Promise<Container> {
  const sequelize = Container.sequelize!;
  const now = new Date();
  const fields = Container.build({ ...values, created_at: now, updated_at: now }).get({
    plain: true,
  }) as Record<string, unknown>;
  // The database numbers the row.
  delete fields.id;
  const insert = sequelize.getQueryInterface().queryGenerator as unknown as {
    insertQuery(
      table: string,
      values: Record<string, unknown>,
      attributes: Record<string, unknown>,
      options: Record<string, unknown>,
    ): { query: string; bind: unknown[] };
  };
  const { query, bind } = insert.insertQuery(
    Container.getTableName() as string,
    fields,
    Container.getAttributes(),
    {},
  );
  // The insert's own parameters are $1..$n; the audit row's and the task's follow them, then the
  // guard's, all text (typed, since a parameter used in two places must not be inferred two ways).
  const more = auditAndTaskValues(String(fields.uuid), host, action, params, ctx, state);
  const names = Object.keys(more) as AuditAndTaskParam[];
  const p = (i: number) => `CAST($${i} AS text)`;
  const g = bind.length + names.length;
  // Selected below so that it runs: a WITH query that only reads runs only when read.
  const checked = guard
    ? `, guard AS (SELECT zun_quota_enforce(${p(g + 1)}, CAST(${p(g + 2)} AS jsonb), CAST(${p(g + 3)} AS jsonb), ${p(g + 4)}))`
    : '';
  try {
    const rows = await sequelize.query<Record<string, unknown>>(
      `WITH row AS (${query.replace(/;$/, '')} RETURNING *),
       ${auditAndTask((name) => p(bind.length + names.indexOf(name) + 1))}${checked}
       SELECT row.* FROM row CROSS JOIN task${guard ? ' CROSS JOIN guard' : ''}`,
      {
        bind: [
          ...bind,
          ...names.map((n) => more[n]),
          ...(guard ? [guard.args.project, guard.args.defaults, guard.args.delta, fields.uuid] : []),
        ],
        type: QueryTypes.SELECT,
      },
    );
    return Container.build(rows[0] as never, { isNewRecord: false, raw: true });
  } catch (err) {
    throw (guard && guardRefusal(err, guard)) || err;
  }
}

export async function agentEndpoint(host: string): Promise<string | null> {
  const service = await Service.findOne({
    where: { host, binary: COMPUTE_BINARY },
    attributes: ['endpoint'],
  });
  return service?.endpoint ?? null;
}
