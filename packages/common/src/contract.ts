import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { timingSafeEqual, createHash } from 'node:crypto';
import { currentRequestId } from './request-context';
import { RemoteError, ServiceUnavailableError, ZunError, type CauseLink } from './errors';

/**
 * The API <-> compute agent contract.
 *
 * Mutating work (create/start/stop/delete) is durable: the API writes a row in
 * compute_tasks in the same transaction as the container change and its audit row, plus a
 * NOTIFY on TASK_CHANNEL with the host name, which PostgreSQL delivers only if that
 * transaction commits. Agents LISTEN and drain their pending tasks at once; an agent that is
 * down finds them when it starts (and polls as a safety net), so nothing acknowledged to a
 * user is lost. Read-type calls (logs, top, stats, archives) are synchronous HTTP requests to the agent, carrying
 * the service credential and the request id of the active context (./request-context.ts).
 *
 * Image pulls (/v1/images) are durable through their record instead: the API writes the image
 * row (status Pulling) for the host and then tells the agent (POST /v1/images/{uuid}/pull,
 * answered before the pull ends); an agent that missed it finds the row at its next start or
 * reconcile. Removing an image is a synchronous call (DELETE /v1/images/{uuid}).
 */
export const TASK_CHANNEL = 'zun_compute_tasks';
/**
 * A trigger on the containers table (migration 011) notifies here on every committed row
 * change, payload {@link ContainerChange}; zun-api streams them to web consoles.
 */
export const CONTAINER_EVENTS_CHANNEL = 'zun_container_events';
export interface ContainerChange {
  op: 'insert' | 'update' | 'delete';
  uuid: string;
  project_id: string;
  /** CONTAINER_TYPE: capsules and their parts are not containers to /v1/containers. */
  container_type: number;
  /** The capsule a member or init container belongs to; null for anything else. */
  capsule_id: string | null;
  /**
   * The row as the change left it (to_jsonb: dates as ISO strings), on an insert or update
   * whose row fits in a notification; absent otherwise.
   */
  row?: Record<string, unknown>;
}
export const COMPUTE_BINARY = 'zun-compute';
export const SERVICE_TOKEN_HEADER = 'x-zun-service-token';
export const REQUEST_ID_HEADER = 'x-openstack-request-id';
/** Docker label keys that mark a container as ours. */
export const LABEL_MANAGED = 'org.openstack.zun.managed';
export const LABEL_UUID = 'org.openstack.zun.uuid';
export const LABEL_PROJECT = 'org.openstack.zun.project';
export const LABEL_HOST = 'org.openstack.zun.host';
/** On Docker networks and volumes: the project-scoped name the tenant uses. */
export const LABEL_NETWORK = 'org.openstack.zun.network';
export const LABEL_VOLUME = 'org.openstack.zun.volume';
/** On a capsule's engine containers and volumes: the capsule (its sandbox row's uuid). */
export const LABEL_CAPSULE = 'org.openstack.zun.capsule';
export const dockerName = (uuid: string): string => `zun-${uuid}`;

/**
 * A mount as the API validated it (see packages/api/src/controllers/containers/mounts.ts):
 * a named project volume, a new volume living as long as the container, or file content
 * (base64) the agent writes to a file of its own and bind-mounts. Never a host path.
 */
export type MountRequest =
  | { type: 'volume'; name: string; destination: string }
  | { type: 'volume'; name: null; size: number; destination: string }
  | { type: 'bind'; content: string; destination: string };

export interface CreateTaskParams {
  run: boolean;
  /** Project network names, primary first; absent means the project's default network. */
  nets?: string[];
  mounts?: MountRequest[];
}
export interface NetworkTaskParams {
  /** Project network name. */
  network: string;
}
export interface StopTaskParams {
  timeout: number | null;
}
export interface DeleteTaskParams {
  force: boolean;
  stop: boolean;
}
export interface CommitTaskParams {
  /** Full repository, registry host included when the image is to be pushed there. */
  repository: string;
  tag: string;
  /**
   * The project registry (uuid) whose credentials the push uses; null or absent: the default
   * registry's credentials when the host is the default registry, else none.
   */
  registry_id?: string | null;
  /** The id the API handed to the client; set as LABEL_IMAGE_UUID on the committed image. */
  image_uuid: string;
  /**
   * Set for a container of the glance image driver: the Glance image (queued, made by the API)
   * that receives the committed image's `docker save`, instead of a tag and a push.
   */
  glance_image_id?: string;
}
export interface RebootTaskParams {
  timeout: number | null;
}
export interface KillTaskParams {
  /** Canonical `SIGXXX` name (validated by the API), or null for Docker's default (SIGKILL). */
  signal: string | null;
}
export interface RebuildTaskParams {
  /** Start the new Docker container: the container was Running when the rebuild was asked. */
  run: boolean;
  /** The image fields before the request, put back if the rebuild fails with the old container intact. */
  previous?: { image: string; image_driver: string | null };
}
export interface TaskParamsByAction {
  create: CreateTaskParams;
  start: Record<string, never>;
  stop: StopTaskParams;
  delete: DeleteTaskParams;
  commit: CommitTaskParams;
  network_attach: NetworkTaskParams;
  network_detach: NetworkTaskParams;
  reboot: RebootTaskParams;
  pause: Record<string, never>;
  unpause: Record<string, never>;
  kill: KillTaskParams;
  rebuild: RebuildTaskParams;
}
export type TaskAction = keyof TaskParamsByAction;
export const TASK_ACTIONS: readonly TaskAction[] = [
  'create',
  'start',
  'stop',
  'delete',
  'commit',
  'network_attach',
  'network_detach',
  'reboot',
  'pause',
  'unpause',
  'kill',
  'rebuild',
];

/** Label carrying the uuid returned by POST /containers/{id}/commit on the image it produced. */
export const LABEL_IMAGE_UUID = 'org.openstack.zun.image.uuid';
/** Largest tar archive accepted or produced by get_archive/put_archive (bytes). */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;

/** Docker's `top` result, passed through unchanged (containers.md §8.12). */
export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** `zun stats` keys, exactly as Zun names them (containers.md §8.15). */
export interface StatsResult {
  CONTAINER: string;
  'CPU %': number;
  'MEM USAGE(MiB)': number;
  'MEM LIMIT(MiB)': number;
  'MEM %': number;
  'BLOCK I/O(B)': string;
  'NET I/O(B)': string;
}

/** Docker's decoded X-Docker-Container-Path-Stat header. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface ArchiveResult {
  /** The tar archive, base64 (the agent's wire form; the API re-encodes per microversion). */
  data: string;
  stat: PathStat;
}

/**
 * A live resource change (PATCH cpu/memory). Synchronous, because the client prints the
 * updated container: the agent checks its host's capacity, applies the limits to the running
 * Docker container and records the new claim and values, or refuses with nothing changed.
 */
export interface UpdateResourcesRequest {
  cpu: number | null;
  memory: string | null;
}

export interface LogsQuery {
  stdout: boolean;
  stderr: boolean;
  timestamps: boolean;
  tail: number | 'all';
  since: number | null;
  /**
   * Our extension (Zun has none): keep the answer open and pass on new output as the container
   * writes it, until the container stops or the caller goes away.
   */
  follow?: boolean;
}

/** POST /v1/claims on an agent: what the API asks the chosen host to hold for a new container. */
export interface ClaimRequest {
  container_uuid: string;
  cpu: number;
  memory: number;
  disk: number;
  /** 'dedicated': the host pins whole CPUs of one NUMA node (refused where pinning is off). */
  cpu_policy?: 'shared' | 'dedicated';
  /**
   * Take the container's 'held' create task with the claim, in the same statement, and run it
   * at once: the API records a create before claiming, and this spares the agent the wait for
   * PostgreSQL's notification and a drain of its queue.
   */
  take_task?: boolean;
}

export interface HostUsage {
  cpu: number;
  memory: number;
  disk: number;
}

/** The agent's answer (201 claimed, 409 refused), with its authoritative usage and limits. */
export interface ClaimAnswer {
  claimed: boolean;
  /**
   * With `take_task`: whether the held create was taken (and runs). An agent from before
   * `take_task` does not send it: the API then queues the task for the agent's drain.
   */
  task_taken?: boolean;
  reason: string | null;
  usage: HostUsage;
  limits: HostUsage;
}

export interface ExecRequest {
  command: string[];
  run: boolean;
  interactive: boolean;
}
export interface ExecResult {
  output: string | null;
  exit_code: number | null;
  exec_id: string | null;
}

/**
 * An agent's error answer. `cause` names what failed inside the agent (the original error and
 * its own causes, e.g. the engine's status), so the API can log it beside its own error.
 */
export interface AgentErrorBody {
  error: { status: number; code: string; message: string; cause?: CauseLink[] };
}

/** The agent's answer as the cause of the error the API raises (with the agent's causes below it). */
function agentCause(
  endpoint: string,
  httpStatus: number,
  e: AgentErrorBody['error'] | undefined,
): RemoteError {
  let below: Error | undefined;
  for (const link of [...(e?.cause ?? [])].reverse()) {
    below = new RemoteError(endpoint, link.status ?? 0, String(link.code ?? ''), link.message, {
      cause: below,
    });
    below.name = link.name;
  }
  return new RemoteError(
    endpoint,
    e?.status ?? httpStatus,
    e?.code ?? '',
    e?.message ?? `compute agent answered ${httpStatus}`,
    { cause: below },
  );
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

  /** The container's logs as a text stream from its host (a chunk at a time, never the whole log). */
  async logs(endpoint: string, uuid: string, q: LogsQuery): Promise<Readable> {
    const qs = new URLSearchParams({
      stdout: String(q.stdout),
      stderr: String(q.stderr),
      timestamps: String(q.timestamps),
      tail: String(q.tail),
    });
    if (q.since !== null) qs.set('since', String(q.since));
    if (q.follow) {
      qs.set('follow', 'true');
      return this.follow(endpoint, `/v1/containers/${uuid}/logs?${qs}`);
    }
    // Destroying the stream we return aborts the request: the agent then sees its caller go
    // and closes the engine's stream (a followed log would otherwise stay open on the host).
    const abort = new AbortController();
    const res = await this.send(endpoint, 'GET', `/v1/containers/${uuid}/logs?${qs}`, {
      // The whole read may take long for a large log; only the start of the answer is timed.
      timeoutMs: this.timeoutMs,
      stream: true,
      signal: abort.signal,
    });
    if (!res.ok) this.fail(endpoint, res.status, await res.json().catch(() => null));
    if (!res.body) return Readable.from([]);
    const out = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    out.once('close', () => abort.abort());
    return out;
  }

  /**
   * Asks the host to hold resources for a container. A refusal is an answer, not an error; an
   * agent that is unreachable, or answers 503 (starting or shutting down), throws
   * ServiceUnavailableError.
   */
  async claim(endpoint: string, claim: ClaimRequest): Promise<ClaimAnswer> {
    return (await this.request(endpoint, 'POST', '/v1/claims', {
      body: claim,
      accept: [409],
      timeoutMs: 10_000,
    })) as ClaimAnswer;
  }

  async releaseClaim(endpoint: string, uuid: string): Promise<void> {
    await this.request(endpoint, 'DELETE', `/v1/claims/${uuid}`);
  }

  async top(endpoint: string, uuid: string, psArgs: string | null): Promise<TopResult> {
    const qs = psArgs === null ? '' : `?${new URLSearchParams({ ps_args: psArgs })}`;
    return (await this.request(endpoint, 'GET', `/v1/containers/${uuid}/top${qs}`)) as TopResult;
  }

  async stats(endpoint: string, uuid: string): Promise<StatsResult> {
    return (await this.request(endpoint, 'GET', `/v1/containers/${uuid}/stats`)) as StatsResult;
  }

  async getArchive(endpoint: string, uuid: string, path: string): Promise<ArchiveResult> {
    const qs = new URLSearchParams({ path });
    return (await this.request(endpoint, 'GET', `/v1/containers/${uuid}/get_archive?${qs}`)) as ArchiveResult;
  }

  /** Sends the tar as raw bytes: the API has already decoded and checked it. */
  async putArchive(endpoint: string, uuid: string, path: string, tar: Buffer): Promise<void> {
    const qs = new URLSearchParams({ path });
    await this.request(endpoint, 'PUT', `/v1/containers/${uuid}/put_archive?${qs}`, { raw: tar });
  }

  async updateResources(endpoint: string, uuid: string, change: UpdateResourcesRequest): Promise<void> {
    await this.request(endpoint, 'POST', `/v1/containers/${uuid}/update`, { body: change });
  }

  /** Runs (run=true) or only creates (run=false) an exec in the container. */
  async execute(endpoint: string, uuid: string, req: ExecRequest): Promise<ExecResult> {
    return (await this.request(endpoint, 'POST', `/v1/containers/${uuid}/execute`, {
      body: req,
    })) as ExecResult;
  }

  /** Resizes the container's TTY (execId null) or an exec's TTY. */
  async resize(
    endpoint: string,
    uuid: string,
    execId: string | null,
    size: { w: number; h: number },
  ): Promise<void> {
    const path = execId ? `/v1/containers/${uuid}/exec/${execId}/resize` : `/v1/containers/${uuid}/resize`;
    await this.request(endpoint, 'POST', path, { body: size });
  }

  /** Tells the host to pull the image record `uuid` (status Pulling); answered before the pull ends. */
  async pullImage(endpoint: string, uuid: string): Promise<void> {
    await this.request(endpoint, 'POST', `/v1/images/${uuid}/pull`, { timeoutMs: 10_000 });
  }

  /** Removes the record's image from the host (not forced: an image a container uses is a 409). */
  async removeImage(endpoint: string, uuid: string): Promise<void> {
    await this.request(endpoint, 'DELETE', `/v1/images/${uuid}`);
  }

  private async request(
    endpoint: string,
    method: string,
    path: string,
    opts: { body?: unknown; raw?: Buffer; accept?: number[]; timeoutMs?: number } = {},
  ): Promise<unknown> {
    const res = await this.send(endpoint, method, path, opts);
    if (res.status === 204) return null;
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok && !opts.accept?.includes(res.status)) this.fail(endpoint, res.status, body);
    return body;
  }

  private async send(
    endpoint: string,
    method: string,
    path: string,
    opts: { body?: unknown; raw?: Buffer; timeoutMs?: number; stream?: boolean; signal?: AbortSignal },
  ): Promise<Response> {
    const headers: Record<string, string> = { [SERVICE_TOKEN_HEADER]: this.serviceToken };
    const requestId = currentRequestId();
    if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.raw !== undefined) headers['content-type'] = 'application/x-tar';
    // A stream's reader may take its time: its timer stops once the answer has begun.
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`no answer within ${opts.timeoutMs ?? this.timeoutMs} ms`)),
      opts.timeoutMs ?? this.timeoutMs,
    );
    try {
      return await fetch(new URL(path, endpoint), {
        method,
        headers,
        body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
        signal: opts.signal ? AbortSignal.any([abort.signal, opts.signal]) : abort.signal,
      });
    } catch (err) {
      throw new ServiceUnavailableError(
        `Compute agent at ${endpoint} is unreachable: ${(err as Error).message}`,
        { cause: err },
      );
    } finally {
      if (opts.stream) clearTimeout(timer);
      else timer.unref();
    }
  }

  /**
   * A followed log, through node:http rather than fetch: fetch gives up on a body that is quiet
   * for 5 minutes, and a followed container may well print nothing for longer. Only the start
   * of the answer is timed. Destroying the stream closes the connection, so the agent sees its
   * caller go and closes the engine's stream.
   */
  private follow(endpoint: string, path: string): Promise<Readable> {
    const url = new URL(path, endpoint);
    const headers: Record<string, string> = { [SERVICE_TOKEN_HEADER]: this.serviceToken };
    const requestId = currentRequestId();
    if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
    return new Promise<Readable>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).get(url, { headers }, (res) => {
        clearTimeout(timer);
        if (res.statusCode === 200) {
          resolve(res);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', reject);
        res.once('end', () => {
          let body: unknown = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // not JSON: the status alone says what failed
          }
          try {
            this.fail(endpoint, res.statusCode ?? 0, body);
          } catch (err) {
            reject(err);
          }
        });
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new ServiceUnavailableError(`Compute agent at ${endpoint} is unreachable: ${err.message}`, {
            cause: err,
          }),
        );
      });
    });
  }

  private fail(endpoint: string, status: number, body: unknown): never {
    const e = (body as AgentErrorBody | null)?.error;
    const cause = agentCause(endpoint, status, e);
    // An agent still starting or shutting down cannot serve now, like one that cannot be reached.
    if (status === 503)
      throw new ServiceUnavailableError(
        `Compute agent at ${endpoint} is unavailable: ${e?.message ?? 'service unavailable'}`,
        { cause },
      );
    throw new ZunError(cause.message, cause.status, cause.code, { cause });
  }
}
