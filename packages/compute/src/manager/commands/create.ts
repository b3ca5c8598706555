import {
  Container,
  ContainerStatus,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_PROJECT,
  LABEL_UUID,
  TaskState,
  dockerName,
  isDatabaseUnavailable,
  type CreateTaskParams,
} from '@zun/common';
import type { ContainerSpec, ImageInspect, MountSpec } from '../../docker/engine';
import { glanceDriver } from '../../image/row-image';
import { isConflict, isNotFound } from '../../docker/errors';
import type { ActionLog } from '../actions';
import { applyInspect, exposedPortNumbers, reasonOf, type ManagerContext } from '../context';
import { InsufficientResourcesError } from '../claims';
import { startContainer, type CreatedFields } from './start';
import { releaseHostResources } from '../host-resources';
import { createOnNetworks } from '../../network/attach';
import { DEFAULT_NETWORK } from '../../network/project-networks';
import { prepareMounts } from '../../volume/mounts';

/**
 * Create (and with run=true, start) a container: claim → pull → docker create → [start].
 * Any failure leaves the row in Error with the reason, no Docker container and no claim.
 * Writes are merged so the path to Running costs as few round trips as possible.
 */
export async function createContainer(
  ctx: ManagerContext,
  c: Container,
  params: CreateTaskParams,
  audit: ActionLog,
): Promise<void> {
  // Run again after the start could not be recorded (a database outage, an agent restart): the
  // Docker container exists and only the start is left.
  if (
    params.run &&
    c.status === ContainerStatus.Created &&
    c.task_state === TaskState.ContainerStarting &&
    c.container_id
  ) {
    await startContainer(ctx, c, audit);
    return;
  }
  if (c.status !== ContainerStatus.Creating) {
    ctx.logger.info('create skipped: container is no longer Creating', { uuid: c.uuid, status: c.status });
    return;
  }
  const done = audit.event('compute__do_container_create');
  let created: CreatedFields;
  try {
    // A create retried after an agent crash starts from a clean slate.
    if (c.container_id) await removeQuietly(ctx, c.container_id);
    let { ref, inspect: image } = await claimAndEnsureImage(ctx, c);
    ctx.steps?.mark('claim_image');

    const requested = params.mounts ?? [];
    const mounts = await prepareMounts(ctx, c, requested);
    ctx.steps?.mark('mounts');
    const id = await createOnNetworks(ctx, c, params.nets ?? [DEFAULT_NETWORK], async (network) => {
      ctx.steps?.mark('network');
      const make = () => ctx.engine.createContainer(containerSpec(ctx, c, ref, network, mounts));
      try {
        return await make();
      } catch (err) {
        // 404, no such image: the image the driver had found a moment ago (it remembers for a
        // few seconds) was removed since. It is looked for afresh, pulled if the policy says so.
        if (isNotFound(err) && c.image_driver !== 'glance') {
          ctx.images.forget();
          ({ ref, inspect: image } = await ctx.images.ensureForRow(c, c.image_pull_policy));
          return make();
        }
        // 409, the name is taken: an earlier run of this create (cut short by an agent crash or
        // a database outage) made the Docker container without recording its id. The name is
        // ours alone (zun-<uuid>), so that container goes and the create starts afresh.
        if (!isConflict(err)) throw err;
        await removeQuietly(ctx, dockerName(c.uuid));
        return make();
      }
    });
    created = {
      container_id: id,
      // With the container id, so a row with a Docker container always has its mounts.
      mounts: requested,
      command: c.command && c.command.length ? c.command : asList(image.Config?.Cmd),
      entrypoint: c.entrypoint && c.entrypoint.length ? c.entrypoint : asList(image.Config?.Entrypoint),
      // What the container's config will expose (the image's and ours), known without an inspect.
      ports: exposedPortNumbers({ ...(image.Config?.ExposedPorts ?? {}), ...(c.exposed_ports ?? {}) }),
    };
    ctx.steps?.mark('engine_create');
    // With run=true the row is not written Created: the start writes all of it with Running
    // (or Error), one write and one wake-up of a waiting client fewer. Should the agent stop
    // before that write lands, the create runs again, finds the name taken and makes the
    // Docker container afresh (the 409 above).
    if (!params.run) {
      const info = await ctx.engine.inspectContainer(id);
      const fields = { ...created, status: ContainerStatus.Created, task_state: null };
      if (info) await applyInspect(c, info, fields);
      else await c.update(fields);
    }
    done();
  } catch (err) {
    // The task runner hands it back to run again once the database answers: the next run
    // starts from a clean slate.
    if (isDatabaseUnavailable(err)) throw err;
    await failCreate(ctx, c, err);
    done(err as Error);
    return;
  }
  if (params.run) await startContainer(ctx, c, audit, created);
}

/**
 * Claims the host's resources and makes the image available, telling the row while an image is
 * pulled or downloaded. The claim comes first: nothing is fetched for a container that does not
 * fit.
 */
async function claimAndEnsureImage(
  ctx: ManagerContext,
  c: Container,
): Promise<{ ref: string; inspect: ImageInspect }> {
  const pulling = async (active: boolean) => {
    await c.update({ task_state: active ? TaskState.ImagePulling : TaskState.ContainerCreating });
  };
  if (c.image_driver === 'glance') {
    const glance = glanceDriver(ctx);
    await ctx.tracker.claim(c, { host: ctx.host, task_state: TaskState.ContainerCreating });
    return glance.ensure(c, pulling);
  }
  // The claim and the image check are independent; only the claim must precede a pull.
  const source = await ctx.images.source(c.registry_id);
  const imageCheck = ctx.images.present(c.image, c.image_pull_policy, source);
  // Awaited only after the claim: an engine refusal (e.g. 400 for a reference it cannot parse)
  // that lands meanwhile would otherwise count as unhandled, which ends the agent process.
  imageCheck.catch(() => undefined);
  await ctx.tracker.claim(c, { host: ctx.host, task_state: TaskState.ContainerCreating });
  return ctx.images.ensureImage(c.image, c.image_pull_policy, await imageCheck, pulling, source);
}

/**
 * The Docker container for a row: what create makes, and rebuild and auto_heal make again
 * (on the same networks, with the mounts of the row's plan).
 */
export function containerSpec(
  ctx: ManagerContext,
  c: Container,
  ref: string,
  network: string | null,
  mounts: MountSpec[],
): ContainerSpec {
  return {
    name: dockerName(c.uuid),
    image: ref,
    cmd: c.command,
    entrypoint: c.entrypoint,
    env: c.environment ?? {},
    workdir: c.workdir,
    labels: {
      ...(c.labels ?? {}),
      [LABEL_MANAGED]: 'true',
      [LABEL_UUID]: c.uuid,
      [LABEL_PROJECT]: c.project_id,
      [LABEL_HOST]: ctx.host,
    },
    tty: c.tty,
    openStdin: c.interactive,
    hostname: c.hostname,
    memoryMiB: c.memory ? Number(c.memory) : null,
    cpu: c.cpu,
    restartPolicy: c.restart_policy
      ? { Name: c.restart_policy.Name, MaximumRetryCount: Number(c.restart_policy.MaximumRetryCount || 0) }
      : null,
    autoRemove: c.auto_remove,
    runtime: c.runtime,
    privileged: c.privileged ?? false,
    exposedPorts: Object.keys(c.exposed_ports ?? {}),
    healthcheck: c.healthcheck?.test
      ? {
          test: c.healthcheck.test,
          intervalS: c.healthcheck.interval,
          retries: c.healthcheck.retries,
          timeoutS: c.healthcheck.timeout,
        }
      : null,
    diskGiB: c.disk ? c.disk : null,
    cpuset: ctx.tracker.cpusetFor(c.uuid),
    network,
    mounts,
  };
}

async function failCreate(ctx: ManagerContext, c: Container, err: unknown): Promise<void> {
  const reason = reasonOf(err);
  ctx.logger.warn('container create failed', {
    uuid: c.uuid,
    reason,
    insufficient: err instanceof InsufficientResourcesError,
  });
  await c.reload().catch(() => undefined);
  // By name when the row has no id yet: the failure may come after the engine made it.
  await removeQuietly(ctx, c.container_id ?? dockerName(c.uuid));
  await releaseHostResources(ctx, c);
  await ctx.sequelize.transaction(async (transaction) => {
    await ctx.tracker.release(c.uuid, transaction);
    await c.update(
      {
        status: ContainerStatus.Error,
        status_reason: reason,
        task_state: null,
        host: null,
        container_id: null,
      },
      { transaction },
    );
  });
}

export async function removeQuietly(ctx: ManagerContext, id: string): Promise<void> {
  try {
    await ctx.engine.removeContainer(id, true);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export const asList = (v: string | string[] | null | undefined): string[] =>
  v ? (Array.isArray(v) ? v : [v]) : [];
