import {
  InputError,
  InvalidStateError,
  ServiceUnavailableError,
  isActionAllowed,
  issueWebsocketToken,
  websocketUrl,
  type Container,
  type ContainerActionKey,
} from '@zun/common';
import type { ComputeDeps } from '../deps';
import { agentEndpoint } from '../dispatch';

/**
 * Interactive verbs (containers.md §8.8–8.11): synchronous calls to the container's host, and
 * single-use tokens for zun-wsproxy bound to the container (and exec) and the caller's project.
 */
async function hostEndpoint(c: Container, action: ContainerActionKey): Promise<string> {
  if (!isActionAllowed(action, c.status)) throw new InvalidStateError(action, c.uuid, c.status);
  if (!c.host || !c.container_id) {
    throw new InputError(`Container ${c.uuid} has no engine container on a compute host.`);
  }
  const endpoint = await agentEndpoint(c.host);
  if (!endpoint) throw new ServiceUnavailableError(`Compute host ${c.host} has no registered endpoint.`);
  return endpoint;
}

/** GET …/attach: the proxy URL with a fresh token; only containers created interactive. */
export async function attachUrl(deps: ComputeDeps, c: Container): Promise<string> {
  if (!isActionAllowed('attach', c.status)) throw new InvalidStateError('attach', c.uuid, c.status);
  if (!c.interactive) {
    throw new InputError(
      `Container ${c.uuid} was not created with the interactive flag; it cannot be attached to.`,
      'no-interactive-flag',
    );
  }
  await hostEndpoint(c, 'attach');
  const ws = deps.config.websocketProxy;
  const token = await issueWebsocketToken(
    { containerUuid: c.uuid, projectId: c.project_id, execId: null },
    ws.tokenTtl,
  );
  return websocketUrl(ws.baseUrl, token, c.uuid, null);
}

export async function resizeTty(
  deps: ComputeDeps,
  c: Container,
  execId: string | null,
  size: { w: number; h: number },
): Promise<void> {
  const endpoint = await hostEndpoint(c, execId ? 'execute_resize' : 'resize');
  await deps.agents.resize(endpoint, c.uuid, execId, size);
}

export interface ExecuteResponse {
  output: string | null;
  exit_code: number | null;
  exec_id: string | null;
  proxy_url: string | null;
}

/** POST …/execute: run and collect output, or create an exec for an interactive session. */
export async function executeCommand(
  deps: ComputeDeps,
  c: Container,
  command: string[],
  run: boolean,
  interactive: boolean,
): Promise<ExecuteResponse> {
  const endpoint = await hostEndpoint(c, 'execute');
  const r = await deps.agents.execute(endpoint, c.uuid, { command, run, interactive });
  if (run || !r.exec_id) return { output: r.output, exit_code: r.exit_code, exec_id: null, proxy_url: null };
  const ws = deps.config.websocketProxy;
  const token = await issueWebsocketToken(
    { containerUuid: c.uuid, projectId: c.project_id, execId: r.exec_id },
    ws.tokenTtl,
  );
  return {
    output: null,
    exit_code: null,
    exec_id: r.exec_id,
    proxy_url: websocketUrl(ws.baseUrl, token, c.uuid, r.exec_id),
  };
}
