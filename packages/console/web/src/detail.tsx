import { useEffect, useState } from 'preact/hooks';
import { ACTIONS, allowed, type Action } from './actions';
import type { Api } from './api';
import type { CapsuleView } from './capsule-view';
import { followCapsules, followContainers, type ContainerView } from './events';
import { LogsTab } from './logs';
import { ConsoleTab } from './terminal';
import { Message, StatusBadge } from './ui';

type Tab = 'overview' | 'logs' | 'history' | 'console';

/** The container, kept current by the event stream (removed: null). */
function useContainer(api: Api, uuid: string) {
  const [c, setC] = useState<ContainerView | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // Read at once (the page must not wait for the stream to open) and again each time the
    // stream is (re)opened, so a change made before it was live is not missed. Only the latest
    // read counts: an older answer that arrives late must not undo a newer one or an event.
    let seq = 0;
    let stopped = false;
    const read = (): void => {
      const mine = ++seq;
      api.request<ContainerView>('GET', `/v1/containers/${uuid}`).then(
        (v) => !stopped && mine === seq && (setC(v), setError(null)),
        (err: Error) => !stopped && mine === seq && setError(err.message),
      );
    };
    read();
    const stop = followContainers(api, false, {
      ready: read,
      changed: (v) => v.uuid === uuid && (seq++, setC(v), setError(null)),
      removed: (u) => u === uuid && (seq++, setC(null)),
      down: () => undefined,
    });
    return () => {
      stopped = true;
      stop();
    };
  }, [api, uuid]);
  return { c, error };
}

/**
 * For a capsule's container: its capsule (name and link), and the container as the capsule's
 * event stream last sent it, since the containers' stream carries plain containers only.
 */
function useOwningCapsule(api: Api, capsuleId: string | null, uuid: string) {
  const [capsule, setCapsule] = useState<CapsuleView | null>(null);
  useEffect(() => {
    setCapsule(null);
    if (!capsuleId) return;
    let stopped = false;
    const read = (): void => {
      api.request<CapsuleView>('GET', `/v1/capsules/${capsuleId}`).then(
        (v) => !stopped && setCapsule(v),
        () => undefined,
      );
    };
    read();
    const stop = followCapsules<CapsuleView>(api, {
      ready: read,
      changed: (v) => v.uuid === capsuleId && setCapsule(v),
      removed: () => undefined,
      down: () => undefined,
    });
    return () => {
      stopped = true;
      stop();
    };
  }, [api, capsuleId]);
  const member = capsule && [...capsule.containers, ...capsule.init_containers].find((m) => m.uuid === uuid);
  return { capsule, member: member ?? null };
}

const show = (v: unknown): string =>
  v === null || v === undefined || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);

function Overview({ c }: { c: ContainerView }) {
  const groups: [string, string[]][] = [
    [
      'Info',
      [
        'uuid',
        'name',
        'status',
        'status_reason',
        'status_detail',
        'task_state',
        'command',
        'created_at',
        'updated_at',
      ],
    ],
    [
      'Spec',
      [
        'image',
        'image_driver',
        'image_pull_policy',
        'hostname',
        'runtime',
        'cpu',
        'memory',
        'disk',
        'restart_policy',
        'auto_remove',
        'auto_heal',
        'addresses',
        'ports',
        'security_groups',
      ],
    ],
    ['Misc', ['host', 'workdir', 'environment', 'interactive', 'tty', 'labels', 'project_id', 'user_id']],
  ];
  return (
    <div class="overview">
      {groups.map(([title, keys]) => (
        <section>
          <h2>{title}</h2>
          <dl>
            {keys
              .filter((k) => k in c)
              .map((k) => (
                <>
                  <dt>{k}</dt>
                  <dd data-field={k}>{show(c[k])}</dd>
                </>
              ))}
          </dl>
        </section>
      ))}
    </div>
  );
}

interface ActionRecord {
  action: string;
  request_id: string;
  start_time: string;
  finish_time?: string | null;
  message: string | null;
  user_id: string;
}

function History({ api, c }: { api: Api; c: ContainerView }) {
  const [list, setList] = useState<ActionRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .request<{ containerActions: ActionRecord[] }>('GET', `/v1/containers/${c.uuid}/container_actions`)
      .then(
        (r) => setList(r.containerActions),
        (err: Error) => setError(err.message),
      );
  }, [api, c.uuid, c.status, c.task_state]);
  if (error) return <Message kind="error">{error}</Message>;
  if (!list) return <p>Loading…</p>;
  return (
    <table class="history">
      <thead>
        <tr>
          <th>Action</th>
          <th>Started</th>
          <th>Request</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {list.map((a) => (
          <tr>
            <td>{a.action}</td>
            <td>{a.start_time}</td>
            <td class="mono">{a.request_id}</td>
            <td>{a.message ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DetailPage({ api, uuid, onBack }: { api: Api; uuid: string; onBack: () => void }) {
  const { c: read, error } = useContainer(api, uuid);
  const owner = useOwningCapsule(api, read?.capsule_id ? String(read.capsule_id) : null, uuid);
  // Whichever is newer: the container as read, or as its capsule's stream last sent it.
  const c =
    read && owner.member && String(owner.member.updated_at ?? '') >= String(read.updated_at ?? '')
      ? { ...read, ...owner.member }
      : read;
  const [tab, setTab] = useState<Tab>('overview');
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const run = (a: Action): void => {
    if (!c || (a.confirm && !window.confirm(`${a.label} ${c.name}?`))) return;
    a.run(api, c.uuid).then(
      () => setMessage({ kind: 'info', text: `${a.label}: request accepted.` }),
      (err: Error) => setMessage({ kind: 'error', text: `${a.label} failed: ${err.message}` }),
    );
  };
  if (error) return <Message kind="error">{error}</Message>;
  if (c === undefined) return <p>Loading…</p>;
  if (c === null)
    return (
      <Message kind="info">
        The container was deleted. <a href="#/containers">Back to containers</a>
      </Message>
    );
  const tabs: [Tab, string][] = [
    ['overview', 'Overview'],
    ['logs', 'Logs'],
    ['console', 'Console'],
    ['history', 'Action history'],
  ];
  return (
    <section aria-labelledby="detail-title">
      <p>
        <a href="#/containers" onClick={(e) => (e.preventDefault(), onBack())}>
          ‹ Containers
        </a>
      </p>
      <div class="toolbar">
        <h1 id="detail-title">{c.name}</h1>
        <StatusBadge status={c.status} task={c.task_state} />
        {c.capsule_id ? (
          <span class="part-of">
            Part of capsule{' '}
            <a href={`#/capsules/${String(c.capsule_id)}`}>{owner.capsule?.name ?? String(c.capsule_id)}</a>
          </span>
        ) : null}
        <span class="row-actions">
          {ACTIONS.filter((a) => allowed(a, c)).map((a) => (
            <button type="button" class="small" onClick={() => run(a)}>
              {a.label}
            </button>
          ))}
        </span>
      </div>
      {message && (
        <Message kind={message.kind} onClose={() => setMessage(null)}>
          {message.text}
        </Message>
      )}
      <div role="tablist" class="tabs">
        {tabs.map(([id, label]) => (
          <button
            type="button"
            role="tab"
            aria-selected={tab === id}
            id={`tab-${id}`}
            onClick={() => setTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'overview' && <Overview c={c} />}
        {tab === 'logs' && <LogsTab api={api} c={c} />}
        {tab === 'history' && <History api={api} c={c} />}
        {tab === 'console' && <ConsoleTab api={api} container={c} />}
      </div>
    </section>
  );
}
