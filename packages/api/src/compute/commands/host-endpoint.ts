import { InputError, ServiceUnavailableError, type Container } from '@zun/common';
import { agentEndpoint } from '../dispatch';

/** The agent endpoint of the host a synchronous call must reach (containers.md §9). */
export async function hostEndpoint(c: Container): Promise<string> {
  if (!c.host || !c.container_id) {
    throw new InputError(`Container ${c.uuid} has no Docker container yet.`, 'invalid');
  }
  const endpoint = await agentEndpoint(c.host);
  if (!endpoint) throw new ServiceUnavailableError(`Compute host ${c.host} has no registered endpoint.`);
  return endpoint;
}
