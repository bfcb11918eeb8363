import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { download, errorMessage } from '../api/client';
import { useStream } from '../api/hooks';
import type { SseMessage } from '../api/sse';
import type { LogLine } from '../api/types';
import { ErrorBox } from './common';
import { enc, fmtTime } from './format';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const MAX_SHOWN = 3000;

// Lines arriving in one animation frame are drawn together; nothing waits
// longer, so a line shows within a frame of reaching the browser.
function useFrameBatch(): [number, () => void] {
  const [version, setVersion] = useState(0);
  const pending = useRef(0);
  const bump = useCallback(() => {
    if (pending.current) return;
    pending.current = requestAnimationFrame(() => {
      pending.current = 0;
      setVersion((v) => v + 1);
    });
  }, []);
  useEffect(() => () => cancelAnimationFrame(pending.current), []);
  return [version, bump];
}

export function LogViewer({ executionId, taskRunId, taskLabel }: {
  executionId: string; taskRunId?: string; taskLabel?: string;
}) {
  const lines = useRef<LogLine[]>([]);
  const seen = useRef(new Set<number>());
  const [version, bump] = useFrameBatch();
  const [minLevel, setMinLevel] = useState('INFO');
  const [text, setText] = useState('');
  const [follow, setFollow] = useState(true);
  const [onlyTask, setOnlyTask] = useState(false);
  const [dlError, setDlError] = useState<string>();
  const box = useRef<HTMLDivElement>(null);
  const uid = useId();

  useEffect(() => {
    lines.current = [];
    seen.current = new Set();
    bump();
  }, [executionId, bump]);

  const onMessage = useCallback((m: SseMessage) => {
    if (m.event === 'end' || m.id === 'start' || !m.data || m.data === '{}') return;
    try {
      const l = JSON.parse(m.data) as LogLine;
      // After a reconnect the server resumes from Last-Event-ID, but a replay to a late subscriber can repeat lines.
      if (typeof l.seq === 'number') {
        if (seen.current.has(l.seq)) return;
        seen.current.add(l.seq);
      }
      lines.current.push(l);
      bump();
    } catch {
      /* a malformed event is skipped, the stream goes on */
    }
  }, [bump]);

  const stream = useStream(`/logs/${enc(executionId)}/follow`, onMessage, { keep: 'all', resumable: true });

  const shown = useMemo(() => {
    const min = LEVELS.indexOf(minLevel);
    const t = text.toLowerCase();
    const out = lines.current.filter(
      (l) =>
        (LEVELS.indexOf(l.level) < 0 || LEVELS.indexOf(l.level) >= min) &&
        (!t || l.message.toLowerCase().includes(t) || (l.taskId ?? '').toLowerCase().includes(t)) &&
        (!onlyTask || !taskRunId || l.taskRunId === taskRunId),
    );
    return out;
    // version changes whenever lines.current grows.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, minLevel, text, onlyTask, taskRunId]);

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, follow]);

  const visible = shown.length > MAX_SHOWN ? shown.slice(shown.length - MAX_SHOWN) : shown;
  return (
    <div>
      <div className="logs-toolbar">
        <div className="field">
          <label htmlFor={`${uid}-lvl`}>Minimum level</label>
          <select id={`${uid}-lvl`} value={minLevel} onChange={(e) => setMinLevel(e.target.value)}>
            {LEVELS.map((l) => <option key={l}>{l}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${uid}-q`}>Search logs</label>
          <input id={`${uid}-q`} type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
          Follow (auto-scroll)
        </label>
        {taskRunId && (
          <label className="check">
            <input type="checkbox" checked={onlyTask} onChange={(e) => setOnlyTask(e.target.checked)} />
            Only {taskLabel ?? 'selected task run'}
          </label>
        )}
        <button type="button" className="btn small" onClick={() =>
          download(`/logs/${enc(executionId)}/download`, {}, `${executionId}.log`).catch((e) => setDlError(errorMessage(e)))}>
          Download
        </button>
        <span className="muted" role="status">
          {stream.status === 'open' ? 'Live' : stream.status === 'ended' ? 'Complete' : stream.status === 'error' ? 'Stopped' : 'Connecting…'}
          {' · '}{shown.length} line{shown.length === 1 ? '' : 's'}
        </span>
      </div>
      <ErrorBox error={stream.status === 'error' ? stream.error : dlError} />
      <div
        ref={box}
        className="logs"
        data-testid="logs"
        tabIndex={0}
        role="log"
        aria-label="Log lines"
        onWheel={(e) => { if (e.deltaY < 0 && follow) setFollow(false); }}
      >
        {shown.length > MAX_SHOWN && (
          <div className="muted" style={{ padding: '2px 10px' }}>
            Showing the last {MAX_SHOWN} of {shown.length} lines; download for all.
          </div>
        )}
        {visible.map((l, i) => (
          <div key={l.seq ?? i} className={`log-line ${l.level}`}>
            <span className="ts">{fmtTime(l.timestamp)}</span>
            <span className="lvl">{l.level}</span>
            <span className="task" title={l.taskId}>{l.taskId ?? ''}</span>
            <span className="msg">{l.message}</span>
          </div>
        ))}
        {!shown.length && <div className="muted" style={{ padding: '4px 10px' }}>No log lines yet.</div>}
      </div>
    </div>
  );
}
