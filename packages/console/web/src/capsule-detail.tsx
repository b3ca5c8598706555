import { useState } from 'preact/hooks';
import type { Api } from './api';
import { addressList, canDelete, capsuleName, resources, when } from './capsule-view';
import { ConfirmBar } from './confirm';
import type { ContainerView } from './events';
import { useLiveCapsules } from './live-capsules';
import { Message, StatusBadge } from './ui';

const show = (v: unknown): string =>
  v === null || v === undefined || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);

function Fields({ title, rows }: { title: string; rows: [string, unknown][] }) {
  return (
    <section>
      <h2>{title}</h2>
      <dl>
        {rows.map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd data-field={k}>{show(v)}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

/** The capsule's containers (or init containers), each a link to its own container page. */
function Members({ title, list }: { title: string; list: ContainerView[] }) {
  return (
    <section class="members" aria-labelledby={`members-${title}`}>
      <h2 id={`members-${title}`}>{title}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Image</th>
              <th>Status</th>
              <th>Command</th>
              <th>CPU · memory</th>
            </tr>
          </thead>
          <tbody>
            {list.map((m) => (
              <tr key={m.uuid} data-member={m.name}>
                <td>
                  <a href={`#/containers/${m.uuid}`}>{m.name}</a>
                  <div class="mono">{m.uuid}</div>
                </td>
                <td>{show(m.image)}</td>
                <td>
                  <StatusBadge status={m.status} task={m.task_state} />
                  {m.status_reason ? <div class="reason">{show(m.status_reason)}</div> : null}
                </td>
                <td class="mono">{Array.isArray(m.command) ? m.command.join(' ') : show(m.command)}</td>
                <td>{resources(m.cpu, m.memory)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/**
 * One capsule: overview, its containers and init containers with their status, live by the
 * capsule event stream; a capsule that is gone says so.
 */
export function CapsuleDetailPage({
  api,
  uuid,
  notice,
  onBack,
}: {
  api: Api;
  uuid: string;
  notice?: string | null;
  onBack: () => void;
}) {
  const { capsules, error, gone, reload } = useLiveCapsules(api, uuid);
  const c = capsules?.get(uuid);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(
    notice ? { kind: 'info', text: notice } : null,
  );
  const [confirming, setConfirming] = useState(false);

  const back = (
    <p>
      <a href="#/capsules" onClick={(e) => (e.preventDefault(), onBack())}>
        ‹ Capsules
      </a>
    </p>
  );
  if (gone)
    return (
      <>
        {back}
        <Message kind="info">This capsule does not exist (any more).</Message>
      </>
    );
  if (!c) return error ? <Message kind="error">{error}</Message> : <p>Loading…</p>;

  const remove = (): void => {
    setConfirming(false);
    api.request('DELETE', `/v1/capsules/${c.uuid}`).then(
      () => setMessage({ kind: 'info', text: 'Delete: request accepted.' }),
      (err: Error) => setMessage({ kind: 'error', text: `Delete failed: ${err.message}` }),
    );
  };
  return (
    <section aria-labelledby="capsule-title">
      {back}
      <div class="toolbar">
        <h1 id="capsule-title">{capsuleName(c)}</h1>
        <StatusBadge status={c.status} />
        <span class="row-actions">
          <button type="button" class="small" onClick={reload}>
            Refresh
          </button>
          {canDelete(c) && (
            <button type="button" class="small" onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
        </span>
      </div>
      {error && <Message kind="error">{error}</Message>}
      {message && (
        <Message kind={message.kind} onClose={() => setMessage(null)}>
          {message.text}
        </Message>
      )}
      {confirming && (
        <ConfirmBar
          question={`Delete ${capsuleName(c)} with all its containers?`}
          verb="Delete"
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        />
      )}
      <div class="overview">
        <Fields
          title="Info"
          rows={[
            ['uuid', c.uuid],
            ['name', c.name],
            ['status', c.status],
            ['status_reason', c.status_reason],
            ['created_at', when(c.created_at)],
            ['updated_at', when(c.updated_at)],
            ['project_id', c.project_id],
            ['user_id', c.user_id],
            ...('host' in c ? ([['host', c.host]] as [string, unknown][]) : []),
          ]}
        />
        <Fields
          title="Spec"
          rows={[
            ['resources', resources(c.cpu, c.memory)],
            ['restart_policy', c.restart_policy],
            ['addresses', addressList(c.addresses)],
            ['labels', c.labels],
            ['annotations', c.annotations],
          ]}
        />
      </div>
      <Members title="Containers" list={c.containers} />
      {c.init_containers.length > 0 && <Members title="Init containers" list={c.init_containers} />}
    </section>
  );
}
