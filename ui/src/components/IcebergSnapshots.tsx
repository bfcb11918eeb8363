import { useMemo, useState } from 'react';
import { fmtCount, idText, type Snapshot, type TableMetadata } from '../api/lake';
import { Pager } from './common';
import { fmtDate } from './format';

const PAGE = 50;

export function snapshotTime(s: Snapshot): string {
  return fmtDate(new Date(s['timestamp-ms']).toISOString());
}

// Ref names pointing at each snapshot id.
export function refsBySnapshot(meta: TableMetadata): Map<string, { name: string; type: string }[]> {
  const out = new Map<string, { name: string; type: string }[]>();
  for (const [name, r] of Object.entries(meta.refs ?? {})) {
    const k = idText(r['snapshot-id']);
    out.set(k, [...(out.get(k) ?? []), { name, type: r.type }]);
  }
  return out;
}

function delta(s: Snapshot, added: string, deleted: string): string {
  const a = s.summary?.[added];
  const d = s.summary?.[deleted];
  const parts = [];
  if (a !== undefined && a !== '0') parts.push(`+${fmtCount(a)}`);
  if (d !== undefined && d !== '0') parts.push(`−${fmtCount(d)}`);
  return parts.join(' ') || '±0';
}

// The snapshots, newest first, as one choice: the chosen one is what Files
// and Preview show (time travel).
export function SnapshotTimeline({ meta, selected, onSelect, onOpen }: {
  meta: TableMetadata;
  selected: string;
  onSelect: (id: string) => void;
  onOpen: (id: string, tab: 'files' | 'preview') => void;
}) {
  const snapshots = useMemo(() => [...(meta.snapshots ?? [])].sort((a, b) => b['timestamp-ms'] - a['timestamp-ms']), [meta]);
  const refs = useMemo(() => refsBySnapshot(meta), [meta]);
  const current = idText(meta['current-snapshot-id']);
  const [page, setPage] = useState(() => {
    const i = snapshots.findIndex((s) => idText(s['snapshot-id']) === selected);
    return i < 0 ? 1 : Math.floor(i / PAGE) + 1;
  });
  if (!snapshots.length) return <p className="muted">No snapshots yet: the table has never been written to.</p>;
  const shown = snapshots.slice((page - 1) * PAGE, page * PAGE);
  return (
    <fieldset className="timeline-set">
      <legend>Snapshots, newest first ({snapshots.length})</legend>
      <p className="muted" style={{ marginTop: 0 }}>Choose a snapshot to see its files and its rows (time travel).</p>
      <ol className="timeline" data-testid="snapshot-timeline">
        {shown.map((s) => {
          const id = idText(s['snapshot-id']);
          const sel = id === selected;
          const sum = s.summary ?? {};
          const itsRefs = refs.get(id) ?? [];
          return (
            <li key={id} className={sel ? 'sel' : undefined} data-snapshot-id={id}>
              <label className="timeline-head">
                <input type="radio" name="snapshot" value={id} checked={sel} onChange={() => onSelect(id)} />
                <span>
                  <time dateTime={new Date(s['timestamp-ms']).toISOString()}>{snapshotTime(s)}</time>
                  {' · '}
                  <strong>{sum.operation ?? 'unknown operation'}</strong>
                  {id === current && <span className="label-chip current">current</span>}
                  {itsRefs.map((r) => (
                    <span key={r.name} className="label-chip" title={r.type}>
                      {r.type === 'tag' ? 'tag' : 'branch'} {r.name}
                    </span>
                  ))}
                </span>
              </label>
              <dl className="snap-facts">
                <div><dt>Records</dt><dd>{delta(s, 'added-records', 'deleted-records')} · total {fmtCount(sum['total-records'])}</dd></div>
                <div><dt>Data files</dt><dd>{delta(s, 'added-data-files', 'deleted-data-files')} · total {fmtCount(sum['total-data-files'])}</dd></div>
                {(sum['total-delete-files'] ?? '0') !== '0' && <div><dt>Delete files</dt><dd>{fmtCount(sum['total-delete-files'])}</dd></div>}
                <div><dt>Snapshot</dt><dd className="mono">{id}</dd></div>
                <div><dt>Parent</dt><dd className="mono">{idText(s['parent-snapshot-id']) || 'none'}</dd></div>
              </dl>
              <div className="row">
                <button type="button" className="btn small" onClick={() => onOpen(id, 'files')} aria-label={`Files of the snapshot of ${snapshotTime(s)}`}>Files</button>
                <button type="button" className="btn small" onClick={() => onOpen(id, 'preview')} aria-label={`Rows of the snapshot of ${snapshotTime(s)}`}>Rows</button>
              </div>
            </li>
          );
        })}
      </ol>
      {snapshots.length > PAGE && <Pager page={page} size={PAGE} total={snapshots.length} onPage={setPage} />}
    </fieldset>
  );
}
