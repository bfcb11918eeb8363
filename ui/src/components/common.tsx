import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { stateVar } from './format';

export function StateBadge({ state }: { state: string }) {
  return (
    <span className="state" style={{ ['--c' as string]: stateVar(state) }}>
      {state}
    </span>
  );
}

export function ErrorBox({ error, onRetry }: { error?: string; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      <span>{error}</span>
      {onRetry && (
        <button type="button" className="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'ok'; children: ReactNode }) {
  return (
    <div className={`notice ${kind}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Pager({
  page, size, total, onPage,
}: { page: number; size: number; total: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / size));
  return (
    <nav className="pager" aria-label="Pagination">
      <button type="button" className="btn small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages} ({total} total)
      </span>
      <button type="button" className="btn small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

export interface TabDef {
  id: string;
  label: string;
}

// WAI-ARIA tabs: arrow keys move between tabs, only the active one is in the tab order.
export function Tabs({ tabs, active, onSelect, label }: {
  tabs: TabDef[]; active: string; onSelect: (id: string) => void; label: string;
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const key = (e: React.KeyboardEvent, i: number) => {
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    if (j < 0) return;
    e.preventDefault();
    onSelect(tabs[j].id);
    refs.current[j]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => { refs.current[i] = el; }}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={active === t.id}
          aria-controls={`panel-${t.id}`}
          tabIndex={active === t.id ? 0 : -1}
          className="tab"
          onClick={() => onSelect(t.id)}
          onKeyDown={(e) => key(e, i)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, children }: { id: string; children: ReactNode }) {
  return (
    <section role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} className="tabpanel">
      {children}
    </section>
  );
}

export function Field({ label, children, hint }: { label: string; children: (id: string) => ReactNode; hint?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint && <small className="muted">{hint}</small>}
    </div>
  );
}

// Sets the document title (and so what screen readers announce on navigation).
export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · floe` : 'floe';
  }, [title]);
}

export function Labels({ labels }: { labels?: { key: string; value: string }[] }) {
  if (!labels?.length) return null;
  return (
    <span className="labels">
      {labels
        .filter((l) => !l.key.startsWith('system.'))
        .map((l) => (
          <span key={l.key} className="label-chip">
            {l.key}:{l.value}
          </span>
        ))}
    </span>
  );
}

export function useNow(ms: number, active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, active]);
  return now;
}

// A message that survives one navigation (e.g. "Saved" after creating a flow
// moves to the flow's own page).
let flash: string | undefined;
export function setFlash(m: string): void {
  flash = m;
}
export function takeFlash(): string | undefined {
  const m = flash;
  flash = undefined;
  return m;
}
