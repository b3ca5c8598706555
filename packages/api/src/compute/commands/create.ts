import { randomUUID } from 'node:crypto';
import {
  Container,
  ContainerAction,
  ContainerStatus,
  currentRequestId,
  InputError,
  NotFoundError,
  TaskState,
} from '@zun/common';
import type { CreateParams } from '../create-params';
import { findRegistry, refuseForeignImageHost } from '../registries';
import type { RequestContext } from '../../identity/context';
import type { HostState, RequestSpec } from '@zun/scheduler';
import type { ComputeDeps } from '../deps';
import { insertAndQueue } from '../dispatch';
import { generateContainerName } from '../names';
import { placeOnHost, type Placement } from '../placement';
import { failHeld, moveHeld, queueHeld } from '../held';
import { checkQuota, quotaGuard } from '../quotas';
import type { SchedulingStep } from '../scheduling-metrics';

/**
 * POST /v1/containers: schedule in-process, then in one statement check the project's quota
 * and insert the row (Creating), the `create` action and the durable task, held for the first
 * candidate host. The claim on that host's agent takes the task in the same statement as the
 * claim, and the agent starts at once; a host that refuses passes it to the next candidate
 * (compute/placement.ts, compute/held.ts). Over the project's quota: 403 with nothing recorded
 * or claimed (compute/quotas.ts). With no valid host the row is kept in Error with the
 * explanation (202, as upstream), and no task or claim exists.
 */
export async function createContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  p: CreateParams,
  run: boolean,
): Promise<Container> {
  const timed = <T>(step: SchedulingStep, fn: () => Promise<T> | T): Promise<T> =>
    deps.scheduling ? deps.scheduling.time(step, fn) : Promise.resolve(fn());
  const quotaDelta = { containers: 1, cpu: p.cpu, memory: Number(p.memory), disk: p.disk };
  // The row keeps the registry's uuid: the agent finds the credentials by it at pull time.
  const registryLookup = p.registry
    ? findRegistry(p.registry, ctx, { ownProject: true })
    : Promise.resolve(null);
  // Awaited in turn below; a refusal meanwhile must not count as unhandled.
  registryLookup.catch(() => undefined);
  let hosts = await timed('snapshot', () => deps.hosts.get());
  // The snapshot may be up to a second old: a refusal is made on a current view, so a host that
  // has just registered, come back or grown is not refused on the last second's record.
  let current = false;
  const reload = async (): Promise<boolean> => {
    if (current) return false;
    current = true;
    hosts = await timed('snapshot', () => deps.hosts.fresh());
    return true;
  };
  const hostFound = () => !p.requestedHost || hosts.some((h) => h.hostname === p.requestedHost);
  if (!hostFound() && (await reload()) && !hostFound()) {
    throw new NotFoundError(`Compute host ${p.requestedHost} could not be found.`, 'compute-node-not-found');
  }
  try {
    refuseWhatNoHostOffers(hosts, p);
  } catch (err) {
    if (!(await reload())) throw err;
    refuseWhatNoHostOffers(hosts, p);
  }
  const registry = await registryLookup;
  if (registry) refuseForeignImageHost(p.image, registry);
  const spec: RequestSpec = {
    cpu: p.cpu,
    memory: Number(p.memory),
    disk: p.disk,
    runtime: p.runtime,
    availabilityZone: p.availabilityZone,
    requestedHost: p.requestedHost,
    hints: p.hints,
    cpuPolicy: p.cpuPolicy,
  };
  let result = await timed('filter', () => deps.scheduler.schedule(hosts, spec));
  if (!result.ok && (await reload()))
    result = await timed('filter', () => deps.scheduler.schedule(hosts, spec));
  const values = {
    name: p.name ?? generateContainerName(),
    project_id: ctx.projectId,
    user_id: ctx.userId,
    image: p.image,
    command: p.command,
    entrypoint: p.entrypoint,
    cpu: p.cpu,
    memory: p.memory,
    disk: p.disk,
    environment: p.environment,
    workdir: p.workdir,
    hostname: p.hostname,
    labels: p.labels,
    image_pull_policy: p.imagePullPolicy,
    restart_policy: p.restartPolicy,
    interactive: p.interactive,
    tty: p.tty,
    auto_remove: p.autoRemove,
    auto_heal: p.autoHeal,
    image_driver: p.imageDriver,
    runtime: p.runtime,
    cpu_policy: p.cpuPolicy,
    security_groups: p.securityGroups,
    privileged: p.privileged,
    exposed_ports: p.exposedPorts,
    healthcheck: p.healthcheck,
    registry_id: registry?.uuid ?? null,
  };

  const failedCreate = (reason: string): Promise<Container> => {
    deps.logger.info('no valid host', { reason });
    return deps.sequelize.transaction(async (t) => {
      const c = await Container.create(
        {
          ...values,
          uuid: randomUUID(),
          status: ContainerStatus.Error,
          status_reason: reason,
        },
        { transaction: t },
      );
      const now = new Date();
      await ContainerAction.create(
        {
          container_uuid: c.uuid,
          action: 'create',
          user_id: ctx.userId,
          project_id: ctx.projectId,
          start_time: now,
          finish_time: now,
          message: 'Error',
        },
        { transaction: t },
      );
      return c;
    });
  };
  // A request over its quota is a 403 whether or not a host has room: checked before the
  // scheduler's refusal is recorded as an Error row.
  const unplaced = async (explanation: string): Promise<Container> => {
    await checkQuota(deps.sequelize, deps.config, ctx.projectId, quotaDelta);
    return failedCreate(`There are not enough hosts available. ${explanation}`);
  };
  if (!result.ok) return unplaced(result.explanation);

  // Recorded first, on the first candidate, with the quota checked in the same statement (under
  // the project's lock, so the count is exact): over it, 403 with nothing recorded or claimed.
  // The task is held, not queued: the claim that follows takes it, and the agent starts at once.
  const uuid = randomUUID();
  const first = result.hosts[0].hostname;
  const c = await insertAndQueue(
    {
      ...values,
      uuid,
      host: first,
      status: ContainerStatus.Creating,
      // Marked with the create's task state at once, as every verb is when accepted: the agent
      // then has nothing to write before Running.
      task_state: TaskState.ContainerCreating,
    },
    first,
    'create',
    { run, nets: p.nets, mounts: p.mounts },
    ctx,
    quotaGuard(deps.config, ctx.projectId, quotaDelta),
    'held',
  );
  let placed: Placement;
  try {
    placed = await timed('claim', () =>
      placeOnHost(deps, result.hosts, uuid, spec, { moveTo: (host) => moveHeld(deps.sequelize, uuid, host) }),
    );
  } catch (err) {
    // Not left Creating for ever: failed visibly, unless an agent has taken it. The cause (an
    // agent's address, its error) is for the operator's log, where the 500 puts it.
    const reason = `The create could not be placed on a compute host (request ${currentRequestId() ?? 'unknown'}).`;
    await failHeld(deps.sequelize, uuid, reason).catch(() => null);
    throw err;
  }
  if (placed.host === null) {
    deps.logger.info('no valid host', { reason: placed.explanation });
    const failed = await failHeld(
      deps.sequelize,
      uuid,
      `There are not enough hosts available. ${placed.explanation}`,
    );
    // Null only if the host took the task by itself meanwhile (after a grace far longer).
    return failed ?? c;
  }
  // Queued for the host's drain when no agent took it: none answered, or one from before the
  // held task (an upgrade in progress) claimed without taking it.
  if (!placed.taken) await queueHeld(deps.sequelize, uuid, placed.host);
  c.set({ host: placed.host });
  return c;
}

/**
 * A runtime no engine reports, or a disk size where no storage driver can enforce one, would
 * never be placed: refused as bad input before anything is recorded, rather than kept as a row
 * in Error. (Capacity shortages still give the scheduler's Error row, as upstream.)
 */
function refuseWhatNoHostOffers(hosts: readonly HostState[], p: CreateParams): void {
  const runtime = p.runtime;
  if (runtime && !hosts.some((h) => h.runtimes.includes(runtime))) {
    const known = [...new Set(hosts.flatMap((h) => h.runtimes))].sort().join(', ');
    throw new InputError(
      `Runtime "${runtime}" is not available on any compute host (available: ${known || 'none'}).`,
    );
  }
  // The engine refuses more CPUs than its machine has; no host can ever run such a container.
  const largest = Math.max(0, ...hosts.map((h) => h.cpus));
  if (hosts.length && p.cpu > largest) {
    throw new InputError(
      `Invalid input for field/attribute cpu. Value: ${p.cpu}. No compute host has that many CPUs (the largest has ${largest}).`,
    );
  }
  if (p.disk > 0 && !hosts.some((h) => h.diskQuotaSupported)) {
    throw new InputError(
      'A disk size cannot be enforced here: no compute host has a storage driver with disk quota support (e.g. overlay2 on xfs with pquota, devicemapper, btrfs, zfs). Create the container without "disk".',
    );
  }
}
