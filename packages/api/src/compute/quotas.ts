import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import {
  CONTAINER_TYPE,
  NotAllowedError,
  Quota,
  QUOTA_RESOURCES,
  QuotaClass,
  type QuotaResource,
  type ZunConfig,
} from '@zun/common';

export type QuotaValues = Record<QuotaResource, number>;
export const DEFAULT_CLASS = 'default';

/** A refused request: 403 `over-quota`, naming each resource with what is used and the limit. */
export class OverQuotaError extends NotAllowedError {
  constructor(readonly over: { resource: QuotaResource; limit: number; inUse: number; requested: number }[]) {
    super(
      `Quota exceeded for resources: ${over
        .map((o) => `${o.resource} (limit ${o.limit}, in use ${o.inUse}, requested ${o.requested})`)
        .join(', ')}.`,
      'over-quota',
    );
  }
}

/** The config defaults, overridden by the `default` class, for every resource. */
export async function defaultLimits(config: ZunConfig, t?: Transaction): Promise<QuotaValues> {
  return classLimits(DEFAULT_CLASS, config, t);
}

/** A class's limits; a resource the class does not set falls back to the config default. */
export async function classLimits(name: string, config: ZunConfig, t?: Transaction): Promise<QuotaValues> {
  const { containers, memory, cpu, disk } = config.quota;
  const values: QuotaValues = { containers, memory, cpu, disk };
  for (const row of await QuotaClass.findAll({ where: { class_name: name }, transaction: t }))
    values[row.resource] = row.hard_limit;
  return values;
}

/** A project's effective limits: its own, else the `default` class, else config. */
export async function projectLimits(
  projectId: string,
  config: ZunConfig,
  t?: Transaction,
): Promise<QuotaValues> {
  const values = await defaultLimits(config, t);
  for (const row of await Quota.findAll({ where: { project_id: projectId }, transaction: t }))
    values[row.resource] = row.hard_limit;
  return values;
}

/** What a project holds, as columns of one row: shared by projectUsage and limitsAndUsage. */
const USAGE_SELECT = `SELECT count(*) FILTER (WHERE container_type IN (:plain, :member, :init)) AS containers,
            coalesce(sum(CASE WHEN container_type IN (:plain, :capsule) THEN NULLIF(memory, '')::numeric END), 0) AS memory,
            coalesce(sum(CASE WHEN container_type IN (:plain, :capsule) THEN cpu END), 0) AS cpu,
            coalesce(sum(CASE WHEN container_type = :plain THEN disk END), 0) AS disk
       FROM containers
      WHERE project_id = :projectId AND NOT (status = 'Error' AND host IS NULL)`;

const TYPES = {
  plain: CONTAINER_TYPE.container,
  capsule: CONTAINER_TYPE.capsule,
  member: CONTAINER_TYPE.capsuleMember,
  init: CONTAINER_TYPE.capsuleInit,
};

/**
 * True when the request adds to a resource whose effective limit (the project's, else the
 * default class's, else the config's) is not -1. Resource names come from QUOTA_RESOURCES,
 * never from a request.
 */
const SOME_LIMIT_APPLIES = QUOTA_RESOURCES.map(
  (r) =>
    `(coalesce((project_limits->>'${r}')::numeric, (class_limits->>'${r}')::numeric, :limit_${r}) >= 0 AND :delta_${r} > 0)`,
).join(' OR ');

type UsageRow = {
  containers: string | number;
  memory: string | number;
  cpu: string | number;
  disk: string | number;
};

function usageOf(row: UsageRow): QuotaValues {
  return {
    containers: Number(row.containers),
    memory: Number(row.memory),
    cpu: Math.round(Number(row.cpu) * 1000) / 1000,
    disk: Number(row.disk),
  };
}

/**
 * What a project holds now. Containers: plain containers and capsule members (init containers
 * included: each is a container of the engine); cpu and memory: plain containers and capsules
 * (whose rows carry their members' totals, so members are not counted twice); disk: plain
 * containers. A create that failed for want of a host (Error, no host) holds nothing and counts
 * for nothing, so failed attempts do not eat a project's quota.
 */
export async function projectUsage(
  sequelize: Sequelize,
  projectId: string,
  t?: Transaction,
): Promise<QuotaValues> {
  const [row] = await sequelize.query<UsageRow>(USAGE_SELECT, {
    type: QueryTypes.SELECT,
    transaction: t,
    replacements: { projectId, ...TYPES },
  });
  return usageOf(row);
}

/**
 * A project's limits (as projectLimits) and, only when the request adds to a resource the
 * project is limited in, its usage (as projectUsage), in one statement: on a busy machine each
 * round trip is felt in a create's latency. The usage is a sum over all the project's containers,
 * so a project unlimited in what the request adds (an operator's, with thousands of rows) must not
 * pay for it on every create; the CASE runs that subquery only when some limit applies.
 */
async function limitsAndUsage(
  sequelize: Sequelize,
  config: ZunConfig,
  projectId: string,
  delta: Partial<QuotaValues>,
  t?: Transaction,
): Promise<{ limits: QuotaValues; usage: QuotaValues | null }> {
  type Overrides = Record<string, number | string> | null;
  const [row] = await sequelize.query<{
    class_limits: Overrides;
    project_limits: Overrides;
    usage: UsageRow | null;
  }>(
    `SELECT class_limits, project_limits,
            CASE WHEN ${SOME_LIMIT_APPLIES} THEN (SELECT row_to_json(u) FROM (${USAGE_SELECT}) u) END AS usage
       FROM (SELECT (SELECT json_object_agg(resource, hard_limit) FROM quota_classes WHERE class_name = :cls) AS class_limits,
                    (SELECT json_object_agg(resource, hard_limit) FROM quotas WHERE project_id = :projectId) AS project_limits) l`,
    {
      type: QueryTypes.SELECT,
      transaction: t,
      replacements: {
        projectId,
        cls: DEFAULT_CLASS,
        ...TYPES,
        ...Object.fromEntries(QUOTA_RESOURCES.map((r) => [`limit_${r}`, config.quota[r]])),
        ...Object.fromEntries(QUOTA_RESOURCES.map((r) => [`delta_${r}`, delta[r] ?? 0])),
      },
    },
  );
  const { containers, memory, cpu, disk } = config.quota;
  const limits: QuotaValues = { containers, memory, cpu, disk };
  // Config defaults, then the default class, then the project's own: as projectLimits.
  for (const overrides of [row.class_limits, row.project_limits]) {
    for (const [resource, limit] of Object.entries(overrides ?? {})) {
      if ((QUOTA_RESOURCES as readonly string[]).includes(resource))
        limits[resource as QuotaResource] = Number(limit);
    }
  }
  return { limits, usage: row.usage ? usageOf(row.usage) : null };
}

/** Does any of these limits bound a resource that `delta` adds? If not, there is nothing to check. */
export function limitApplies(limits: QuotaValues, delta: Partial<QuotaValues>): boolean {
  return QUOTA_RESOURCES.some((r) => (delta[r] ?? 0) > 0 && limits[r] >= 0);
}

/**
 * Refuses (OverQuotaError) when adding `delta` to the project's usage passes a limit, and
 * returns the limits it read. Inside a transaction it first takes the project's quota lock, held
 * until that transaction ends: two creates of one project, in any zun-api process, then check
 * and insert one after the other, so the usage is exact; other projects never wait. `limits`
 * read by an earlier check of the same request are used again: usage changes under the lock,
 * limits only when an admin sets them. Given those limits, a project unlimited in every resource
 * the request adds is neither locked nor counted: there is nothing to check, and the lock would
 * only serialise the project's creates behind a sum over all its containers. With
 * `[quota] driver = noop` nothing is checked (and no lock taken).
 */
export async function checkQuota(
  sequelize: Sequelize,
  config: ZunConfig,
  projectId: string,
  delta: Partial<QuotaValues>,
  opts: { transaction?: Transaction; limits?: QuotaValues } = {},
): Promise<QuotaValues | null> {
  if (config.quota.driver === 'noop') return null;
  const known = opts.limits;
  if (known && !limitApplies(known, delta)) return known;
  const t = opts.transaction;
  if (t) {
    await sequelize.query("SELECT pg_advisory_xact_lock(hashtext('zun-quota:' || :projectId))", {
      transaction: t,
      replacements: { projectId },
    });
  }
  const { limits, usage } = known
    ? { limits: known, usage: await projectUsage(sequelize, projectId, t) }
    : await limitsAndUsage(sequelize, config, projectId, delta, t);
  if (!usage) return limits;
  const over = QUOTA_RESOURCES.filter((r) => {
    const d = delta[r] ?? 0;
    return d > 0 && limits[r] >= 0 && usage[r] + d > limits[r];
  }).map((r) => ({ resource: r, limit: limits[r], inUse: usage[r], requested: delta[r] ?? 0 }));
  if (over.length) throw new OverQuotaError(over);
  return limits;
}
