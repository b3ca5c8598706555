import { randomUUID } from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import {
  CONTAINER_TYPE,
  Container,
  ContainerAction,
  ContainerStatus,
  InputError,
  type ContainerType,
  type MountRequest,
  type RestartPolicy,
} from '@zun/common';
import type { RequestSpec } from '@zun/scheduler';
import type { RequestContext } from '../../identity/context';
import type { CapsuleMemberSpec, CapsuleSpec } from '../capsule-spec';
import type { ComputeDeps } from '../deps';
import { recordAndQueue } from '../dispatch';
import { generateCapsuleMemberName } from '../names';
import { placeOnHost, releaseQuietly } from '../placement';
import { checkQuota } from '../quotas';

export interface CapsuleRows {
  sandbox: Container;
  /** Regular members, in template order. */
  members: Container[];
  /** Init containers, in the order they run. */
  inits: Container[];
}

/**
 * POST /v1/capsules/: the capsule is scheduled as one unit. Its total (spec.cpu/memory: the
 * members' sum, raised to the largest init container) is claimed once, under the sandbox row's
 * uuid, on the first candidate whose agent accepts; so a capsule holds all of its room on one
 * host or none of it, and two capsules racing for the last room cannot both get it. Then one
 * transaction records the sandbox row (the capsule), its init and member rows, the `create`
 * action and the task on the sandbox row; the agent makes the parts.
 *
 * Refusals (a volume that is not the project's) come before anything is claimed or recorded.
 * With no valid host the rows are kept in Error with the explanation (202, as upstream), with no
 * task and no claim.
 */
export async function createCapsule(
  deps: ComputeDeps,
  ctx: RequestContext,
  spec: CapsuleSpec,
): Promise<CapsuleRows> {
  await refuseUnknownVolumes(deps, ctx.projectId, spec);
  // Capsules count against the project's quotas as their containers and totals (upstream skips
  // them): checked before the claim, then exactly, under the project's lock, as rows go in.
  const quotaDelta = {
    containers: spec.containers.length + spec.initContainers.length,
    cpu: spec.cpu,
    memory: Number(spec.memory),
  };
  const limits = await checkQuota(deps.sequelize, deps.config, ctx.projectId, quotaDelta);
  const hosts = await deps.hosts.get();
  const request: RequestSpec = {
    cpu: spec.cpu,
    memory: Number(spec.memory),
    disk: 0,
    runtime: null,
    availabilityZone: spec.availabilityZone,
    requestedHost: null,
    hints: null,
  };
  const uuid = randomUUID();
  const image = deps.config.sandboxImage;
  let result = deps.scheduler.schedule(hosts, request);
  // The snapshot may be up to a second old: "no valid host" is decided on a current view.
  if (!result.ok) result = deps.scheduler.schedule(await deps.hosts.fresh(), request);
  const placed = result.ok
    ? await placeOnHost(deps, result.hosts, uuid, request)
    : { host: null, explanation: result.explanation };

  if (placed.host === null) {
    const reason = `There are not enough hosts available. ${placed.explanation}`;
    deps.logger.info('no valid host for a capsule', { reason });
    return deps.sequelize.transaction(async (t) => {
      const rows = await insertRows(t, ctx, spec, {
        uuid,
        image,
        host: null,
        status: ContainerStatus.Error,
        reason,
      });
      const now = new Date();
      await ContainerAction.create(
        {
          container_uuid: uuid,
          action: 'create',
          user_id: ctx.userId,
          project_id: ctx.projectId,
          start_time: now,
          finish_time: now,
          message: 'Error',
        },
        { transaction: t },
      );
      return rows;
    });
  }
  const host = placed.host;
  try {
    return await deps.sequelize.transaction(async (t) => {
      await checkQuota(deps.sequelize, deps.config, ctx.projectId, quotaDelta, {
        transaction: t,
        limits: limits ?? undefined,
      });
      const rows = await insertRows(t, ctx, spec, {
        uuid,
        image,
        host,
        status: ContainerStatus.Creating,
        reason: null,
      });
      await recordAndQueue(t, rows.sandbox, host, 'create', { run: true }, ctx);
      return rows;
    });
  } catch (err) {
    if (placed.claimed) await releaseQuietly(deps, host, uuid);
    throw err;
  }
}

/** How the sandbox row starts out: its uuid (the claim's key), image, host and status. */
interface SandboxStart {
  uuid: string;
  image: string;
  host: string | null;
  status: ContainerStatus;
  reason: string | null;
}

async function insertRows(
  t: Transaction,
  ctx: RequestContext,
  spec: CapsuleSpec,
  { uuid, image, host, status, reason }: SandboxStart,
): Promise<CapsuleRows> {
  const common = {
    project_id: ctx.projectId,
    user_id: ctx.userId,
    host,
    status,
    status_reason: reason,
    image_driver: 'docker',
    runtime: null,
    hostname: null,
    entrypoint: null,
  };
  const sandbox = await Container.create(
    {
      ...common,
      uuid,
      name: spec.name,
      container_type: CONTAINER_TYPE.capsule,
      image,
      command: null,
      cpu: spec.cpu,
      memory: spec.memory,
      environment: null,
      workdir: null,
      labels: spec.labels,
      annotations: spec.annotations,
      image_pull_policy: null,
      restart_policy: { Name: spec.restartPolicy, MaximumRetryCount: '0' },
      capsule_volumes: spec.volumes,
    },
    { transaction: t },
  );
  const prefix = spec.name ?? uuid;
  const part = (m: CapsuleMemberSpec, type: ContainerType, policy: RestartPolicy) =>
    Container.create(
      {
        ...common,
        uuid: randomUUID(),
        name: generateCapsuleMemberName(prefix),
        container_type: type,
        capsule_id: uuid,
        image: m.image,
        command: m.command,
        cpu: m.cpu,
        memory: m.memory,
        environment: m.environment,
        workdir: m.workdir,
        labels: {},
        image_pull_policy: m.imagePullPolicy ?? 'always',
        restart_policy: policy,
        interactive: m.interactive,
        tty: m.tty,
        exposed_ports: m.exposedPorts,
        mounts: m.volumeMounts.map((v): MountRequest => ({
          type: 'volume',
          name: v.name,
          destination: v.mountPath,
        })),
      },
      { transaction: t },
    );
  // Init rows first, then members, so rows read by capsule_id in id order come in run order.
  // Init containers run exactly once (the agent gives them no restart policy), so their rows say so.
  const inits: Container[] = [];
  for (const m of spec.initContainers)
    inits.push(await part(m, CONTAINER_TYPE.capsuleInit, { Name: 'no', MaximumRetryCount: '0' }));
  const members: Container[] = [];
  for (const m of spec.containers)
    members.push(
      await part(m, CONTAINER_TYPE.capsuleMember, { Name: spec.restartPolicy, MaximumRetryCount: '0' }),
    );
  return { sandbox, members, inits };
}

/**
 * A `volumeID` names an existing named volume of the caller's project (the volume
 * `--mount source=NAME` made). The API knows of such a volume from the rows of the project's
 * containers that mount it; one whose containers are all deleted is not found here (the engine
 * keeps it, but the API never reaches an engine). Checked before anything is claimed or recorded.
 */
async function refuseUnknownVolumes(deps: ComputeDeps, projectId: string, spec: CapsuleSpec): Promise<void> {
  for (const v of spec.volumes) {
    if (!('volumeId' in v)) continue;
    const found = await deps.sequelize.query(
      `SELECT 1 FROM containers WHERE project_id = :projectId AND mounts @> CAST(:probe AS jsonb) LIMIT 1`,
      {
        replacements: { projectId, probe: JSON.stringify([{ type: 'volume', name: v.volumeId }]) },
        type: QueryTypes.SELECT,
      },
    );
    if (found.length === 0) {
      throw new InputError(
        `Invalid capsule template: spec.volumes volume ${v.name} names volumeID ${v.volumeId}, which is not a volume of this project.`,
        'invalid-capsule-template',
      );
    }
  }
}
