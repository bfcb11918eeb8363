// Dates, durations and states the way every page shows them.

export function parseIsoDuration(d?: string): number | undefined {
  if (!d) return undefined;
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(-?\d+(?:\.\d+)?)S)?)?$/.exec(d);
  if (!m) return undefined;
  const [, days, h, min, s] = m;
  return ((+(days ?? 0) * 24 + +(h ?? 0)) * 60 + +(min ?? 0)) * 60_000 + +(s ?? 0) * 1000;
}

export function humanMs(ms?: number): string {
  if (ms === undefined || !isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

export function humanDuration(iso?: string): string {
  return humanMs(parseIsoDuration(iso));
}

export function fmtDate(iso?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

export function fmtTime(iso?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export const STATES = [
  'CREATED', 'QUEUED', 'RUNNING', 'PAUSED', 'RESTARTED', 'KILLING', 'SUCCESS', 'WARNING', 'FAILED', 'KILLED',
  'CANCELLED', 'RETRYING', 'RETRIED', 'SKIPPED',
] as const;

export const TERMINAL = new Set(['SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED', 'RETRIED', 'SKIPPED']);

export function isTerminal(state?: string): boolean {
  return !!state && TERMINAL.has(state);
}

// The CSS variable that colours a state; the palette lives in styles.css so
// both themes keep their contrast.
export function stateVar(state: string): string {
  switch (state) {
    case 'SUCCESS': return 'var(--st-success)';
    case 'FAILED': return 'var(--st-failed)';
    case 'WARNING': return 'var(--st-warning)';
    case 'RUNNING': case 'KILLING': case 'RETRYING': return 'var(--st-running)';
    case 'KILLED': case 'CANCELLED': return 'var(--st-killed)';
    case 'PAUSED': return 'var(--st-paused)';
    case 'SKIPPED': return 'var(--st-skipped)';
    default: return 'var(--st-created)';
  }
}

// A filter box's test: every word of `text` appears in the haystack (case-insensitive).
export function matchesWords(text: string): (haystack: string) => boolean {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return (haystack) => {
    const hay = haystack.toLowerCase();
    return words.every((w) => hay.includes(w));
  };
}

export function executionPath(e: { id: string; namespace: string; flowId: string }): string {
  return `/executions/${encodeURIComponent(e.namespace)}/${encodeURIComponent(e.flowId)}/${encodeURIComponent(e.id)}`;
}

export function flowPath(ns: string, id: string, tab?: string): string {
  return `/flows/${encodeURIComponent(ns)}/${encodeURIComponent(id)}${tab ? `/${tab}` : ''}`;
}

export function enc(s: string): string {
  return encodeURIComponent(s);
}
