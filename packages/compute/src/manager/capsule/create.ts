import {
  ComputeTask,
  Container,
  ContainerStatus,
  TaskState,
  isDatabaseUnavailable,
  type CreateTaskParams,
} from '@zun/common';
import type { ActionLog } from '../actions';
import { asList } from '../commands/create';
import { applyInspect, reasonOf, type ManagerContext } from '../context';
import { createOnNetworks } from '../../network/attach';
import { DEFAULT_NETWORK } from '../../network/project-networks';
import { failCapsule } from './fail';
import { loadParts, partSpec, removeEngineContainers, sandboxSpec, settleAll } from './parts';
import { writeVerdict } from './rollup';
import { partMounts, prepareCapsuleVolumes } from './volumes';

/** A step of the create that failed, named for the reason the user reads. */
class CapsuleStepError extends Error {}

/** How often a running init container checks whether the capsule's delete is waiting for it. */
const DELETE_CHECK_MS = 2_000;

/**
 * Creates and runs a capsule, the `create` task of its sandbox row: claim (one claim, under the
 * sandbox's uuid, for the whole capsule) → volumes → the sandbox on the project's default network
 * → each init container in order, run to completion → the members, started. The capsule is
 * Creating until then, Running after (or Error at once when a member already died, see
 * capsuleVerdict). Any failure ends it in Error with the reason and nothing held (failCapsule).
 * A run again after an agent crash starts from a clean slate: every engine container of the
 * capsule goes first; volumes are kept with their data (init containers may run again, so they
 * should be idempotent, as in Kubernetes).
 */
export async function createCapsule(
  ctx: ManagerContext,
  capsule: Container,
  _params: CreateTaskParams,
  audit: ActionLog,
): Promise<void> {
  if (capsule.status !== ContainerStatus.Creating) {
    ctx.logger.info('capsule create skipped: no longer Creating', {
      uuid: capsule.uuid,
      status: capsule.status,
    });
    return;
  }
  const done = audit.event('compute__do_capsule_create');
  try {
    const parts = await loadParts(capsule.uuid);
    await removeEngineContainers(ctx, capsule);
    await ctx.tracker.claim(capsule, { host: ctx.host, task_state: TaskState.ContainerCreating });
    // The parts live here too: reads (logs, exec, top) go to this host, and the reconcile keeps them.
    await Container.update(
      { host: ctx.host, container_id: null, task_state: null, status: ContainerStatus.Creating },
      { where: { capsule_id: capsule.uuid } },
    );
    const image = partImages(ctx);
    // The parts' images are checked (or pulled) while the sandbox is made; a failure is the
    // part's step's, when it gets there.
    for (const p of [...parts.inits, ...parts.members]) {
      image(p, p.image_pull_policy).catch(() => undefined);
    }
    const volumes = await step('Preparing the capsule volumes', () => prepareCapsuleVolumes(ctx, capsule));
    const sandboxId = await step(`Creating the capsule sandbox (${capsule.image})`, async () => {
      const { ref } = await image({ image: capsule.image, registry_id: null }, 'ifnotpresent');
      const id = await createOnNetworks(ctx, capsule, [DEFAULT_NETWORK], (network) =>
        ctx.engine.createContainer(sandboxSpec(ctx, capsule, ref, network, parts.members)),
      );
      await capsule.update({ container_id: id });
      return id;
    });
    // A part joining the sandbox can be created while it starts; it is started after it.
    const sandboxStarted = step(`Starting the capsule sandbox (${capsule.image})`, () =>
      ctx.engine.startContainer(sandboxId),
    );
    sandboxStarted.catch(() => undefined);
    const make = (part: Container) => makePart(ctx, capsule, part, sandboxId, volumes, image);
    for (const init of parts.inits) {
      await sandboxStarted;
      const id = await step(`Init container ${init.name ?? init.uuid}`, () => make(init));
      const code = await runToCompletion(ctx, capsule, init, id);
      await settleInit(ctx, init, id, code);
      if (code !== 0)
        throw new CapsuleStepError(`Init container ${init.name ?? init.uuid} exited with code ${code}`);
    }
    // Members start together, as the engine allows; every one has ended its step before a
    // failure (the first in template order) goes to the clean-up, so none is made behind it.
    await settleAll(
      parts.members.map((member) =>
        step(`Capsule member ${member.name ?? member.uuid}`, async () => {
          const id = await make(member);
          await sandboxStarted;
          await ctx.engine.startContainer(id);
        }),
      ),
    );
    await sandboxStarted;
    await settleAll(
      parts.members.map(async (member) => {
        const info = await ctx.engine.inspectContainer(member.container_id!);
        if (info) await applyInspect(member, info, { task_state: null });
        // Gone already (removed behind our back): the roll-up below names it.
        else
          await member.update({
            status: ContainerStatus.Error,
            status_reason: 'Removed right after its start',
          });
      }),
    );
    // Running, or already Error if a member died meanwhile (the roll-up's rule from the start).
    await writeVerdict(capsule, parts.members, await ctx.engine.inspectContainer(sandboxId), ctx.logger);
    done();
  } catch (err) {
    // The task runner runs it again once the database answers; that run starts afresh.
    if (isDatabaseUnavailable(err)) throw err;
    await failCapsule(ctx, capsule, reasonOf(err));
    done(err as Error);
    return;
  }
  ctx.logger.info('capsule created', { uuid: capsule.uuid, status: capsule.status });
}

/** Runs `fn`, naming the step in the error the user will read. */
async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDatabaseUnavailable(err) || err instanceof CapsuleStepError) throw err;
    throw new CapsuleStepError(`${what}: ${reasonOf(err)}`, { cause: err });
  }
}

type PartImages = (
  row: Pick<Container, 'image' | 'registry_id'>,
  policy: string | null,
) => ReturnType<ManagerContext['images']['ensureForRow']>;

/** The capsule's image checks (or pulls), one per image and policy, shared by the parts using it. */
function partImages(ctx: ManagerContext): PartImages {
  const seen = new Map<string, ReturnType<PartImages>>();
  return (row, policy) => {
    const key = JSON.stringify([row.image, row.registry_id, policy]);
    let found = seen.get(key);
    if (!found) {
      found = ctx.images.ensureForRow(row, policy);
      seen.set(key, found);
    }
    return found;
  };
}

/** The part's image, then its engine container in the sandbox's namespaces. */
async function makePart(
  ctx: ManagerContext,
  capsule: Container,
  part: Container,
  sandboxId: string,
  volumes: Map<string, string>,
  images: PartImages,
): Promise<string> {
  const { ref, inspect: image } = await images(part, part.image_pull_policy);
  const id = await ctx.engine.createContainer(
    partSpec(ctx, capsule, part, ref, sandboxId, partMounts(part, volumes)),
  );
  await part.update({
    container_id: id,
    mounts: part.mounts,
    command: part.command?.length ? part.command : asList(image.Config?.Cmd),
    entrypoint: part.entrypoint?.length ? part.entrypoint : asList(image.Config?.Entrypoint),
  });
  return id;
}

/**
 * Starts an init container and waits on the engine for its exit. A capsule delete queued
 * meanwhile ends the wait (the delete runs after this task, which would otherwise wait as long
 * as the init container runs).
 */
async function runToCompletion(
  ctx: ManagerContext,
  capsule: Container,
  init: Container,
  id: string,
): Promise<number> {
  await ctx.engine.startContainer(id);
  const exit = ctx.engine.waitContainer(id);
  exit.catch(() => undefined);
  for (;;) {
    const code = await Promise.race([exit, sleep(DELETE_CHECK_MS).then(() => null)]);
    if (code !== null) return code;
    const deleting = await ComputeTask.count({
      where: { container_uuid: capsule.uuid, action: 'delete', state: 'pending' },
    });
    if (deleting) {
      throw new CapsuleStepError(
        `The capsule was deleted while init container ${init.name ?? init.uuid} was running`,
      );
    }
  }
}

/** The init container's row from the engine, with its exit code as the reason when it failed. */
async function settleInit(ctx: ManagerContext, init: Container, id: string, code: number): Promise<void> {
  const info = await ctx.engine.inspectContainer(id);
  if (info) await applyInspect(init, info, { task_state: null });
  if (code !== 0) await init.update({ status_reason: `Exited with code ${code}` });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
