import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { ConfirmBar } from './confirm';
import { runEach, useSelection } from './selection';
import { useSettling } from './settling';
import { Message, StatusBadge } from './ui';

/** An image record of `GET /v1/images/`: one image pulled (or pulling) onto one host. */
interface ImageView {
  uuid: string;
  repo: string;
  tag: string | null;
  host: string;
  size: string | null;
  image_id: string | null;
  project_id: string;
  status: string;
  status_reason: string | null;
}

async function listImages(api: Api): Promise<ImageView[]> {
  const all: ImageView[] = [];
  let url: string | null = '/v1/images/?limit=1000';
  while (url) {
    const page: { images: ImageView[]; next: string | null } = await api.request('GET', url);
    all.push(...page.images);
    url = page.next ? new URL(page.next).pathname + new URL(page.next).search : null;
  }
  return all;
}

/** A size in bytes as a person reads it, in binary units (KiB, MiB...). */
function bytes(size: string | null): string {
  const n = Number(size);
  if (size === null || size === '' || !Number.isFinite(n)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

const label = (i: ImageView): string => `${i.repo}:${i.tag ?? 'latest'} on ${i.host}`;

function PullForm({ api, onPulled }: { api: Api; onPulled: (text: string) => void }) {
  const [repo, setRepo] = useState('');
  const [host, setHost] = useState('');
  const [hosts, setHosts] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.request<{ hosts: { hostname: string }[] }>('GET', '/v1/hosts').then(
      (r) => {
        const names = r.hosts.map((h) => h.hostname).sort();
        setHosts(names);
        setHost((h) => h || names[0] || '');
      },
      (err: Error) => setProblem(`The hosts could not be listed: ${err.message}`),
    );
  }, [api]);
  const submit = (e: Event): void => {
    e.preventDefault();
    if (!repo.trim() || !host) {
      setProblem('Give the image to pull and the host to pull it onto.');
      return;
    }
    setBusy(true);
    setProblem(null);
    api
      .request<ImageView>('POST', '/v1/images/', { repo: repo.trim(), host })
      .then(
        (i) => (onPulled(`Pull of ${label(i)}: request accepted.`), setRepo('')),
        (err: Error) => setProblem(err.message),
      )
      .finally(() => setBusy(false));
  };
  return (
    <form class="pull" onSubmit={submit} aria-labelledby="pull-title" noValidate>
      <h2 id="pull-title">Pull an image onto a host</h2>
      <label>
        Image (required)
        <input
          value={repo}
          placeholder="busybox or registry/name:tag"
          required
          aria-describedby={problem ? 'pull-problem' : undefined}
          onInput={(e) => setRepo(e.currentTarget.value)}
        />
      </label>
      <label>
        Host (required)
        <select value={host} required onChange={(e) => setHost(e.currentTarget.value)}>
          {hosts.map((h) => (
            <option value={h}>{h}</option>
          ))}
        </select>
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Pulling…' : 'Pull'}
      </button>
      {problem && (
        <div id="pull-problem" class="template-problem" role="alert">
          {problem}
        </div>
      )}
    </form>
  );
}

/**
 * Admin: the images pulled onto hosts. Read on opening, after every action, on Refresh, and
 * every 2 s while a pull is still running.
 */
export function ImagesPage({ api }: { api: Api }) {
  const { value, error, reload } = useSettling(
    () => listImages(api),
    (list) => list.some((i) => i.status === 'Pulling'),
    api.token,
  );
  const selection = useSelection();
  const [confirming, setConfirming] = useState<ImageView[] | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const rows = [...(value ?? [])].sort(
    (a, b) => a.repo.localeCompare(b.repo) || a.host.localeCompare(b.host) || (a.uuid < b.uuid ? -1 : 1),
  );
  const chosen = rows.filter((i) => selection.has(i.uuid));

  const remove = async (list: ImageView[]): Promise<void> => {
    setConfirming(null);
    setMessage(
      await runEach(list, (i) => api.request('DELETE', `/v1/images/${i.uuid}`), {
        verb: 'Delete',
        name: label,
        accepted: `Deleted ${list.length} image(s).`,
      }),
    );
    selection.clear();
    reload();
  };

  return (
    <section aria-labelledby="images-title">
      <div class="toolbar">
        <h1 id="images-title">Images</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {error && <Message kind="error">{error}</Message>}
      {message && (
        <Message kind={message.kind} onClose={() => setMessage(null)}>
          {message.text}
        </Message>
      )}
      <PullForm api={api} onPulled={(text) => (setMessage({ kind: 'info', text }), reload())} />
      <div class="filters">
        <span class="batch" role="group" aria-label="Actions on the selected images">
          <button type="button" disabled={chosen.length === 0} onClick={() => setConfirming(chosen)}>
            Delete ({chosen.length})
          </button>
        </span>
      </div>
      {confirming && (
        <ConfirmBar
          question={`Delete ${confirming.map(label).join(', ')}?`}
          verb="Delete"
          onConfirm={() => void remove(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
      <div class="table-wrap">
        <table class="images">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all images"
                  checked={selection.all(rows.map((i) => i.uuid))}
                  onChange={(e) =>
                    selection.set(
                      rows.map((i) => i.uuid),
                      e.currentTarget.checked,
                    )
                  }
                />
              </th>
              <th>Image</th>
              <th>Tag</th>
              <th>Host</th>
              <th>Size</th>
              <th>Image ID</th>
              <th>Status</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr key={i.uuid} data-image={`${i.repo}:${i.tag ?? 'latest'}@${i.host}`}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${label(i)}`}
                    checked={selection.has(i.uuid)}
                    onChange={(e) => selection.set([i.uuid], e.currentTarget.checked)}
                  />
                </td>
                <td>{i.repo}</td>
                <td>{i.tag ?? '-'}</td>
                <td>{i.host}</td>
                <td title={i.size ? `${i.size} bytes` : undefined}>{bytes(i.size)}</td>
                <td class="mono" title={i.image_id ?? undefined}>
                  {i.image_id ? i.image_id.replace(/^sha256:/, '').slice(0, 12) : '-'}
                </td>
                <td>
                  <StatusBadge status={i.status} />
                  {i.status_reason && <div class="reason">{i.status_reason}</div>}
                </td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="small"
                    aria-label={`Delete ${label(i)}`}
                    onClick={() => setConfirming([i])}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {value && rows.length === 0 && <p class="empty">No images pulled yet.</p>}
        {!value && !error && <p class="empty">Loading…</p>}
      </div>
    </section>
  );
}
