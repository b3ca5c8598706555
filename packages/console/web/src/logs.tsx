import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, readableError, type Api } from './api';
import type { ContainerView } from './events';
import { LogBuffer } from './log-buffer';
import { Message } from './ui';

/** What the page keeps of a log: enough to read back, bounded however long it is followed. */
export const MAX_LINES = 5_000;

/**
 * Reads GET …/logs?follow=true (plain text, kept open by the API until the container stops)
 * chunk by chunk as it arrives. Resolves when the server ends it; rejects with a readable error.
 */
async function followLog(api: Api, path: string, signal: AbortSignal, onText: (t: string) => void) {
  const res = await fetch(path, { headers: api.headers(), signal });
  if (res.status === 401) {
    const why = 'Your session has expired or was revoked. Please sign in again.';
    api.expired(why);
    throw new ApiError(401, why);
  }
  if (!res.ok || !res.body) {
    throw new ApiError(res.status, readableError(res.status, res.statusText, await res.text()));
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText(value);
  }
}

type FollowState = 'following' | 'ended' | 'off';

/**
 * The logs tab. Following (a running container): new output is streamed from the API as the
 * container writes it, never read again whole. Otherwise one read. Either way the page keeps
 * the last MAX_LINES lines, and stays scrolled to the bottom while the reader is there.
 */
export function LogsTab({ api, c }: { api: Api; c: ContainerView }) {
  const [follow, setFollow] = useState(true);
  const [text, setText] = useState('');
  const [dropped, setDropped] = useState(0);
  const [state, setState] = useState<FollowState>('off');
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);
  const running = c.status === 'Running';

  useEffect(() => {
    const buf = new LogBuffer(MAX_LINES);
    const abort = new AbortController();
    // Many chunks a second re-render once per frame.
    let frame = 0;
    const show = (): void => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setText(buf.text);
        setDropped(buf.dropped);
      });
    };
    const failed = (err: Error): void => {
      if (abort.signal.aborted) return;
      setError(err.message);
      setState('off');
    };
    const query = `stdout=True&stderr=True&timestamps=False&tail=${MAX_LINES}`;
    setError(null);
    if (follow && running) {
      setState('following');
      followLog(api, `/v1/containers/${c.uuid}/logs?${query}&follow=true`, abort.signal, (t) => {
        buf.append(t);
        show();
      }).then(() => !abort.signal.aborted && setState('ended'), failed);
    } else {
      setState('off');
      api.request<string>('GET', `/v1/containers/${c.uuid}/logs?${query}`).then((t) => {
        if (abort.signal.aborted) return;
        buf.reset(String(t ?? ''));
        show();
      }, failed);
    }
    return () => {
      abort.abort();
      cancelAnimationFrame(frame);
    };
  }, [api, c.uuid, follow, running]);

  useLayoutEffect(() => {
    const el = pre.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  const status =
    state === 'following'
      ? 'Following: new output appears as it is written.'
      : state === 'ended'
        ? // A stop re-renders as not running: ended while still running means the server closed it.
          'The stream ended. Untick and tick Follow to follow again.'
        : follow && !running
          ? `Not running (${c.status}): nothing to follow.`
          : '';
  return (
    <div>
      <div class="toolbar">
        <label class="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
          Follow
        </label>
        <span class="logs-state" data-testid="logs-state" aria-live="polite">
          {status}
          {dropped > 0 && ` Showing the last ${MAX_LINES.toLocaleString('en')} lines.`}
        </span>
      </div>
      {error && <Message kind="error">{error}</Message>}
      <pre
        class="logs"
        ref={pre}
        aria-label="Container logs"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >
        {text || '(no output yet)'}
      </pre>
    </div>
  );
}
