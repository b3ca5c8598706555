import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Op } from 'sequelize';
import { WebsocketToken } from './db/models/websocket';

/**
 * Interactive sessions: tokens the API issues for attach/exec URLs and zun-wsproxy redeems,
 * the agent's stream paths and the close codes a client sees when a session is refused.
 */

/** Agent paths that upgrade to a WebSocket carrying a container's attach or exec stream. */
export const agentAttachPath = (uuid: string): string => `/v1/containers/${uuid}/attach/ws`;
export const agentExecPath = (uuid: string, execId: string): string =>
  `/v1/containers/${uuid}/exec/${execId}/ws`;

/** Close codes (4000-4999 are for applications) with the reason sent beside them. */
export const CloseCode = {
  BadRequest: 4400,
  InvalidToken: 4401,
  NotFound: 4404,
  NotRunning: 4409,
  AgentUnavailable: 4502,
} as const;

export interface TokenBinding {
  containerUuid: string;
  projectId: string;
  execId: string | null;
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Issues a random single-use token bound to one container (and exec); only its hash is kept. */
export async function issueWebsocketToken(binding: TokenBinding, ttlSeconds: number): Promise<string> {
  const token = randomBytes(32).toString('hex');
  const now = Date.now();
  await WebsocketToken.create({
    token_hash: hashOf(token),
    container_uuid: binding.containerUuid,
    project_id: binding.projectId,
    exec_id: binding.execId,
    expires_at: new Date(now + ttlSeconds * 1000),
  });
  // Spent and expired tokens are of no use to anyone; keep the table small.
  await WebsocketToken.destroy({ where: { expires_at: { [Op.lt]: new Date(now - 3600_000) } } });
  return token;
}

export type RedeemResult =
  { ok: true; binding: TokenBinding } | { ok: false; reason: 'invalid' | 'used' | 'expired' };

/**
 * Redeems a token once. The row is found by the token's hash and the stored hash is compared
 * in constant time; marking it used is one conditional UPDATE, so two concurrent redemptions
 * of one token cannot both win.
 */
export async function redeemWebsocketToken(token: string): Promise<RedeemResult> {
  if (!/^[0-9a-f]{64}$/.test(token)) return { ok: false, reason: 'invalid' };
  const hash = hashOf(token);
  const row = await WebsocketToken.findOne({ where: { token_hash: hash } });
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) {
    return { ok: false, reason: 'invalid' };
  }
  const [claimed] = await WebsocketToken.update(
    { used_at: new Date() },
    { where: { id: row.id, used_at: null } },
  );
  if (claimed !== 1) return { ok: false, reason: 'used' };
  if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    binding: { containerUuid: row.container_uuid, projectId: row.project_id, execId: row.exec_id },
  };
}

/** The URL handed to the client: `<base_url>?token=…&uuid=…[&exec_id=…]` (contract §7.1). */
export function websocketUrl(baseUrl: string, token: string, uuid: string, execId: string | null): string {
  const qs = new URLSearchParams({ token, uuid });
  if (execId) qs.set('exec_id', execId);
  return `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}${qs}`;
}
