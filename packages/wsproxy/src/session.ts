import { WebSocket, type RawData } from 'ws';
import {
  CloseCode,
  Container,
  COMPUTE_BINARY,
  REQUEST_ID_HEADER,
  SERVICE_TOKEN_HEADER,
  Service,
  agentAttachPath,
  agentExecPath,
  isActionAllowed,
  redeemWebsocketToken,
  type Logger,
} from '@zun/common';
import { EscapeDetector } from './escape';
import type { WsProxyMetrics } from './metrics';
import { Utf8Boundary } from './utf8';

export interface SessionConfig {
  serviceToken: string;
  maxPayload: number;
  logger: Logger;
  metrics?: WsProxyMetrics;
}

/** Bytes a client may type before its agent connection is open; more is refused. */
const MAX_EARLY_INPUT = 64 * 1024;
/** Above this many bytes queued towards the client, the agent connection is paused. */
const HIGH_WATER = 1 << 20;

class Refusal extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One client session: redeem the token, check it opens exactly this container (and exec) of
 * its project and that the container is running, then relay to the agent of the container's
 * host. Every refusal closes the socket with a code and a reason the user can read.
 */
export async function runSession(
  client: WebSocket,
  query: URLSearchParams,
  requestId: string,
  cfg: SessionConfig,
): Promise<void> {
  const early: Buffer[] = [];
  let earlyBytes = 0;
  let agent: WebSocket | null = null;
  let target: Target;
  const onEarly = (data: RawData) => {
    const buf = toBuffer(data);
    earlyBytes += buf.length;
    if (earlyBytes > MAX_EARLY_INPUT) client.close(1009, 'too much input before the session opened');
    else early.push(buf);
  };
  client.on('message', onEarly);

  try {
    target = await authorize(query);
    agent = await connectAgent(target, requestId, cfg);
  } catch (err) {
    const code = err instanceof Refusal ? err.code : 1011;
    const reason = err instanceof Refusal ? err.message : 'internal error';
    if (!(err instanceof Refusal))
      cfg.logger.error('session failed', { request_id: requestId, error: String(err) });
    else cfg.logger.info('session refused', { request_id: requestId, code, reason });
    cfg.metrics?.sessionRefused(code);
    if (client.readyState === WebSocket.OPEN) client.close(code, reason.slice(0, 120));
    return;
  }
  client.off('message', onEarly);
  if (client.readyState !== WebSocket.OPEN) {
    agent.terminate();
    return;
  }
  const about = { request_id: requestId, uuid: target.uuid, exec_id: target.execId ?? undefined };
  const opened = Date.now();
  const ended = cfg.metrics?.sessionStarted();
  cfg.logger.info('session opened', about);
  relay(client, agent, early, (code, reason) => {
    ended?.();
    cfg.logger.info('session closed', { ...about, code, reason, duration_ms: Date.now() - opened });
  });
}

interface Target {
  uuid: string;
  execId: string | null;
  endpoint: string;
}

async function authorize(query: URLSearchParams): Promise<Target> {
  const token = query.get('token') ?? '';
  const uuid = (query.get('uuid') ?? '').toLowerCase();
  const execId = query.get('exec_id');
  if (!token || !uuid) throw new Refusal(CloseCode.BadRequest, 'token and uuid are required');
  const redeemed = await redeemWebsocketToken(token);
  if (!redeemed.ok) {
    const why = { invalid: 'invalid token', used: 'token already used', expired: 'token expired' }[
      redeemed.reason
    ];
    throw new Refusal(CloseCode.InvalidToken, why);
  }
  const b = redeemed.binding;
  // A token opens exactly what it was issued for: this container, this exec (or attach).
  if (b.containerUuid !== uuid || (b.execId ?? null) !== (execId ?? null)) {
    throw new Refusal(CloseCode.InvalidToken, 'token not valid for this container');
  }
  const c = await Container.findOne({ where: { uuid, project_id: b.projectId } });
  if (!c || c.status === 'Deleted')
    throw new Refusal(CloseCode.NotFound, `container ${uuid} no longer exists`);
  if (!isActionAllowed(execId ? 'execute' : 'attach', c.status) || !c.host) {
    throw new Refusal(CloseCode.NotRunning, `container ${uuid} is ${c.status}, not Running`);
  }
  const svc = await Service.findOne({
    where: { host: c.host, binary: COMPUTE_BINARY },
    attributes: ['endpoint'],
  });
  if (!svc?.endpoint) throw new Refusal(CloseCode.AgentUnavailable, `compute host ${c.host} is unavailable`);
  return { uuid, execId, endpoint: svc.endpoint };
}

function connectAgent(t: Target, requestId: string, cfg: SessionConfig): Promise<WebSocket> {
  const url = new URL(t.execId ? agentExecPath(t.uuid, t.execId) : agentAttachPath(t.uuid), t.endpoint);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { [SERVICE_TOKEN_HEADER]: cfg.serviceToken, [REQUEST_ID_HEADER]: requestId },
      maxPayload: cfg.maxPayload * 16,
      handshakeTimeout: 10_000,
    });
    const failed = (why: string) =>
      reject(new Refusal(CloseCode.AgentUnavailable, `compute host unavailable: ${why}`));
    ws.once('open', () => {
      ws.off('error', onError);
      resolve(ws);
    });
    const onError = (err: Error) => failed(err.message);
    ws.once('error', onError);
    ws.once('unexpected-response', (_req, res) => failed(`agent answered ${res.statusCode}`));
  });
}

function relay(
  client: WebSocket,
  agent: WebSocket,
  early: Buffer[],
  onEnd: (code: number, reason: string) => void,
): void {
  const text = new Utf8Boundary();
  let done = false;
  const end = (code: number, reason: string) => {
    if (done) return;
    done = true;
    onEnd(code, reason);
    const tail = text.flush();
    if (tail.length && client.readyState === WebSocket.OPEN) client.send(tail, { binary: true });
    for (const ws of [client, agent]) {
      if (ws.readyState === WebSocket.OPEN) ws.close(code, reason.slice(0, 120));
      else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    }
  };

  const escape = new EscapeDetector();
  const input = (data: Buffer): Buffer | null => {
    const out = escape.feed(data);
    if (out !== 'detach') return out.length ? out : null;
    end(1000, 'detached');
    return null;
  };
  for (const b of early) {
    const out = input(b);
    if (out) agent.send(out, { binary: true });
  }
  client.on('message', (data: RawData) => {
    if (agent.readyState !== WebSocket.OPEN) return;
    const out = input(toBuffer(data));
    if (!out) return;
    agent.send(out, { binary: true }, () => {
      if (client.isPaused && agent.bufferedAmount < HIGH_WATER / 4) client.resume();
    });
    if (agent.bufferedAmount > HIGH_WATER) client.pause();
  });
  agent.on('message', (data: RawData) => {
    if (client.readyState !== WebSocket.OPEN) return;
    const out = text.push(toBuffer(data));
    if (!out.length) return;
    client.send(out, { binary: true }, () => {
      if (agent.isPaused && client.bufferedAmount < HIGH_WATER / 4) agent.resume();
    });
    if (client.bufferedAmount > HIGH_WATER) agent.pause();
  });
  // The agent's close code and reason (e.g. "session ended") go on to the client as they are.
  agent.on('close', (code: number, reason: Buffer) =>
    end(closable(code), reason.toString() || 'session ended'),
  );
  client.on('close', () => end(1000, 'client closed'));
  agent.on('error', () => end(1011, 'compute host connection failed'));
  client.on('error', () => end(1002, 'protocol error'));
}

/** Codes 1005/1006 are reported locally but may not be sent on the wire. */
const closable = (code: number): number => (code === 1005 || code === 1006 || code < 1000 ? 1000 : code);

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
