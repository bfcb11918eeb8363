import { useState } from 'react';
import { api, download, errorMessage } from '../api/client';
import type { Execution, FilePreview } from '../api/types';
import { ErrorBox, Loading } from './common';
import { enc } from './format';

export interface FileRef {
  where: string;
  uri: string;
}

function isStorageUri(v: unknown): v is string {
  return typeof v === 'string' && /^(floe|kestra):\/\//.test(v);
}

function collect(where: string, v: unknown, out: FileRef[], depth = 0): void {
  if (depth > 6) return;
  if (isStorageUri(v)) out.push({ where, uri: v });
  else if (Array.isArray(v)) v.forEach((x, i) => collect(`${where}[${i}]`, x, out, depth + 1));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) collect(where ? `${where}.${k}` : k, x, out, depth + 1);
}

// Every storage URI the execution mentions: its inputs, its task runs' and its own outputs.
export function executionFiles(e: Execution): FileRef[] {
  const out: FileRef[] = [];
  collect('inputs', e.inputs, out);
  for (const r of e.taskRunList ?? []) collect(`${r.taskId}${r.value ? `[${r.value}]` : ''}.outputs`, r.outputs, out);
  collect('outputs', e.outputs, out);
  const seen = new Set<string>();
  return out.filter((f) => (seen.has(f.uri) ? false : (seen.add(f.uri), true)));
}

function fileName(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1) || 'file';
}

function PreviewTable({ preview }: { preview: FilePreview }) {
  const rows = Array.isArray(preview.content) ? (preview.content as unknown[]) : [];
  if (preview.type !== 'TABLE' || !preview.columns) {
    const text = typeof preview.content === 'string' ? preview.content : JSON.stringify(preview.content, null, 2);
    return <pre className="json">{text}</pre>;
  }
  return (
    <div className="table-wrap" style={{ maxHeight: 400, overflow: 'auto' }}>
      <table>
        <caption className="sr-only">File preview</caption>
        <thead>
          <tr>
            {preview.columns.map((c) => (
              <th key={c.name} scope="col">
                {c.name} <span className="muted">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {preview.columns!.map((c) => {
                const v = (r as Record<string, unknown>)[c.name];
                return <td key={c.name}>{v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {!rows.length && <p className="muted" style={{ padding: 8 }}>No rows.</p>}
      {preview.truncated && <p className="muted" style={{ padding: 8 }}>Only the first rows are shown.</p>}
    </div>
  );
}

export function ExecutionFiles({ execution }: { execution: Execution }) {
  const files = executionFiles(execution);
  const [open, setOpen] = useState<string>();
  const [preview, setPreview] = useState<FilePreview>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const base = `/executions/${enc(execution.id)}/file`;

  const show = async (uri: string) => {
    setOpen(uri);
    setPreview(undefined);
    setError(undefined);
    setBusy(true);
    try {
      setPreview(await api<FilePreview>(`${base}/preview`, { query: { path: uri, maxRows: 100 } }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (!files.length) return <p className="muted">This execution has no files.</p>;
  return (
    <div>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Execution files</caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">File</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.uri}>
                <td className="mono wrap-any">{f.where}</td>
                <td className="mono wrap-any">{f.uri}</td>
                <td>
                  <div className="row">
                    <button type="button" className="btn small" onClick={() => show(f.uri)} aria-pressed={open === f.uri}>
                      Preview
                    </button>
                    <button type="button" className="btn small"
                      onClick={() => download(base, { path: f.uri }, fileName(f.uri)).catch((e) => setError(errorMessage(e)))}>
                      Download <span className="sr-only">{fileName(f.uri)}</span>
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && (
        <section aria-label="Preview" style={{ marginTop: 12 }}>
          <h2 className="mono wrap-any">{fileName(open)}</h2>
          <ErrorBox error={error} />
          {busy ? <Loading what="Loading preview" /> : preview && <PreviewTable preview={preview} />}
        </section>
      )}
    </div>
  );
}
