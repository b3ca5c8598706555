import { timingSafeEqual, createHash } from 'node:crypto';
import { ServiceUnavailableError, ZunError } from './errors';

/**
 * The API <-> compute agent contract.
 *
 * Mutating work (create/start/stop/delete) is durable: the API writes a row in
 * compute_tasks in the same transaction as the container change and its audit row, plus a
 * NOTIFY on TASK_CHANNEL with the host name, which PostgreSQL delivers only if that
 * transaction commits. Agents LISTEN and drain their pending tasks at once; an agent that is
 * down finds them when it starts (and polls as a safety net), so nothing acknowledged to a
 * user is lost. Read-type calls (logs) are synchronous HTTP requests to the agent, carrying
 * the service credential and the request id.
 */
export const TASK_CHANNEL = 'zun_compute_tasks';
export const COMPUTE_BINARY = 'zun-compute';
export const SERVICE_TOKEN_HEADER = 'x-zun-service-token';
export const REQUEST_ID_HEADER = 'x-openstack-request-id';
/** Docker label keys that mark a container as ours. */
export const LABEL_MANAGED = 'org.openstack.zun.managed';
export const LABEL_UUID = 'org.openstack.zun.uuid';
export const LABEL_PROJECT = 'org.openstack.zun.project';
export const LABEL_HOST = 'org.openstack.zun.host';
export const dockerName = (uuid: string): string => `zun-${uuid}`;

export interface CreateTaskParams {
  run: boolean;
}
export interface StopTaskParams {
  timeout: number | null;
}
export interface DeleteTaskParams {
  force: boolean;
  stop: boolean;
}
export interface TaskParamsByAction {
  create: CreateTaskParams;
  start: Record<string, never>;
  stop: StopTaskParams;
  delete: DeleteTaskParams;
}
export type TaskAction = keyof TaskParamsByAction;
export const TASK_ACTIONS: readonly TaskAction[] = ['create', 'start', 'stop', 'delete'];

export interface LogsQuery {
  stdout: boolean;
  stderr: boolean;
  timestamps: boolean;
  tail: number | 'all';
  since: number | null;
}

/** POST /v1/claims on an agent: what the API asks the chosen host to hold for a new container. */
export interface ClaimRequest {
  container_uuid: string;
  cpu: number;
  memory: number;
  disk: number;
}

export interface HostUsage {
  cpu: number;
  memory: number;
  disk: number;
}

/** The agent's answer (201 claimed, 409 refused), with its authoritative usage and limits. */
export interface ClaimAnswer {
  claimed: boolean;
  reason: string | null;
  usage: HostUsage;
  limits: HostUsage;
}

export interface AgentErrorBody {
  error: { status: number; code: string; message: string };
}

/** Constant-time comparison of a presented credential with the configured one. */
export function credentialMatches(presented: string | undefined, expected: string): boolean {
  if (!presented || !expected) return false;
  // Hash both so the comparison length never depends on the secret's length.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** HTTP client the API (and later the wsproxy) uses to reach a compute agent. */
export class ComputeAgentClient {
  constructor(
    private readonly serviceToken: string,
    private readonly timeoutMs = 60_000,
  ) {}

  async logs(endpoint: string, uuid: string, q: LogsQuery, requestId: string): Promise<string> {
    const qs = new URLSearchParams({
      stdout: String(q.stdout),
      stderr: String(q.stderr),
      timestamps: String(q.timestamps),
      tail: String(q.tail),
    });
    if (q.since !== null) qs.set('since', String(q.since));
    const body = (await this.request(endpoint, 'GET', `/v1/containers/${uuid}/logs?${qs}`, requestId)) as {
      logs: string;
    };
    return body.logs;
  }

  /**
   * Asks the host to hold resources for a container. A refusal is an answer, not an error; an
   * unreachable agent throws ServiceUnavailableError.
   */
  async claim(endpoint: string, claim: ClaimRequest, requestId: string): Promise<ClaimAnswer> {
    return (await this.request(endpoint, 'POST', '/v1/claims', requestId, {
      body: claim,
      accept: [409],
      timeoutMs: 10_000,
    })) as ClaimAnswer;
  }

  async releaseClaim(endpoint: string, uuid: string, requestId: string): Promise<void> {
    await this.request(endpoint, 'DELETE', `/v1/claims/${uuid}`, requestId);
  }

  private async request(
    endpoint: string,
    method: string,
    path: string,
    requestId: string,
    opts: { body?: unknown; accept?: number[]; timeoutMs?: number } = {},
  ): Promise<unknown> {
    let res: Response;
    const headers: Record<string, string> = {
      [SERVICE_TOKEN_HEADER]: this.serviceToken,
      [REQUEST_ID_HEADER]: requestId,
    };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    try {
      res = await fetch(new URL(path, endpoint), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs),
      });
    } catch (err) {
      throw new ServiceUnavailableError(
        `Compute agent at ${endpoint} is unreachable: ${(err as Error).message}`,
      );
    }
    if (res.status === 204) return null;
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok && !opts.accept?.includes(res.status)) {
      const e = (body as AgentErrorBody | null)?.error;
      throw new ZunError(
        e?.message ?? `compute agent answered ${res.status}`,
        e?.status ?? res.status,
        e?.code ?? '',
      );
    }
    return body;
  }
}
