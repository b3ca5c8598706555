import { randomUUID } from 'node:crypto';
import { Op, UniqueConstraintError } from 'sequelize';
import {
  ComputeNode,
  ConflictError,
  Image,
  ImageStatus,
  InputError,
  parseImageReference,
  trimRegistryDomain,
} from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { agentEndpoint } from '../dispatch';

/**
 * POST /v1/images: records the image for the host (status Pulling) and tells the host's agent,
 * which pulls it (policy always) and writes `image_id` and `size`, or the reason it failed. An
 * agent that cannot be told now takes the record up when it comes back. The same repo:tag on
 * the same host is a 409, unless its last pull failed: then it is pulled again.
 */
export async function pullImage(
  deps: ComputeDeps,
  ctx: RequestContext,
  image: string,
  hostIdent: string,
): Promise<Image> {
  const { repo, tag } = normalisedName(image, deps.config.docker.defaultRegistry);
  const host = await computeHost(hostIdent);
  let row = await Image.findOne({ where: { repo, tag, host } });
  if (row && row.status !== ImageStatus.Error) {
    throw new ConflictError(
      `An image with repo ${repo}, tag ${tag} already exists on host ${host}.`,
      'image-already-exists',
    );
  }
  try {
    row = row
      ? await row.update({ status: ImageStatus.Pulling, status_reason: null })
      : await Image.create({
          uuid: randomUUID(),
          project_id: ctx.projectId,
          user_id: ctx.userId,
          repo,
          tag,
          host,
          status: ImageStatus.Pulling,
        });
  } catch (err) {
    if (err instanceof UniqueConstraintError) {
      throw new ConflictError(
        `An image with repo ${repo}, tag ${tag} already exists on host ${host}.`,
        'image-already-exists',
      );
    }
    throw err;
  }
  const endpoint = await agentEndpoint(host);
  if (endpoint) {
    await deps.agents.pullImage(endpoint, row.uuid).catch((err: unknown) => {
      deps.logger.warn('the host will pull the image when its agent is back', {
        image: row?.uuid,
        host,
        reason: (err as Error).message,
      });
    });
  }
  return row;
}

/**
 * `name[:tag]` as the engine will pull it: the registry host of `[docker] default_registry`
 * put in front of a name without one, `latest` when no tag is given. Digests are refused: a
 * record is a name on a host.
 */
export function normalisedName(image: string, defaultRegistry: string): { repo: string; tag: string } {
  const ref = parseImageReference(image.trim());
  if (ref.digest !== null) throw new InputError(`Pull ${image} by name and tag, not by digest.`);
  if (
    !ref.repository ||
    /[^a-z0-9._/-]/.test(ref.repository) ||
    (ref.tag !== null && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(ref.tag))
  ) {
    throw new InputError(
      `Invalid image name ${image}: use [registry[:port]/]name[:tag] with a lower-case name.`,
    );
  }
  const registry = ref.registry ?? (trimRegistryDomain(defaultRegistry) || null);
  return { repo: registry ? `${registry}/${ref.repository}` : ref.repository, tag: ref.tag ?? 'latest' };
}

/** The compute host by node uuid or host name; an unknown one is a 400, as upstream answers. */
async function computeHost(ident: string): Promise<string> {
  const nodes = await ComputeNode.findAll({
    where: { [Op.or]: [{ uuid: ident }, { hostname: ident }] },
    attributes: ['hostname'],
    limit: 2,
  });
  if (nodes.length === 0) throw new InputError(`Compute host ${ident} could not be found.`, 'invalid-value');
  if (nodes.length > 1) throw new ConflictError(`Multiple compute hosts match ${ident}; use the uuid.`);
  return nodes[0].hostname;
}
