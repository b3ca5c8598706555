import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import {
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

/**
 * A project's effective limits: its own, else the `default` class, else config. Read by the
 * quota check's own function (migration 013), asked for no change, so the API shows the limits
 * that the check applies.
 */
export async function projectLimits(
  projectId: string,
  config: ZunConfig,
  t?: Transaction,
): Promise<QuotaValues> {
  const [row] = await Quota.sequelize!.query<QuotaCheckRow>(
    'SELECT * FROM zun_quota_check(:project, CAST(:defaults AS jsonb), CAST(:delta AS jsonb), false, NULL)',
    { type: QueryTypes.SELECT, transaction: t, replacements: { ...quotaCheckArgs(config, projectId, {}) } },
  );
  return limitsOf(row);
}

type UsageJson = Record<QuotaResource, number | string>;

function usageOf(row: UsageJson): QuotaValues {
  return {
    containers: Number(row.containers),
    memory: Number(row.memory),
    cpu: Number(row.cpu),
    disk: Number(row.disk),
  };
}

/**
 * What a project holds now (the database function zun_project_usage, migration 013, which the
 * quota check counts with too). Containers: plain containers and capsule members (init
 * containers included: each is a container of the engine); cpu and memory: plain containers and
 * capsules (whose rows carry their members' totals, so members are not counted twice); disk:
 * plain containers. A create that failed for want of a host (Error, no host) holds nothing and
 * counts for nothing, so failed attempts do not eat a project's quota.
 */
export async function projectUsage(
  sequelize: Sequelize,
  projectId: string,
  t?: Transaction,
): Promise<QuotaValues> {
  const [row] = await sequelize.query<{ usage: UsageJson }>('SELECT zun_project_usage(:projectId) AS usage', {
    type: QueryTypes.SELECT,
    transaction: t,
    replacements: { projectId },
  });
  return usageOf(row.usage);
}

/** The arguments of zun_quota_check for a request adding `delta` to `projectId`. */
interface QuotaCheckArgs {
  project: string;
  /** The config's limits, as JSON: the function lays the default class and the project's over them. */
  defaults: string;
  delta: string;
}

function quotaCheckArgs(config: ZunConfig, projectId: string, delta: Partial<QuotaValues>): QuotaCheckArgs {
  const { containers, memory, cpu, disk } = config.quota;
  return {
    project: projectId,
    defaults: JSON.stringify({ containers, memory, cpu, disk }),
    delta: JSON.stringify(Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, delta[r] ?? 0]))),
  };
}

/** What zun_quota_check answers: limits always; usage only when a limit applies to the request. */
interface QuotaCheckRow {
  limits: Record<string, number | string>;
  usage: UsageJson | null;
  ok: boolean;
}

/** The limits of a zun_quota_check answer, resources outside QUOTA_RESOURCES left out. */
function limitsOf(row: QuotaCheckRow): QuotaValues {
  const limits = {} as QuotaValues;
  for (const r of QUOTA_RESOURCES) limits[r] = Number(row.limits[r]);
  return limits;
}

/** The refusal for a request that a zun_quota_check answer says does not fit. */
function overQuota(row: QuotaCheckRow, delta: Partial<QuotaValues>): OverQuotaError {
  const limits = limitsOf(row);
  const usage = usageOf(row.usage ?? { containers: 0, memory: 0, cpu: 0, disk: 0 });
  return new OverQuotaError(
    QUOTA_RESOURCES.filter((r) => {
      const d = delta[r] ?? 0;
      return d > 0 && limits[r] >= 0 && usage[r] + d > limits[r];
    }).map((r) => ({ resource: r, limit: limits[r], inUse: usage[r], requested: delta[r] ?? 0 })),
  );
}

/**
 * The quota check a create's insert makes in its own statement: zun_quota_enforce, which takes
 * the project's lock, counts, and raises SQLSTATE ZQ001 when the request does not fit.
 */
export interface QuotaGuard {
  args: QuotaCheckArgs;
  delta: Partial<QuotaValues>;
}

/** The guard for a create adding `delta` to the project; null when quotas are not checked. */
export function quotaGuard(
  config: ZunConfig,
  projectId: string,
  delta: Partial<QuotaValues>,
): QuotaGuard | null {
  if (config.quota.driver === 'noop') return null;
  return { args: quotaCheckArgs(config, projectId, delta), delta };
}

/** The refusal a guarded statement failed with (SQLSTATE ZQ001), or null for any other error. */
export function guardRefusal(err: unknown, guard: QuotaGuard): OverQuotaError | null {
  const pg = (err as { parent?: { code?: string; detail?: string } }).parent;
  if (pg?.code !== QUOTA_EXCEEDED || !pg.detail) return null;
  const { limits, usage } = JSON.parse(pg.detail) as Pick<QuotaCheckRow, 'limits' | 'usage'>;
  return overQuota({ limits, usage, ok: false }, guard.delta);
}

/** SQLSTATE of zun_quota_enforce's refusal (migration 013). */
const QUOTA_EXCEEDED = 'ZQ001';

/** Does any of these limits bound a resource that `delta` adds? If not, there is nothing to check. */
export function limitApplies(limits: QuotaValues, delta: Partial<QuotaValues>): boolean {
  return QUOTA_RESOURCES.some((r) => (delta[r] ?? 0) > 0 && limits[r] >= 0);
}

/**
 * Refuses (OverQuotaError) when adding `delta` to the project's usage passes a limit, and
 * returns the project's limits, in one statement (zun_quota_check). Inside a transaction it
 * first takes the project's quota lock, held until that transaction ends: two changes of one
 * project, in any zun-api process, then check and write one after the other, so the usage is
 * exact; other projects never wait. A project unlimited in every resource the request adds is
 * neither locked nor counted: there is nothing to check, and the lock would only serialise the
 * project's creates behind a sum over all its containers. `limits` read by an earlier check of
 * the same request spare that statement when none applies. With `[quota] driver = noop`
 * nothing is checked (and no lock taken).
 */
export async function checkQuota(
  sequelize: Sequelize,
  config: ZunConfig,
  projectId: string,
  delta: Partial<QuotaValues>,
  opts: { transaction?: Transaction; limits?: QuotaValues } = {},
): Promise<QuotaValues | null> {
  if (config.quota.driver === 'noop') return null;
  if (opts.limits && !limitApplies(opts.limits, delta)) return opts.limits;
  const [row] = await sequelize.query<QuotaCheckRow>(
    'SELECT * FROM zun_quota_check(:project, CAST(:defaults AS jsonb), CAST(:delta AS jsonb), :lock, NULL)',
    {
      type: QueryTypes.SELECT,
      transaction: opts.transaction,
      replacements: { ...quotaCheckArgs(config, projectId, delta), lock: opts.transaction !== undefined },
    },
  );
  if (!row.ok) throw overQuota(row, delta);
  return limitsOf(row);
}
