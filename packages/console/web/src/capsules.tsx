import { useMemo, useState } from 'preact/hooks';
import type { Api } from './api';
import {
  addressList,
  canDelete,
  capsuleName,
  isSettling,
  listCapsules,
  resources,
  when,
  type CapsuleView,
} from './capsule-view';
import { ConfirmBar } from './confirm';
import { useSettling } from './settling';
import { Message, StatusBadge, short } from './ui';

const collator = new Intl.Collator(undefined, { numeric: true });

/**
 * The project's capsules. Not live by the event stream (it carries containers only): the list
 * is read on opening, after every accepted action, on Refresh, and every 2 s while a capsule
 * is still creating or deleting, so a new one is seen turning Running and a deleted one going.
 */
export function CapsulesPage({
  api,
  onOpen,
  onCreate,
}: {
  api: Api;
  onOpen: (uuid: string) => void;
  onCreate: () => void;
}) {
  const { value, error, reload } = useSettling(
    () => listCapsules(api),
    (list) => list.some(isSettling),
    api.token,
  );
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState<CapsuleView[] | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);

  const rows = value ?? [];
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return rows
      .filter(
        (c) =>
          !needle ||
          [c.name ?? '', c.uuid, c.status, addressList(c.addresses)].some((v) =>
            v.toLowerCase().includes(needle),
          ),
      )
      .sort((a, b) => collator.compare(capsuleName(a), capsuleName(b)) || (a.uuid < b.uuid ? -1 : 1));
  }, [rows, search]);
  const chosen = rows.filter((c) => selected.has(c.uuid));

  const remove = async (list: CapsuleView[]): Promise<void> => {
    setConfirming(null);
    const failures: string[] = [];
    await Promise.all(
      list.map((c) =>
        api
          .request('DELETE', `/v1/capsules/${c.uuid}`)
          .catch((err: Error) => failures.push(`${capsuleName(c)}: ${err.message}`)),
      ),
    );
    setMessage(
      failures.length
        ? { kind: 'error', text: `Delete failed. ${failures.join(' ')}` }
        : { kind: 'info', text: `Delete: request accepted for ${list.length} capsule(s).` },
    );
    setSelected(new Set());
    reload();
  };
  const toggle = (uuid: string, on: boolean): void => {
    const next = new Set(selected);
    if (on) next.add(uuid);
    else next.delete(uuid);
    setSelected(next);
  };

  return (
    <section aria-labelledby="capsules-title">
      <div class="toolbar">
        <h1 id="capsules-title">Capsules</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
        <button type="button" class="primary" onClick={onCreate}>
          + Create capsule
        </button>
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
            placeholder="name, id, status, address"
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
        <span class="batch" role="group" aria-label="Actions on the selected capsules">
          <button
            type="button"
            disabled={chosen.length === 0 || !chosen.every(canDelete)}
            onClick={() => setConfirming(chosen)}
          >
            Delete ({chosen.length})
          </button>
        </span>
      </div>
      {confirming && (
        <ConfirmBar
          question={`Delete ${confirming.map(capsuleName).join(', ')} with all their containers?`}
          verb="Delete"
          onConfirm={() => void remove(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
      <div class="table-wrap">
        <table class="capsules">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all capsules shown"
                  checked={shown.length > 0 && shown.every((c) => selected.has(c.uuid))}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setSelected(new Set(on ? shown.map((c) => c.uuid) : []));
                  }}
                />
              </th>
              <th>Name</th>
              <th>ID</th>
              <th>Status</th>
              <th>Addresses</th>
              <th>CPU · memory</th>
              <th>Created</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr key={c.uuid} data-capsule={capsuleName(c)}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${capsuleName(c)}`}
                    checked={selected.has(c.uuid)}
                    onChange={(e) => toggle(c.uuid, e.currentTarget.checked)}
                  />
                </td>
                <td>
                  <a href={`#/capsules/${c.uuid}`} onClick={(e) => (e.preventDefault(), onOpen(c.uuid))}>
                    {capsuleName(c)}
                  </a>
                </td>
                <td class="mono" title={c.uuid}>
                  {short(c.uuid)}
                </td>
                <td>
                  <StatusBadge status={c.status} />
                  {c.status_reason && c.status === 'Error' && <div class="reason">{c.status_reason}</div>}
                </td>
                <td class="mono">{addressList(c.addresses) || '-'}</td>
                <td>{resources(c.cpu, c.memory)}</td>
                <td>{when(c.created_at)}</td>
                <td class="row-actions">
                  {canDelete(c) && (
                    <button
                      type="button"
                      class="small"
                      aria-label={`Delete ${capsuleName(c)}`}
                      onClick={() => setConfirming([c])}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {value && shown.length === 0 && (
          <p class="empty">{rows.length === 0 ? 'No capsules yet.' : 'No capsule matches.'}</p>
        )}
        {!value && !error && <p class="empty">Loading…</p>}
      </div>
    </section>
  );
}
