import { InvalidStateError, isActionAllowed, ServiceUnavailableError, type Container } from '@zun/common';
import type { ComputeDeps } from '../deps';
import { agentEndpoint } from '../dispatch';
import { checkQuota } from '../quotas';
import { hostOf } from './start-stop';

/** A validated PATCH body (containers.md §6): only the keys given are changed. */
export interface UpdateChange {
  name?: string;
  cpu?: number;
  memory?: string;
  autoHeal?: boolean;
}

/**
 * PATCH /v1/containers/{id}. cpu/memory are applied live by the container's host,
 * synchronously (the client prints the result): the host checks its capacity and resizes
 * its claim, or refuses and nothing changes. The other fields are plain record changes,
 * written only once the resources (if any) have been changed.
 */
export async function updateContainer(
  deps: ComputeDeps,
  c: Container,
  change: UpdateChange,
): Promise<Container> {
  if (!isActionAllowed('update', c.status)) throw new InvalidStateError('update', c.uuid, c.status);
  if (change.cpu !== undefined || change.memory !== undefined) {
    const host = hostOf(c);
    const endpoint = await agentEndpoint(host);
    if (!endpoint) throw new ServiceUnavailableError(`Compute host ${host} has no registered endpoint.`);
    // The project's quota lock is held until the host has answered, so two resizes of one
    // project (in any zun-api process) cannot both pass the check.
    await deps.sequelize.transaction(async (t) => {
      await checkQuota(
        deps.sequelize,
        deps.config,
        c.project_id,
        {
          cpu: change.cpu !== undefined ? change.cpu - (c.cpu ?? 0) : 0,
          memory: change.memory !== undefined ? Number(change.memory) - Number(c.memory ?? 0) : 0,
        },
        { transaction: t },
      );
      await deps.agents.updateResources(endpoint, c.uuid, {
        cpu: change.cpu ?? null,
        memory: change.memory ?? null,
      });
    });
    await c.reload();
  }
  const fields: Partial<Pick<Container, 'name' | 'auto_heal'>> = {};
  if (change.name !== undefined) fields.name = change.name;
  if (change.autoHeal !== undefined) fields.auto_heal = change.autoHeal;
  if (Object.keys(fields).length) await c.update(fields);
  return c;
}
