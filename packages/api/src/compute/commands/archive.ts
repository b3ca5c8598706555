import {
  InputError,
  InvalidStateError,
  isActionAllowed,
  MAX_ARCHIVE_BYTES,
  ZunError,
  type Container,
  type PathStat,
} from '@zun/common';
import type { ApiVersion } from '../../api-version';
import type { ComputeDeps } from '../deps';
import { hostEndpoint } from './host-endpoint';
import { archiveProblem } from './tar-check';

/** From 1.25 the archive travels as base64; before, as the raw bytes in a JSON string. */
const BASE64_FROM = '1.25';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function checkPath(path: string | undefined): string {
  if (path === undefined || path === '') throw new InputError('A path in the container is required.');
  if (path.length > 4096 || path.includes('\0'))
    throw new InputError(`Invalid path in the container: ${path}`);
  return path;
}

/** GET /v1/containers/{id}/get_archive?path=: a tar of the path and Docker's stat of it. */
export async function getArchive(
  deps: ComputeDeps,
  c: Container,
  path: string | undefined,
  version: ApiVersion,
): Promise<{ data: string; stat: PathStat }> {
  const p = checkPath(path);
  if (!isActionAllowed('get_archive', c.status)) throw new InvalidStateError('get_archive', c.uuid, c.status);
  const res = await deps.agents.getArchive(await hostEndpoint(c), c.uuid, p);
  if (version.atLeast(BASE64_FROM)) return res;
  // Old clients read the archive as text; only UTF-8-decodable archives survive (as upstream).
  return { data: Buffer.from(res.data, 'base64').toString('utf8'), stat: res.stat };
}

/** POST /v1/containers/{id}/put_archive?path= + {"data": <tar>}: extracts into an existing directory. */
export async function putArchive(
  deps: ComputeDeps,
  c: Container,
  path: string | undefined,
  data: unknown,
  version: ApiVersion,
): Promise<void> {
  const p = checkPath(path);
  if (typeof data !== 'string') throw new InputError("'data' must be a string holding a tar archive.");
  let tar: Buffer;
  if (version.atLeast(BASE64_FROM)) {
    const compact = data.replace(/\s+/g, '');
    if (!BASE64.test(compact)) throw new InputError('Invalid base64 file data.');
    tar = Buffer.from(compact, 'base64');
  } else {
    tar = Buffer.from(data, 'utf8');
  }
  if (tar.length > MAX_ARCHIVE_BYTES) {
    throw new ZunError(
      `The archive is larger than ${MAX_ARCHIVE_BYTES} bytes.`,
      413,
      'request-entity-too-large',
    );
  }
  const problem = archiveProblem(tar, MAX_ARCHIVE_BYTES);
  if (problem) throw new InputError(`'data' cannot be extracted: ${problem}.`);
  if (!isActionAllowed('put_archive', c.status)) throw new InvalidStateError('put_archive', c.uuid, c.status);
  await deps.agents.putArchive(await hostEndpoint(c), c.uuid, p, tar);
}
