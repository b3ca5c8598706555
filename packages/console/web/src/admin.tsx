import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { UsageChart } from './host-charts';
import { Message } from './ui';

interface Host {
  uuid: string;
  hostname: string;
  mem_total: number;
  mem_used: number;
  cpus: number;
  cpu_used: number;
  disk_total: number;
  disk_used: number;
  availability_zone: string | null;
  containers_by_status: Record<string, number>;
}

interface Service {
  id: number;
  host: string;
  binary: string;
  state: string;
  disabled: boolean;
  disabled_reason: string | null;
  forced_down: boolean;
  availability_zone?: string;
  updated_at?: string;
}

/** Reads `path` now and whenever `version` changes. */
function useList<T>(api: Api, path: string, key: string, version: number) {
  const [list, setList] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.request<Record<string, T[]>>('GET', path).then(
      (r) => (setList(r[key]), setError(null)),
      (err: Error) => setError(err.message),
    );
  }, [api, path, key, version]);
  return { list, error };
}

export function HostsPage({ api }: { api: Api }) {
  const [version, setVersion] = useState(0);
  const { list, error } = useList<Host>(api, '/v1/hosts', 'hosts', version);
  return (
    <section aria-labelledby="hosts-title">
      <div class="toolbar">
        <h1 id="hosts-title">Hosts</h1>
        <button type="button" onClick={() => setVersion(version + 1)}>
          Refresh
        </button>
      </div>
      {error && <Message kind="error">{error}</Message>}
      <div class="cards host-cards">
        {(list ?? []).map((h) => (
          <article class="card" data-host={h.hostname}>
            <h2>{h.hostname}</h2>
            <p class="mono">{h.uuid}</p>
            <p>Zone: {h.availability_zone ?? '-'}</p>
            <UsageChart
              title={`Usage of ${h.hostname}`}
              rows={[
                { label: 'Memory', used: h.mem_used, total: h.mem_total, unit: 'MiB' },
                { label: 'CPU', used: h.cpu_used, total: h.cpus, unit: 'CPUs' },
                { label: 'Disk', used: h.disk_used, total: h.disk_total, unit: 'GiB' },
              ]}
            />
            <p>
              Containers:{' '}
              {Object.entries(h.containers_by_status)
                .map(([s, n]) => `${n} ${s}`)
                .join(', ') || 'none'}
            </p>
          </article>
        ))}
      </div>
    </section>
  );
}

export function ServicesPage({ api }: { api: Api }) {
  const [version, setVersion] = useState(0);
  const { list, error } = useList<Service>(api, '/v1/services', 'services', version);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const act = (
    s: Service,
    verb: 'enable' | 'disable' | 'force_down',
    extra: Record<string, unknown> = {},
  ): void => {
    api.request('PUT', `/v1/services/${verb}`, { host: s.host, binary: s.binary, ...extra }).then(
      () => (
        setMessage({ kind: 'info', text: `${s.binary} on ${s.host}: ${verb.replace('_', ' ')} done.` }),
        setVersion(version + 1)
      ),
      (err: Error) => setMessage({ kind: 'error', text: err.message }),
    );
  };
  return (
    <section aria-labelledby="services-title">
      <div class="toolbar">
        <h1 id="services-title">Services</h1>
        <button type="button" onClick={() => setVersion(version + 1)}>
          Refresh
        </button>
      </div>
      {error && <Message kind="error">{error}</Message>}
      {message && (
        <Message kind={message.kind} onClose={() => setMessage(null)}>
          {message.text}
        </Message>
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Host</th>
              <th>Binary</th>
              <th>State</th>
              <th>Status</th>
              <th>Forced down</th>
              <th>Zone</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {(list ?? []).map((s) => (
              <tr data-service={`${s.host}/${s.binary}`}>
                <td>{s.host}</td>
                <td>{s.binary}</td>
                <td>{s.state}</td>
                <td>
                  {s.disabled ? `disabled${s.disabled_reason ? ` (${s.disabled_reason})` : ''}` : 'enabled'}
                </td>
                <td>{s.forced_down ? 'yes' : 'no'}</td>
                <td>{s.availability_zone ?? '-'}</td>
                <td class="row-actions">
                  {s.disabled ? (
                    <button type="button" class="small" onClick={() => act(s, 'enable')}>
                      Enable
                    </button>
                  ) : (
                    <button
                      type="button"
                      class="small"
                      onClick={() => act(s, 'disable', { disabled_reason: 'disabled from the console' })}
                    >
                      Disable
                    </button>
                  )}
                  <button
                    type="button"
                    class="small"
                    onClick={() => act(s, 'force_down', { forced_down: !s.forced_down })}
                  >
                    {s.forced_down ? 'Clear force-down' : 'Force down'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
