import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { listCapsules, type CapsuleView } from './capsule-view';
import { followCapsules } from './events';

/** While the event stream is down, the capsules are read again this often. */
export const STREAM_DOWN_REREAD_MS = 10_000;

/**
 * How recent a capsule's view is: its own row's time or its newest container's, since a change
 * of a container alone sends its capsule again without touching the capsule's own row.
 */
const version = (c: CapsuleView): string =>
  [c.updated_at, ...c.containers.map((m) => m.updated_at), ...c.init_containers.map((m) => m.updated_at)]
    .map((t) => String(t ?? ''))
    .reduce((a, b) => (a > b ? a : b), '');

export interface LiveCapsules {
  /** By uuid; undefined until the first read has landed. */
  capsules: Map<string, CapsuleView> | undefined;
  /** One capsule was asked for and the API says it does not exist (any more). */
  gone: boolean;
  error: string | null;
  /** Read everything again (a Refresh button). */
  reload: () => void;
}

/**
 * The project's capsules (or only the one of `uuid`), kept live by the API's capsule event
 * stream: read at once, again each time the stream (re)opens so nothing between the read and
 * the stream is missed, and every 10 s while the stream is down. A change pushed while a read
 * is on its way is applied over the read's answer unless the answer is newer.
 */
export function useLiveCapsules(api: Api, uuid: string | null): LiveCapsules {
  const [capsules, setCapsules] = useState<Map<string, CapsuleView> | undefined>(undefined);
  const [gone, setGone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);

  // Another capsule or another sign-in: never show the previous one's (a Refresh keeps them).
  useEffect(() => {
    setCapsules(undefined);
    setGone(false);
  }, [api, uuid]);

  useEffect(() => {
    let stopped = false;
    let rows: Map<string, CapsuleView> | undefined;
    /** Changes seen while a read is on its way (null: removed); null when none is. */
    let during: Map<string, CapsuleView | null> | null = null;
    let downTimer: ReturnType<typeof setInterval> | undefined;

    const load = async (): Promise<CapsuleView[]> => {
      if (!uuid) return listCapsules(api);
      try {
        return [await api.request<CapsuleView>('GET', `/v1/capsules/${uuid}`)];
      } catch (err) {
        if ((err as { status?: number }).status === 404) return [];
        throw err;
      }
    };
    const read = (): void => {
      const mine = new Map<string, CapsuleView | null>();
      during = mine;
      load().then(
        (list) => {
          if (stopped || during !== mine) return;
          const next = new Map(list.map((c) => [c.uuid, c]));
          for (const [id, c] of mine) {
            const listed = next.get(id);
            if (!c) next.delete(id);
            else if (!listed || version(c) >= version(listed)) next.set(id, c);
          }
          during = null;
          rows = next;
          setCapsules(new Map(next));
          setGone(uuid !== null && next.size === 0);
          setError(null);
        },
        (err: Error) => {
          if (stopped || during !== mine) return;
          during = null;
          setError(err.message);
        },
      );
    };
    const change = (id: string, c: CapsuleView | null): void => {
      if (uuid && id !== uuid) return;
      during?.set(id, c);
      if (!rows) return;
      if (c) rows.set(id, c);
      else rows.delete(id);
      setCapsules(new Map(rows));
      setGone(uuid !== null && rows.size === 0);
    };

    read();
    const stop = followCapsules<CapsuleView>(api, {
      ready: () => {
        clearInterval(downTimer);
        downTimer = undefined;
        read();
      },
      changed: (c) => change(c.uuid, c),
      removed: (id) => change(id, null),
      down: () => {
        downTimer ??= setInterval(read, STREAM_DOWN_REREAD_MS);
      },
    });
    return () => {
      stopped = true;
      clearInterval(downTimer);
      stop();
    };
  }, [api, uuid, round]);

  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { capsules, gone, error, reload };
}
