import { useMemo, useState } from 'preact/hooks';
import type { Api } from './api';
import { addressList, canDelete, capsuleName, resources, when, type CapsuleView } from './capsule-view';
import { ConfirmBar } from './confirm';
import { useLiveCapsules } from './live-capsules';
import { runEach, useSelection } from './selection';
import { Message, StatusBadge, short } from './ui';

const collator = new Intl.Collator(undefined, { numeric: true });

/**
 * The project's capsules, live: the API's capsule event stream brings new ones, status changes
 * (of a capsule or of one of its containers) and removals without a reload.
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
  const { capsules: value, error, reload } = useLiveCapsules(api, null);
  const [search, setSearch] = useState('');
  const selection = useSelection();
  const [confirming, setConfirming] = useState<CapsuleView[] | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);

  const rows = useMemo(() => [...(value?.values() ?? [])], [value]);
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
  const chosen = rows.filter((c) => selection.has(c.uuid));

  const remove = async (list: CapsuleView[]): Promise<void> => {
    setConfirming(null);
    setMessage(
      await runEach(list, (c) => api.request('DELETE', `/v1/capsules/${c.uuid}`), {
        verb: 'Delete',
        name: capsuleName,
        accepted: `Delete: request accepted for ${list.length} capsule(s).`,
      }),
    );
    selection.clear();
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
                  checked={selection.all(shown.map((c) => c.uuid))}
                  onChange={(e) =>
                    selection.set(
                      shown.map((c) => c.uuid),
                      e.currentTarget.checked,
                    )
                  }
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
                    checked={selection.has(c.uuid)}
                    onChange={(e) => selection.set([c.uuid], e.currentTarget.checked)}
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
