import {
  CONTAINER_TYPE,
  Container,
  LABEL_CAPSULE,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_PROJECT,
  LABEL_UUID,
  dockerName,
} from '@zun/common';
import type { ContainerSpec, MountSpec } from '../../docker/engine';
import { containerSpec, removeQuietly } from '../commands/create';
import type { ManagerContext } from '../context';

/** A capsule's containers besides its sandbox, each in the order the template listed them. */
export interface CapsuleParts {
  inits: Container[];
  members: Container[];
}

export async function loadParts(capsuleUuid: string): Promise<CapsuleParts> {
  const rows = await Container.findAll({ where: { capsule_id: capsuleUuid }, order: [['id', 'ASC']] });
  return {
    inits: rows.filter((r) => r.container_type === CONTAINER_TYPE.capsuleInit),
    members: rows.filter((r) => r.container_type === CONTAINER_TYPE.capsuleMember),
  };
}

/**
 * The sandbox: the capsule's network namespace on the project network and a shareable IPC
 * namespace. It publishes every member's exposed ports, since members have no network of their
 * own. It gets no limits (the capsule's claim covers its members, which carry their own) and no
 * restart policy: a sandbox restarted by the engine would get a new namespace that the running
 * members are not in.
 */
export function sandboxSpec(
  ctx: ManagerContext,
  capsule: Container,
  ref: string,
  network: string,
  members: Container[],
): ContainerSpec {
  const ports = new Set(members.flatMap((m) => Object.keys(m.exposed_ports ?? {})));
  return {
    name: dockerName(capsule.uuid),
    image: ref,
    cmd: null,
    entrypoint: null,
    env: {},
    workdir: null,
    labels: { ...(capsule.labels ?? {}), ...ourLabels(ctx, capsule, capsule.uuid) },
    tty: false,
    openStdin: false,
    hostname: capsule.hostname,
    memoryMiB: null,
    cpu: null,
    restartPolicy: null,
    autoRemove: false,
    runtime: capsule.runtime,
    privileged: false,
    exposedPorts: [...ports].sort(),
    healthcheck: null,
    diskGiB: null,
    network,
    ipcMode: 'shareable',
  };
}

/**
 * An init container or member: its row's image, command, limits, healthcheck and (members only)
 * restart policy, in the sandbox's network and IPC namespaces. Init containers run exactly once:
 * a restart policy would have the engine run a failed one again while the capsule is failed.
 */
export function partSpec(
  ctx: ManagerContext,
  capsule: Container,
  part: Container,
  ref: string,
  sandboxId: string,
  mounts: MountSpec[],
): ContainerSpec {
  const spec = containerSpec(ctx, part, ref, null, mounts);
  return {
    ...spec,
    labels: { ...spec.labels, ...ourLabels(ctx, capsule, part.uuid) },
    hostname: null,
    exposedPorts: [],
    autoRemove: false,
    restartPolicy: part.container_type === CONTAINER_TYPE.capsuleMember ? spec.restartPolicy : null,
    joinContainer: sandboxId,
  };
}

/** Ours, as on any container (reconcile and reaping find it), plus the capsule it belongs to. */
function ourLabels(ctx: ManagerContext, capsule: Container, uuid: string): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_UUID]: uuid,
    [LABEL_PROJECT]: capsule.project_id,
    [LABEL_HOST]: ctx.host,
    [LABEL_CAPSULE]: capsule.uuid,
  };
}

/**
 * Removes the engine containers of the capsule's parts, then its sandbox's, except those of
 * `keep` (part uuids). Every one of them is created with the capsule's label, so one list finds
 * them all, also one made by a run cut short before it recorded the id. The parts go at once;
 * the sandbox last, as they are in its namespaces. Missing ones are fine.
 */
export async function removeEngineContainers(
  ctx: ManagerContext,
  capsule: Container,
  keep: ReadonlySet<string> = new Set(),
): Promise<void> {
  const found = await ctx.engine.listContainers([
    `${LABEL_CAPSULE}=${capsule.uuid}`,
    `${LABEL_HOST}=${ctx.host}`,
  ]);
  const uuidOf = (c: (typeof found)[number]) => c.Labels?.[LABEL_UUID] ?? '';
  const parts = found.filter((c) => uuidOf(c) !== capsule.uuid && !keep.has(uuidOf(c)));
  await settleAll(parts.map((c) => removeQuietly(ctx, c.Id)));
  // Also by name: the sandbox is the one container whose name is the capsule's.
  await removeQuietly(ctx, dockerName(capsule.uuid));
}

/**
 * Waits for every one of `work` to end, then throws the first failure: nothing is still running
 * against the engine when the caller goes on (to clean up after a failure, for one).
 */
export async function settleAll<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
