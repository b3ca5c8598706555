import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** How often a resource still changing (a capsule creating, an image pulling) is read again. */
export const SETTLE_INTERVAL_MS = 2000;

/**
 * Reads a resource now, after `reload()` (an action was accepted), and again every 2 s while
 * `settling` says part of it is still on its way somewhere; once everything is settled it is
 * not read again until the next action. For resources the API's event stream does not carry.
 * `gone` is true when the last read answered 404.
 */
export function useSettling<T>(
  load: () => Promise<T>,
  settling: (value: T) => boolean,
  key: string,
): { value: T | undefined; error: string | null; gone: boolean; reload: () => void } {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [gone, setGone] = useState(false);
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const settlingRef = useRef(settling);
  settlingRef.current = settling;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = (): void => {
      loadRef.current().then(
        (v) => {
          if (stopped) return;
          setValue(v);
          setError(null);
          setGone(false);
          if (settlingRef.current(v)) timer = setTimeout(read, SETTLE_INTERVAL_MS);
        },
        (err: Error & { status?: number }) => {
          if (stopped) return;
          if (err.status === 404) setGone(true);
          else setError(err.message);
        },
      );
    };
    read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, round]);

  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { value, error, gone, reload };
}
