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

  private async request(
    endpoint: string,
    method: string,
    path: string,
    requestId: string,
    timeoutMs = this.timeoutMs,
  ): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(new URL(path, endpoint), {
        method,
        headers: { [SERVICE_TOKEN_HEADER]: this.serviceToken, [REQUEST_ID_HEADER]: requestId },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ServiceUnavailableError(
        `Compute agent at ${endpoint} is unreachable: ${(err as Error).message}`,
      );
    }
    if (res.status === 204) return null;
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
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
