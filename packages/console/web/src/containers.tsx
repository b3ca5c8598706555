import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ACTIONS, allowed, type Action } from './actions';
import type { Api } from './api';
import type { ContainerView } from './events';
import { useLiveContainers } from './live-containers';
import { Message, StatusBadge, short } from './ui';
import { runEach, useSelection } from './selection';

const PAGE_SIZE = 50;
/** One collator for every comparison: String.localeCompare may set one up per call. */
const collator = new Intl.Collator(undefined, { numeric: true });
type SortKey = 'name' | 'uuid' | 'image' | 'status' | 'task_state' | 'project_id';
const STATUSES = [
  'Creating',
  'Created',
  'Running',
  'Stopped',
  'Paused',
  'Restarting',
  'Rebuilding',
  'Deleting',
  'Error',
  'Dead',
  'Unknown',
];

export function ContainersPage({
  api,
  allProjects,
  onOpen,
  onCreate,
}: {
  api: Api;
  allProjects: boolean;
  onOpen: (uuid: string) => void;
  onCreate?: () => void;
}) {
  const { rows, complete, error, live } = useLiveContainers(api, allProjects, PAGE_SIZE);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'name', dir: 1 });
  const [page, setPage] = useState(0);
  const selection = useSelection();
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const [confirming, setConfirming] = useState<{ action: Action; uuids: string[] } | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const list = [...rows.values()].filter(
      (c) =>
        (!status || c.status === status) &&
        (!needle ||
          [c.name, c.uuid, c.image, c.status, c.task_state ?? ''].some((v) =>
            String(v).toLowerCase().includes(needle),
          )),
    );
    const { key, dir } = sort;
    list.sort(
      (a, b) =>
        dir * collator.compare(String(a[key] ?? ''), String(b[key] ?? '')) || (a.uuid < b.uuid ? -1 : 1),
    );
    return list;
  }, [rows, search, status, sort]);

  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const visible = shown.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const chosen = selection.uuids.map((u) => rows.get(u)).filter((c): c is ContainerView => !!c);

  useEffect(() => confirmRef.current?.focus(), [confirming]);

  const perform = async (action: Action, uuids: string[]): Promise<void> => {
    setConfirming(null);
    setMessage(
      await runEach(uuids, (u) => action.run(api, u), {
        verb: action.label,
        name: (u) => rows.get(u)?.name ?? short(u),
        accepted: `${action.label}: request accepted for ${uuids.length} container(s).`,
      }),
    );
    selection.clear();
  };
  const ask = (action: Action, uuids: string[]): void => {
    if (action.confirm) setConfirming({ action, uuids });
    else void perform(action, uuids);
  };
  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button
        type="button"
        class="link"
        onClick={() => (setSort({ key, dir: sort.key === key ? (-sort.dir as 1 | -1) : 1 }), setPage(0))}
      >
        {label}
        {sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );

  return (
    <section aria-labelledby="containers-title">
      <div class="toolbar">
        <h1 id="containers-title">{allProjects ? 'Containers of all projects' : 'Containers'}</h1>
        <span class={`live ${live ? 'on' : 'off'}`} title="Updates pushed by the server">
          {live ? '● live' : '○ offline'}
        </span>
        {onCreate && (
          <button type="button" class="primary" onClick={onCreate}>
            + Create container
          </button>
        )}
      </div>
      {error && <Message kind="error">{error}</Message>}
      {message && (
        <Message kind={message.kind} onClose={() => setMessage(null)}>
          {message.text}
        </Message>
      )}
      <div class="filters">
        <label>
          Search{' '}
          <input
            type="search"
            value={search}
            placeholder="name, id, image, status"
            onInput={(e) => (setSearch(e.currentTarget.value), setPage(0))}
          />
        </label>
        <label>
          Status{' '}
          <select value={status} onChange={(e) => (setStatus(e.currentTarget.value), setPage(0))}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <span class="batch" role="group" aria-label="Actions on the selected containers">
          {ACTIONS.map((a) => (
            <button
              type="button"
              disabled={chosen.length === 0 || !chosen.every((c) => allowed(a, c))}
              onClick={() =>
                ask(
                  a,
                  chosen.map((c) => c.uuid),
                )
              }
            >
              {a.label} ({chosen.length})
            </button>
          ))}
        </span>
      </div>
      {confirming && (
        <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
          <span id="confirm-text">
            {confirming.action.label} {confirming.uuids.map((u) => rows.get(u)?.name ?? short(u)).join(', ')}?
          </span>
          <button
            type="button"
            class="danger"
            ref={confirmRef}
            onClick={() => void perform(confirming.action, confirming.uuids)}
          >
            {confirming.action.label}
          </button>
          <button type="button" onClick={() => setConfirming(null)}>
            Cancel
          </button>
        </div>
      )}
      <div class="table-wrap">
        <table class="containers">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all on this page"
                  checked={selection.all(visible.map((c) => c.uuid))}
                  onChange={(e) =>
                    selection.set(
                      visible.map((c) => c.uuid),
                      e.currentTarget.checked,
                    )
                  }
                />
              </th>
              {header('name', 'Name')}
              {header('uuid', 'ID')}
              {header('image', 'Image')}
              {header('status', 'Status')}
              {header('task_state', 'Task state')}
              {allProjects && header('project_id', 'Project')}
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((c) => (
              <tr key={c.uuid} data-uuid={c.uuid} data-name={c.name}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${c.name}`}
                    checked={selection.has(c.uuid)}
                    onChange={(e) => selection.set([c.uuid], e.currentTarget.checked)}
                  />
                </td>
                <td>
                  <a href={`#/containers/${c.uuid}`} onClick={(e) => (e.preventDefault(), onOpen(c.uuid))}>
                    {c.name}
                  </a>
                </td>
                <td class="mono" title={c.uuid}>
                  {short(c.uuid)}
                </td>
                <td>{String(c.image)}</td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
                <td>{String(c.task_state ?? '')}</td>
                {allProjects && <td class="mono">{short(String(c.project_id))}</td>}
                <td class="row-actions">
                  {ACTIONS.filter((a) => allowed(a, c)).map((a) => (
                    <button
                      type="button"
                      class="small"
                      aria-label={`${a.label} ${c.name}`}
                      onClick={() => ask(a, [c.uuid])}
                    >
                      {a.label}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && (
          <p class="empty">
            {!complete
              ? 'Loading containers…'
              : rows.size === 0
                ? 'No containers yet.'
                : 'No container matches.'}
          </p>
        )}
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
          ‹ Previous
        </button>
        <span aria-live="polite">
          {complete
            ? `Page ${current + 1} of ${pages} · ${shown.length} of ${rows.size} containers`
            : `Page ${current + 1} · loading all containers…`}
        </span>
        <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
          Next ›
        </button>
      </nav>
    </section>
  );
}
