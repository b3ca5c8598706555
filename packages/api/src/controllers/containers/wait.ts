import { InputError, type Container } from '@zun/common';
import type { ContainerEventHub } from '../../events/container-events';
import type { RequestContext } from '../../identity/context';
import { findContainerToShow } from './lookup';

/** A long-poll holds its answer this long unless the caller asks for less (seconds). */
const DEFAULT_WAIT_S = 30;
/** Longer than proxies and load balancers commonly let an idle request live. */
const MAX_WAIT_S = 60;

export interface WaitRequest {
  /** The status the caller last saw: the answer comes once the row's status is another. */
  status: string;
  timeoutMs: number;
}

/**
 * `GET /v1/containers/<ident>?wait_for_status_change=<status>[&wait_timeout=<s>]`: null when the
 * request is a plain show (the `zun` CLI never sends these parameters, so its show is unchanged).
 */
export function waitRequest(q: Record<string, string | undefined>): WaitRequest | null {
  const status = q.wait_for_status_change;
  if (status === undefined) {
    if (q.wait_timeout !== undefined) throw new InputError('wait_timeout needs wait_for_status_change.');
    return null;
  }
  if (!status || status.length > 255) throw new InputError('wait_for_status_change must name a status.');
  let seconds = DEFAULT_WAIT_S;
  if (q.wait_timeout !== undefined) {
    seconds = Number(q.wait_timeout);
    if (!/^\d+(\.\d+)?$/.test(q.wait_timeout) || seconds <= 0 || seconds > MAX_WAIT_S)
      throw new InputError(`wait_timeout must be a number of seconds above 0, at most ${MAX_WAIT_S}.`);
  }
  return { status, timeoutMs: seconds * 1000 };
}

/**
 * The container once its status differs from `wait.status`, or as it is when the wait times
 * out (or the request is closed, or the server is stopping). Woken by the LISTEN connection the
 * event stream uses, so a waiting client costs one query per status change instead of one per
 * poll. The subscription is taken before the first read: a change committed after that read
 * always wakes the wait, one committed before it is in what the read returns.
 */
export async function waitForStatusChange(
  hub: ContainerEventHub,
  ctx: RequestContext,
  ident: string,
  wait: WaitRequest,
  closed: Promise<void>,
): Promise<Container> {
  let uuid: string | null = null;
  let wake: () => void = () => undefined;
  let woken = false;
  const poke = (changed: string | null) => {
    if (changed !== null && uuid !== null && changed !== uuid) return;
    woken = true;
    wake();
  };
  let ended = false;
  const unsubscribe = hub.subscribe({
    kind: 'containers',
    ctx,
    // An admin may wait on any project's container; the hub passes others their project's only.
    allProjects: ctx.isAdmin,
    changed: (row) => poke(row.uuid),
    removed: (gone) => poke(gone),
    resync: () => poke(null),
    close: () => {
      ended = true;
      poke(null);
    },
  });
  const deadline = Date.now() + wait.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  try {
    let c = await findContainerToShow(ident, ctx, hub.rows);
    uuid = c.uuid;
    let gone = false;
    void closed.then(() => {
      gone = true;
      poke(null);
    });
    while (c.status === wait.status && !ended && !gone) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      if (!woken) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, left);
        });
        clearTimeout(timer);
      }
      woken = false;
      // Read again through the same lookup as a show: a removed row is a 404, as a show would be.
      c = await findContainerToShow(c.uuid, ctx, hub.rows);
    }
    return c;
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}
