import { Readable } from 'node:stream';
import {
  InvalidStateError,
  isActionAllowed,
  ServiceUnavailableError,
  type Container,
  type LogsQuery,
} from '@zun/common';
import type { ComputeDeps } from '../deps';
import { agentEndpoint } from '../dispatch';

/** GET /v1/containers/{id}/logs: a synchronous read from the container's host, streamed. */
export async function containerLogs(deps: ComputeDeps, c: Container, q: LogsQuery): Promise<Readable> {
  if (!isActionAllowed('logs', c.status)) throw new InvalidStateError('logs', c.uuid, c.status);
  if (!c.host || !c.container_id) return Readable.from([]);
  const endpoint = await agentEndpoint(c.host);
  if (!endpoint) throw new ServiceUnavailableError(`Compute host ${c.host} has no registered endpoint.`);
  return deps.agents.logs(endpoint, c.uuid, q);
}
