import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './client';
import { subscribe, type SseMessage, type StreamStatus } from './sse';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
  setData: (d: T) => void;
}

// Loads once per `key`, and again every `pollMs` when given. A poll never
// overlaps the previous request and pauses while the tab is hidden, so a
// slow server or many open tabs do not pile requests up.
export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, key: string, pollMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const run = async () => {
      if (stopped) return;
      if (pollMs && document.hidden) {
        timer = setTimeout(run, pollMs);
        return;
      }
      try {
        const d = await loadRef.current(ctl.signal);
        if (stopped) return;
        setData(d);
        setError(undefined);
      } catch (e) {
        if (stopped || (e as Error).name === 'AbortError') return;
        setError(errorMessage(e));
      } finally {
        if (!stopped) setLoading(false);
      }
      if (pollMs && !stopped) timer = setTimeout(run, pollMs);
    };
    setLoading(true);
    void run();
    return () => {
      stopped = true;
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, tick, pollMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, setData };
}

// Follows one SSE path (shared with other subscribers of the same path).
export function useStream(
  path: string | null,
  onMessage: (m: SseMessage) => void,
  opts: { keep: 'all' | 'last'; resumable: boolean },
): { status: StreamStatus; error?: string } {
  const [state, setState] = useState<{ status: StreamStatus; error?: string }>({ status: 'connecting' });
  const cb = useRef(onMessage);
  cb.current = onMessage;
  useEffect(() => {
    if (!path) return;
    setState({ status: 'connecting' });
    return subscribe(
      path,
      {
        onMessage: (m) => cb.current(m),
        onStatus: (status, error) => setState({ status, error }),
      },
      opts,
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, opts.keep, opts.resumable]);
  return state;
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
