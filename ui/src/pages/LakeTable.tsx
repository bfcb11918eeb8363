import { useId, useMemo, useState } from 'react';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import { useApi } from '../api/hooks';
import {
  fmtCount, humanBytes, idText, lake, lakePaths, type Snapshot, type TableMetadata,
} from '../api/lake';
import { ErrorBox, Loading, Notice, Pager, TabPanel, Tabs, useTitle } from '../components/common';
import { fmtDate } from '../components/format';
import { PartitioningPanel, SchemaPanel } from '../components/IcebergSchema';
import { refsBySnapshot, SnapshotTimeline, snapshotTime } from '../components/IcebergSnapshots';
import { LakeNav } from '../components/LakeNav';
import { ResultTable } from '../components/ResultTable';
import { useQueryState } from '../components/useQueryState';

const TABS = [
  { id: 'schema', label: 'Schema' },
  { id: 'partitioning', label: 'Partitioning' },
  { id: 'snapshots', label: 'Snapshots' },
  { id: 'files', label: 'Files' },
  { id: 'preview', label: 'Preview' },
  { id: 'properties', label: 'Properties' },
];
const FILES_PAGE = 100;
const PREVIEW_SIZES = [10, 100, 500, 1000];

function findSnapshot(meta: TableMetadata, id: string): Snapshot | undefined {
  return meta.snapshots?.find((s) => idText(s['snapshot-id']) === id);
}

// Which snapshot a panel shows, said in words (time travel needs saying).
function SnapshotNote({ meta, id, what }: { meta: TableMetadata; id: string; what: string }) {
  const s = findSnapshot(meta, id);
  const current = id === idText(meta['current-snapshot-id']);
  if (!s) return null;
  return (
    <p className={`snapshot-note${current ? '' : ' past'}`} data-testid="snapshot-note">
      {what} at snapshot <span className="mono">{id}</span> ({s.summary?.operation ?? 'commit'}, {snapshotTime(s)})
      {current ? ': the current one.' : ': an earlier snapshot, not the current one.'}
      {!current && <> <span className="muted">Choose another in Snapshots.</span></>}
    </p>
  );
}

function FilesPanel({ ns, table, meta, snapshot }: { ns: string; table: string; meta: TableMetadata; snapshot: string }) {
  const [page, setPage] = useState(1);
  const files = useApi((signal) => lake.files(ns, table, snapshot || undefined, signal), `${ns}/${table}/${snapshot}`);
  const specs = useMemo(() => new Map(meta['partition-specs'].map((s) => [s['spec-id'], s])), [meta]);
  const location = meta.location.replace(/\/+$/, '');
  const rel = (p: string) => (p.startsWith(`${location}/`) ? p.slice(location.length + 1) : p);
  return (
    <>
      <SnapshotNote meta={meta} id={snapshot} what="Data files" />
      <ErrorBox error={files.error} onRetry={files.reload} />
      {files.loading && !files.data ? <Loading what="Loading files" /> : files.data && (
        <>
          <p data-testid="files-totals">
            <strong>{files.data.files.length}</strong> files, <strong>{fmtCount(files.data.records)}</strong> records,{' '}
            <strong>{humanBytes(files.data.bytes)}</strong>
          </p>
          {files.data.files.length > 0 && (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Data files</caption>
                <thead>
                  <tr>
                    <th scope="col">Path (under the table's location)</th>
                    <th scope="col">Format</th>
                    <th scope="col" className="num">Records</th>
                    <th scope="col" className="num">Size</th>
                    <th scope="col">Partition</th>
                    <th scope="col" className="num">Deletes</th>
                  </tr>
                </thead>
                <tbody>
                  {files.data.files.slice((page - 1) * FILES_PAGE, page * FILES_PAGE).map((f) => {
                    const spec = specs.get(f.specId);
                    const partition = f.partition.map((v, i) => `${spec?.fields[i]?.name ?? i}=${v === null ? 'null' : String(v)}`).join(', ');
                    return (
                      <tr key={f.path}>
                        <td className="mono wrap-any" title={f.path}>{rel(f.path)}</td>
                        <td>{f.format}</td>
                        <td className="num">{fmtCount(f.records)}</td>
                        <td className="num">{humanBytes(f.bytes)}</td>
                        <td className="mono wrap-any">{partition || <span className="muted">none</span>}</td>
                        <td className="num">
                          {f.positionDeletes || f.equalityDeletes
                            ? `${f.positionDeletes} position, ${f.equalityDeletes} equality`
                            : <span className="muted">0</span>}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {files.data.files.length > FILES_PAGE && <Pager page={page} size={FILES_PAGE} total={files.data.files.length} onPage={setPage} />}
        </>
      )}
    </>
  );
}

function PreviewPanel({ ns, table, meta, snapshot }: { ns: string; table: string; meta: TableMetadata; snapshot: string }) {
  const [size, setSize] = useState(100);
  const sizeId = useId();
  const rows = useApi((signal) => lake.preview(ns, table, snapshot || undefined, size, signal), `${ns}/${table}/${snapshot}/${size}`);
  return (
    <>
      <SnapshotNote meta={meta} id={snapshot} what="Rows" />
      <div className="field inline-field">
        <label htmlFor={sizeId}>Rows to show</label>
        <select id={sizeId} value={size} onChange={(e) => setSize(Number(e.target.value))}>
          {PREVIEW_SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </div>
      <ErrorBox error={rows.error} onRetry={rows.reload} />
      {rows.loading && !rows.data ? <Loading what="Loading rows" /> : rows.data && (
        <>
          <p className="muted" role="status">
            {rows.data.rows.length} rows{rows.data.truncated ? ` shown: the first ${size}; the snapshot has more` : ''}.
          </p>
          <ResultTable key={`${snapshot}/${size}`} result={rows.data} caption={`Rows of ${ns}.${table}`} />
        </>
      )}
    </>
  );
}

function PropertiesPanel({ meta }: { meta: TableMetadata }) {
  const props = Object.entries(meta.properties ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const refs = Object.entries(meta.refs ?? {});
  return (
    <>
      <h2>Properties</h2>
      {props.length === 0 ? <p className="muted">None.</p> : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Table properties</caption>
            <thead><tr><th scope="col">Property</th><th scope="col">Value</th></tr></thead>
            <tbody>
              {props.map(([k, v]) => (
                <tr key={k}><th scope="row" className="mono">{k}</th><td className="mono wrap-any">{v}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Branches and tags</h2>
      {refs.length === 0 ? <p className="muted">None.</p> : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Branches and tags</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Snapshot</th></tr></thead>
            <tbody>
              {refs.map(([name, r]) => (
                <tr key={name}><th scope="row" className="mono">{name}</th><td>{r.type}</td><td className="mono">{idText(r['snapshot-id'])}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(meta['metadata-log']?.length ?? 0) > 0 && (
        <details className="meta-log">
          <summary>Earlier metadata files ({meta['metadata-log']!.length})</summary>
          <ul>
            {[...meta['metadata-log']!].reverse().slice(0, 200).map((m) => (
              <li key={m['metadata-file']}>
                {fmtDate(new Date(m['timestamp-ms']).toISOString())} <span className="mono wrap-any">{m['metadata-file']}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

export default function LakeTable() {
  const params = useParams<{ namespace: string; table: string; tab?: string }>();
  const ns = params.namespace;
  const table = params.table;
  const tab = TABS.some((t) => t.id === params.tab) ? params.tab! : 'schema';
  const [, navigate] = useLocation();
  const search = useSearch();
  const [q, setQ] = useQueryState();
  useTitle(`${ns}.${table}`);
  const loaded = useApi((signal) => lake.table(ns, table, signal), `${ns}/${table}`);
  const meta = loaded.data?.metadata;
  const current = idText(meta?.['current-snapshot-id']);
  const selected = q.get('snapshot') ?? current;
  const selectedKnown = !!meta && (!selected || !!findSnapshot(meta, selected));
  const base = lakePaths.table(ns, table);
  const go = (t: string, snapshot?: string) => {
    const next = new URLSearchParams(search);
    if (snapshot !== undefined) {
      if (snapshot === current) next.delete('snapshot');
      else next.set('snapshot', snapshot);
    }
    const qs = next.toString();
    navigate(`${base}/${t}${qs ? `?${qs}` : ''}`, { replace: true });
  };

  const head = (
    <>
      <LakeNav />
      <div className="crumbs">
        <Link href="/lake/tables">Tables</Link> / {ns}
      </div>
    </>
  );
  if (loaded.error && !loaded.data) return (<>{head}<h1>{ns}.{table}</h1><ErrorBox error={loaded.error} onRetry={loaded.reload} /></>);
  if (!meta) return (<>{head}<Loading what="Loading table" /></>);
  const cur = current ? findSnapshot(meta, current) : undefined;
  const refs = refsBySnapshot(meta);
  const sqlTarget = `${ns}.${table}`;
  const sqlHref = `/lake/sql?table=${encodeURIComponent(sqlTarget)}${selected && selected !== current ? `&snapshot=${selected}` : ''}`;

  return (
    <>
      {head}
      <div className="page-head">
        <h1>
          <span className="muted" style={{ fontWeight: 400 }}>{ns}.</span>{table}
        </h1>
        <div className="actions">
          <Link className="btn" href={sqlHref}>Query in SQL console</Link>
          <button type="button" className="btn" onClick={loaded.reload} disabled={loaded.loading}>Refresh</button>
        </div>
      </div>
      <dl className="kv table-facts">
        <dt>Location</dt><dd className="mono">{meta.location}</dd>
        <dt>Format version</dt><dd>{meta['format-version']}</dd>
        <dt>Current snapshot</dt>
        <dd>
          {cur ? (
            <>
              <span className="mono">{current}</span> · {cur.summary?.operation} · {snapshotTime(cur)} · {fmtCount(cur.summary?.['total-records'])} records
              {(refs.get(current) ?? []).map((r) => <span key={r.name} className="label-chip">{r.name}</span>)}
            </>
          ) : <span className="muted">none (never written)</span>}
        </dd>
        <dt>Last updated</dt><dd>{fmtDate(new Date(meta['last-updated-ms']).toISOString())}</dd>
        <dt>Table UUID</dt><dd className="mono">{meta['table-uuid']}</dd>
        <dt>Metadata file</dt><dd className="mono">{loaded.data?.metadataLocation}</dd>
      </dl>
      {selected && selected !== current && selectedKnown && (
        <Notice>
          Time travel: Files and Preview show snapshot <span className="mono">{selected}</span>{' '}
          ({snapshotTime(findSnapshot(meta, selected)!)}).{' '}
          <button type="button" className="linkbtn" onClick={() => setQ({ snapshot: undefined })}>Back to the current snapshot</button>
        </Notice>
      )}
      {!selectedKnown && <ErrorBox error={`The table has no snapshot ${selected}: it may have expired.`} />}
      <Tabs label="Table views" tabs={TABS} active={tab} onSelect={(t) => go(t)} />
      <TabPanel id={tab}>
        {tab === 'schema' && <SchemaPanel meta={meta} />}
        {tab === 'partitioning' && <PartitioningPanel meta={meta} />}
        {tab === 'snapshots' && (
          <SnapshotTimeline meta={meta} selected={selected} onSelect={(id) => go('snapshots', id)} onOpen={(id, t) => go(t, id)} />
        )}
        {tab === 'files' && (selectedKnown && selected
          ? <FilesPanel ns={ns} table={table} meta={meta} snapshot={selected} />
          : <p className="muted">No snapshot: the table has no files.</p>)}
        {tab === 'preview' && (selectedKnown && selected
          ? <PreviewPanel ns={ns} table={table} meta={meta} snapshot={selected} />
          : <p className="muted">No snapshot: the table has no rows.</p>)}
        {tab === 'properties' && <PropertiesPanel meta={meta} />}
      </TabPanel>
    </>
  );
}
