import { InputError, type Container } from '@zun/common';
import type { ContainerEventHub, WatchPoke } from '../../events/container-events';
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
 * event stream uses (a watcher, poked the moment the notification arrives, not after the
 * streams' batching), so a waiting client costs one query per change instead of one per poll.
 * The watch is taken before the first read: a change committed after that read always wakes
 * the wait, one committed before it is in what the read returns.
 */
export async function waitForStatusChange(
  hub: ContainerEventHub,
  ctx: RequestContext,
  ident: string,
  wait: WaitRequest,
  closed: Promise<void>,
): Promise<Container> {
  let wake: () => void = () => undefined;
  let woken = false;
  let ended = false;
  const poke = (why: WatchPoke) => {
    if (why === 'closed') ended = true;
    woken = true;
    wake();
  };
  // Until the first read has told the uuid (the ident may be a name), any change wakes the wait.
  let unwatch = hub.watch(null, poke);
  const deadline = Date.now() + wait.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  try {
    let c = await findContainerToShow(ident, ctx, hub.rows);
    const unwatchAny = unwatch;
    unwatch = hub.watch(c.uuid, poke);
    unwatchAny();
    let gone = false;
    void closed.then(() => {
      gone = true;
      poke('changed');
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
    unwatch();
  }
}
