import type { Api } from './api';

export type ContainerView = Record<string, unknown> & { uuid: string; name: string; status: string };

export interface StreamHandlers<T> {
  /** The stream is (again) open: list now, so nothing between list and stream is missed. */
  ready(): void;
  changed(item: T): void;
  removed(uuid: string): void;
  /** The stream is down and being retried. */
  down(reason: string): void;
}

export type EventHandlers = StreamHandlers<ContainerView>;

/** Follows GET /v1/containers/events: the caller's project's containers (or every project's). */
export const followContainers = (api: Api, allProjects: boolean, h: EventHandlers): (() => void) =>
  follow(api, `/v1/containers/events${allProjects ? '?all_projects=True' : ''}`, 'container', h);

/**
 * Follows GET /v1/capsules/events: each capsule whole (with its containers) whenever it or one
 * of its containers changes.
 */
export const followCapsules = <T extends { uuid: string }>(api: Api, h: StreamHandlers<T>): (() => void) =>
  follow(api, '/v1/capsules/events', 'capsule', h);

/**
 * Follows one of the API's event streams. EventSource cannot send X-Auth-Token, so this reads
 * the server-sent events from fetch's body itself. Reconnects after 1 s, up to 10 s between tries.
 */
function follow<T>(api: Api, url: string, itemEvent: string, h: StreamHandlers<T>): () => void {
  const abort = new AbortController();
  let delay = 1000;

  const dispatch = (block: string): void => {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (!event || data === undefined) return;
    const doc = JSON.parse(data) as Record<string, unknown>;
    if (event === 'ready' || event === 'resync') {
      delay = 1000;
      h.ready();
    } else if (event === itemEvent) h.changed(doc as T);
    else if (event === 'removed') h.removed(String(doc.uuid));
  };

  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(url, { headers: api.headers(), signal: abort.signal });
        if (res.status === 401) {
          api.expired('Your session has expired. Please sign in again.');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`the event stream answered ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            dispatch(buf.slice(0, end));
            buf = buf.slice(end + 2);
          }
        }
        throw new Error('the event stream ended');
      } catch (err) {
        if (abort.signal.aborted) return;
        h.down((err as Error).message);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  };
  void run();
  return () => abort.abort();
}
