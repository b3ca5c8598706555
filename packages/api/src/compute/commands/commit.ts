import { randomUUID } from 'node:crypto';
import { InputError, InvalidStateError, isActionAllowed, type Container } from '@zun/common';
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
 */
export async function commitContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  repository: string,
  tag: string | undefined,
): Promise<{ uuid: string }> {
  const target = commitTarget(repository, tag);
  const place = await resolveCommitPlace(deps.config, ctx, c, target.repository);
  if (!isActionAllowed('commit', c.status)) throw new InvalidStateError('commit', c.uuid, c.status);
  if (!c.host || !c.container_id) {
    throw new InputError(`Container ${c.uuid} has no Docker container yet.`, 'invalid');
  }
  const host = c.host;
  const imageUuid = randomUUID();
  await deps.sequelize.transaction(async (t) => {
    // Commit has no task state of its own: it is refused while another verb is in progress.
    await acceptVerb(t, c, 'commit', { taskState: null });
    const params = {
      repository: place.repository,
      tag: target.tag,
      registry_id: place.registryId,
      image_uuid: imageUuid,
    };
    await recordAndQueue(t, c, host, 'commit', params, ctx);
  });
  return { uuid: imageUuid };
}
