import { randomUUID } from 'node:crypto';
import {
  GlanceError,
  InputError,
  InvalidStateError,
  ServiceUnavailableError,
  TaskState,
  isActionAllowed,
  type Container,
  type GlanceImage,
} from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';
import { resolveCommitPlace } from '../commit-target';

/** Docker's grammar: optional registry host[:port], then lower-case path components. */
const REPOSITORY =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * The repository and tag as the user meant them. python-zunclient splits `REPO[:TAG]` on every
 * ':' and sends only the first two parts, so `127.0.0.1:5000/foo` arrives as repository
 * `127.0.0.1` + tag `5000/foo`. A tag can never hold '/', so such a pair is joined back into
 * the registry reference (the tag after a second ':' is lost by the client; `latest` is used).
 */
export function commitTarget(
  repository: string,
  tag: string | undefined,
): { repository: string; tag: string } {
  let repo = repository;
  let t = tag ?? 'latest';
  if (tag !== undefined && tag.includes('/')) {
    repo = `${repository}:${tag}`;
    t = 'latest';
  }
  if (!REPOSITORY.test(repo) || repo.length > 255) {
    throw new InputError(
      `Invalid repository "${repo}": use [registry[:port]/]name with lower-case letters, digits and separators.`,
    );
  }
  if (!TAG.test(t)) throw new InputError(`Invalid tag "${t}".`);
  return { repository: repo, tag: t };
}

/**
 * POST /v1/containers/{id}/commit?repository=&tag=: accepted at once (202) with the id the new
 * image will carry; the host commits (pausing a running container meanwhile) and pushes to the
 * registry named in the repository, if any, as a durable task recorded as action `commit`.
 * Only the project's own repositories are accepted (see resolveCommitPlace), before anything
 * is queued.
 *
 * A container of the glance image driver commits into Glance instead: the Glance image record
 * (named `repository`, container format docker, owned by the container's project) is made here
 * and its id is the answer; the host uploads the image's data in the background, with task
 * state image_uploading on the container until it is done. No engine name and no registry is
 * written for it, so the repository rules above do not apply.
 */
export async function commitContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  repository: string,
  tag: string | undefined,
): Promise<{ uuid: string }> {
  const target = commitTarget(repository, tag);
  const toRegistry = c.image_driver === 'glance' ? null : await registryParams(deps, ctx, c, target);
  if (!isActionAllowed('commit', c.status)) throw new InvalidStateError('commit', c.uuid, c.status);
  if (!c.host || !c.container_id) {
    throw new InputError(`Container ${c.uuid} has no Docker container yet.`, 'invalid');
  }
  const host = c.host;
  const glanceImage = toRegistry ? null : await createGlanceImage(deps, c, target);
  const imageUuid = glanceImage?.id ?? randomUUID();
  const params = toRegistry
    ? { ...toRegistry, image_uuid: imageUuid }
    : { ...target, image_uuid: imageUuid, glance_image_id: glanceImage?.id };
  try {
    await deps.sequelize.transaction(async (t) => {
      // Commit has no task state of its own (except into Glance): it is refused while another
      // verb is in progress.
      await acceptVerb(t, c, 'commit', { taskState: glanceImage ? TaskState.ImageUploading : null });
      await recordAndQueue(t, c, host, 'commit', params, ctx);
    });
  } catch (err) {
    // Refused (another verb in progress, say): the empty Glance image would only mislead.
    if (glanceImage) await deps.glance?.deleteImage(glanceImage.id).catch(() => undefined);
    throw err;
  }
  return { uuid: imageUuid };
}

/** Where a registry commit goes: only the project's own repositories (see resolveCommitPlace). */
async function registryParams(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  target: { repository: string; tag: string },
): Promise<{ repository: string; tag: string; registry_id: string | null }> {
  const place = await resolveCommitPlace(deps.config, ctx, c, target.repository);
  return { repository: place.repository, tag: target.tag, registry_id: place.registryId };
}

async function createGlanceImage(
  deps: ComputeDeps,
  c: Container,
  target: { repository: string; tag: string },
): Promise<GlanceImage> {
  if (!deps.glance) {
    throw new InputError(
      'The glance image driver is not enabled on this deployment ([glance] auth_url is not set).',
    );
  }
  try {
    return await deps.glance.createImage({
      name: target.repository,
      owner: c.project_id,
      container_format: 'docker',
      disk_format: 'raw',
      properties: { zun_container: c.uuid, zun_tag: target.tag },
    });
  } catch (err) {
    if (err instanceof GlanceError) {
      throw new ServiceUnavailableError(`Cannot create the image in Glance: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
