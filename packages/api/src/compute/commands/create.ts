import { randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import {
  Container,
  ContainerAction,
  ContainerStatus,
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
import { placeOnHost, releaseQuietly } from '../placement';
import { checkQuota, limitApplies } from '../quotas';
import type { SchedulingStep } from '../scheduling-metrics';

/**
 * POST /v1/containers: schedule in-process, then in one transaction insert the row (Creating),
 * the `create` action and the durable task for the chosen host; wake that host's agent after
 * commit. The host is the first candidate whose agent accepts the claim (compute/placement.ts).
 * Over the project's quota: 403 before anything is claimed or recorded (compute/quotas.ts).
 * With no valid host the row is kept in Error with the explanation (202,
 * as upstream), and no task or claim exists.
 */
export async function createContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  p: CreateParams,
  run: boolean,
): Promise<Container> {
  const timed = <T>(step: SchedulingStep, fn: () => Promise<T> | T): Promise<T> =>
    deps.scheduling ? deps.scheduling.time(step, fn) : Promise.resolve(fn());
  // Checked before anything is claimed (the common refusal costs nothing), and again, exactly,
  // under the project's quota lock in the transaction that records the container. The three
  // look-ups are independent: they run together, so a create waits for one round trip, not three.
  const quotaDelta = { containers: 1, cpu: p.cpu, memory: Number(p.memory), disk: p.disk };
  const quota = checkQuota(deps.sequelize, deps.config, ctx.projectId, quotaDelta);
  // The row keeps the registry's uuid: the agent finds the credentials by it at pull time.
  const registryLookup = p.registry
    ? findRegistry(p.registry, ctx, { ownProject: true })
    : Promise.resolve(null);
  // Awaited in turn below; a refusal meanwhile must not count as unhandled.
  quota.catch(() => undefined);
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
  const limits = await quota;
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
  if (!result.ok) return failedCreate(`There are not enough hosts available. ${result.explanation}`);

  const uuid = randomUUID();
  const placed = await timed('claim', () => placeOnHost(deps, result.hosts, uuid, spec));
  if (placed.host === null) {
    return failedCreate(`There are not enough hosts available. ${placed.explanation}`);
  }
  const target = placed.host;
  // Marked with the create's task state at once, as every verb is when accepted: the agent,
  // which holds the claim made above, then has nothing to write before Running.
  const record = (t?: Transaction): Promise<Container> =>
    insertAndQueue(
      t,
      {
        ...values,
        uuid,
        host: target,
        status: ContainerStatus.Creating,
        task_state: TaskState.ContainerCreating,
      },
      target,
      'create',
      { run, nets: p.nets, mounts: p.mounts },
      ctx,
    );
  try {
    // A limit on what the request adds is checked again, exactly, under the project's quota
    // lock in the transaction that records the row. Without one, the row, its action and its
    // task are one statement, atomic on its own.
    if (limits && limitApplies(limits, quotaDelta)) {
      return await deps.sequelize.transaction(async (t) => {
        await checkQuota(deps.sequelize, deps.config, ctx.projectId, quotaDelta, { transaction: t, limits });
        return record(t);
      });
    }
    return await record();
  } catch (err) {
    if (placed.claimed) await releaseQuietly(deps, target, uuid);
    throw err;
  }
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
