import { useEffect, useRef, useState } from 'preact/hooks';
import type { Terminal as XTerm } from '@xterm/xterm';
import type { FitAddon as XFit } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { Api } from './api';
import type { ContainerView } from './events';

/** Close codes of zun-wsproxy, as a person would say them. */
const CLOSE_REASONS: Record<number, string> = {
  1000: 'The session ended.',
  1001: 'The proxy is shutting down.',
  1009: 'A message was too large; the session was closed.',
  4401: 'The session token was refused (expired or already used).',
  4404: 'The container is gone.',
  4409: 'The container is not running.',
  4502: "The container's host does not answer.",
};

interface Session {
  url: string;
  resize(cols: number, rows: number): Promise<unknown>;
}

/**
 * attach for a container created interactive, else an exec of `sh` with a TTY (what
 * `zun exec -i <c> sh` does): both hand out a single-use zun-wsproxy URL.
 */
async function openSession(api: Api, c: ContainerView): Promise<Session> {
  const base = `/v1/containers/${c.uuid}`;
  if (c.interactive) {
    const url = await api.request<string>('GET', `${base}/attach`);
    return { url, resize: (w, h) => api.request('POST', `${base}/resize?w=${w}&h=${h}`) };
  }
  const r = await api.request<{ exec_id: string; proxy_url: string }>(
    'POST',
    `${base}/execute?run=false&interactive=true&command=sh`,
  );
  return {
    url: r.proxy_url,
    resize: (w, h) => api.request('POST', `${base}/execute_resize?exec_id=${r.exec_id}&w=${w}&h=${h}`),
  };
}

/**
 * xterm.js is most of the console's code: fetched when a terminal opens, so every other page
 * (the containers list first) starts without parsing it.
 */
const loadXterm = (): Promise<[typeof XTerm, typeof XFit]> =>
  Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]).then(([x, f]) => [
    commonJs(x).Terminal,
    commonJs(f).FitAddon,
  ]);

/** The bundler hands import() of a CommonJS module (xterm.js is one) over as its `default`. */
const commonJs = <T,>(m: T): T => (m as T & { default?: T }).default ?? m;

export function ConsoleTab({ api, container }: { api: Api; container: ContainerView }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<string>('Connecting…');
  const [attempt, setAttempt] = useState(0);
  const running = container.status === 'Running';

  useEffect(() => {
    if (!running || !host.current) return;
    const el = host.current;
    let detach: (() => void) | null = null;
    let gone = false;
    loadXterm().then(
      ([Terminal, FitAddon]) => {
        if (!gone) detach = attachTerminal(Terminal, FitAddon, el);
      },
      (err: Error) => setState(`The terminal could not be loaded: ${err.message}`),
    );
    return () => {
      gone = true;
      detach?.();
    };
  }, [api, container.uuid, running, attempt]);

  /** The terminal in `el`, wired to a new session; returns what closes both. */
  function attachTerminal(Terminal: typeof XTerm, FitAddon: typeof XFit, el: HTMLDivElement): () => void {
    const term = new Terminal({ cursorBlink: true, fontSize: 14, convertEol: false });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    term.focus();
    let ws: WebSocket | null = null;
    let session: Session | null = null;
    let disposed = false;
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const sendSize = (): void => {
      if (session) void session.resize(term.cols, term.rows).catch(() => undefined);
    };
    const onWindow = (): void => fit.fit();
    window.addEventListener('resize', onWindow);
    term.onResize(() => sendSize());
    term.onData((d) => ws?.readyState === WebSocket.OPEN && ws.send(encoder.encode(d)));

    openSession(api, container).then(
      (s) => {
        if (disposed) return;
        session = s;
        ws = new WebSocket(s.url);
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => {
          setState('Connected. Type here; the session ends with the shell (exit).');
          sendSize();
          // An attached shell prints nothing until it gets input: show its prompt.
          if (container.interactive) ws?.send(encoder.encode('\n'));
        };
        ws.onmessage = (m) =>
          term.write(
            typeof m.data === 'string'
              ? m.data
              : decoder.decode(new Uint8Array(m.data as ArrayBuffer), { stream: true }),
          );
        ws.onclose = (e) => {
          const why =
            CLOSE_REASONS[e.code] ?? `The session closed (code ${e.code}${e.reason ? `: ${e.reason}` : ''}).`;
          setState(`Session ended. ${why}`);
          term.write(`\r\n\x1b[33m[${why}]\x1b[0m\r\n`);
        };
      },
      (err: Error) => setState(`The session could not be opened: ${err.message}`),
    );
    return () => {
      disposed = true;
      window.removeEventListener('resize', onWindow);
      ws?.close();
      term.dispose();
    };
  }

  if (!running) return <p class="notice">The container is not running: start it to open a console.</p>;
  return (
    <div class="console">
      <p class="notice" role="status" data-testid="console-state">
        {state}{' '}
        {state.startsWith('Session ended') && (
          <button type="button" onClick={() => (setState('Connecting…'), setAttempt(attempt + 1))}>
            Reconnect
          </button>
        )}
      </p>
      <div class="terminal" ref={host} aria-label={`Terminal of ${container.name}`} />
    </div>
  );
}
