import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { followContainers, type ContainerView } from './events';

/**
 * What the containers table shows and its actions need; the detail page reads a whole row
 * itself. A list of thousands of rows costs the API, the wire and JSON.parse about a seventh
 * of the whole view. `updated_at` tells whether an event's row is newer than a listed one.
 */
const TABLE_FIELDS = ['name', 'image', 'status', 'task_state', 'project_id', 'updated_at'];

/** The API's largest page: fewer round trips for a long list. */
const LIST_PAGE = 1000;

interface ListPage {
  containers: ContainerView[];
  next: string | null;
}

const listPath = (allProjects: boolean, query: Record<string, string>): string =>
  `/v1/containers?${new URLSearchParams({
    ...query,
    fields: TABLE_FIELDS.join(','),
    ...(allProjects ? { all_projects: 'True' } : {}),
  }).toString()}`;

/** Every row the caller may see: the list API followed to its end (it pages by `next`). */
async function listAll(api: Api, allProjects: boolean): Promise<ContainerView[]> {
  const rows: ContainerView[] = [];
  let url: string | null = listPath(allProjects, { limit: String(LIST_PAGE) });
  while (url) {
    const page: ListPage = await api.request('GET', url);
    rows.push(...page.containers);
    url = page.next ? new URL(page.next).pathname + new URL(page.next).search : null;
  }
  return rows;
}

/** An event's row replaces a listed one unless the listed one is newer (the list was read later). */
const atLeastAsNew = (event: ContainerView, listed: ContainerView | undefined): boolean =>
  !listed || String(event.updated_at ?? '') >= String(listed.updated_at ?? '');

export interface LiveContainers {
  rows: Map<string, ContainerView>;
  /** Every row is in: until then only the first page (and what events brought) is. */
  complete: boolean;
  error: string | null;
  live: boolean;
}

/**
 * The rows, kept live. The first page (by name, the table's first order) is asked for at once,
 * so the table is usable before the rest arrives. The whole list is read once the event stream
 * is open, and again after each reconnection, so no change between the two is missed; changes
 * pushed while that list is on its way are applied again over it when it lands, unless the
 * listed row is newer. Changes are handed to the page once per burst (one render for the many
 * events of one chunk of the stream).
 */
export function useLiveContainers(api: Api, allProjects: boolean, firstPage: number): LiveContainers {
  const [state, setState] = useState<{ rows: Map<string, ContainerView>; complete: boolean }>({
    rows: new Map(),
    complete: false,
  });
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    // The same page component serves one project and all of them: never show the other's rows.
    setState({ rows: new Map(), complete: false });
    let cancelled = false;
    let rows = new Map<string, ContainerView>();
    let complete = false;
    /** Changes seen while a full list is on its way (null: removed). */
    let pending: Map<string, ContainerView | null> | null = null;
    let queued = false;
    const publish = (): void => {
      if (queued) return;
      queued = true;
      void Promise.resolve().then(() => {
        queued = false;
        if (!cancelled) setState({ rows: new Map(rows), complete });
      });
    };
    const change = (uuid: string, c: ContainerView | null): void => {
      pending?.set(uuid, c);
      if (c) rows.set(uuid, c);
      else rows.delete(uuid);
      publish();
    };
    const listFully = (): void => {
      const seen = new Map<string, ContainerView | null>();
      pending = seen;
      listAll(api, allProjects).then(
        (list) => {
          // Cancelled, or a newer reconnection lists again.
          if (cancelled || pending !== seen) return;
          const next = new Map(list.map((c) => [c.uuid, c]));
          for (const [uuid, c] of seen) {
            if (!c) next.delete(uuid);
            else if (atLeastAsNew(c, next.get(uuid))) next.set(uuid, c);
          }
          rows = next;
          pending = null;
          complete = true;
          setError(null);
          publish();
        },
        (err: Error) => {
          if (cancelled || pending !== seen) return;
          pending = null;
          setError(err.message);
        },
      );
    };

    api.request<ListPage>('GET', listPath(allProjects, { limit: String(firstPage), sort_key: 'name' })).then(
      (page) => {
        if (cancelled || complete) return;
        // A row an event already brought is newer than this page's.
        for (const c of page.containers) if (!rows.has(c.uuid)) rows.set(c.uuid, c);
        publish();
      },
      (err: Error) => !cancelled && !complete && setError(err.message),
    );
    const stop = followContainers(api, allProjects, {
      ready: () => {
        setLive(true);
        listFully();
      },
      changed: (c) => change(c.uuid, c),
      removed: (uuid) => change(uuid, null),
      down: (why) => {
        setLive(false);
        setError(`Live updates interrupted (${why}); reconnecting…`);
      },
    });
    return () => {
      cancelled = true;
      stop();
    };
  }, [api, allProjects, firstPage]);
  return { ...state, error, live };
}
