import { useEffect, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { api, errorMessage } from '../api/client';
import { useDebounced } from '../api/hooks';
import type { Flow, ValidateResult } from '../api/types';
import { CodeEditor, type Marker } from './CodeEditor';
import { ErrorBox, Notice, setFlash, takeFlash } from './common';
import { flowPath } from './format';

export const NEW_FLOW_TEMPLATE = `id: my_flow
namespace: company.team
description: A new flow

inputs:
  - id: name
    type: STRING
    defaults: world

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
`;

export function FlowEditor({ initial, existing, onSaved }: {
  initial: string;
  existing?: { namespace: string; id: string };
  onSaved?: (f: Flow) => void;
}) {
  const [source, setSource] = useState(initial);
  const [saved, setSaved] = useState(initial);
  const debounced = useDebounced(source, 400);
  const [problems, setProblems] = useState<Marker[]>([]);
  const [validating, setValidating] = useState(false);
  const [validateError, setValidateError] = useState<string>();
  const [saveError, setSaveError] = useState<string>();
  const [notice, setNotice] = useState<string | undefined>(takeFlash);
  const [saving, setSaving] = useState(false);
  const [reveal, setReveal] = useState<{ line: number; column: number; seq: number }>();
  const seq = useRef(0);
  const [, navigate] = useLocation();

  useEffect(() => {
    setSource(initial);
    setSaved(initial);
  }, [initial]);

  useEffect(() => {
    const my = ++seq.current;
    const ctl = new AbortController();
    setValidating(true);
    api<ValidateResult[]>('/flows/validate', { method: 'POST', yaml: debounced, signal: ctl.signal })
      .then((res) => {
        if (my !== seq.current) return;
        const list: Marker[] = [];
        for (const r of res ?? []) {
          for (const e of r.errors ?? []) {
            list.push({ line: e.line ?? 1, column: e.column ?? 1, message: e.hint ? `${e.message} (${e.hint})` : e.message });
          }
        }
        setProblems(list);
        setValidateError(undefined);
      })
      .catch((e) => {
        if ((e as Error).name === 'AbortError' || my !== seq.current) return;
        setValidateError(`Validation unavailable: ${errorMessage(e)}`);
      })
      .finally(() => { if (my === seq.current) setValidating(false); });
    return () => ctl.abort();
  }, [debounced]);

  const dirty = source !== saved;
  const save = async () => {
    setSaving(true);
    setSaveError(undefined);
    setNotice(undefined);
    try {
      const f = existing
        ? await api<Flow>(`/flows/${encodeURIComponent(existing.namespace)}/${encodeURIComponent(existing.id)}`, { method: 'PUT', yaml: source })
        : await api<Flow>('/flows', { method: 'POST', yaml: source });
      setSaved(source);
      const msg = `Saved ${f.namespace}.${f.id}, revision ${f.revision}`;
      setNotice(msg);
      onSaved?.(f);
      if (!existing) {
        setFlash(msg);
        navigate(flowPath(f.namespace, f.id, 'editor'));
      }
    } catch (e) {
      setSaveError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div>
      <div className="row" style={{ marginBottom: 8, justifyContent: 'space-between' }}>
        <span className="muted" role="status" aria-live="polite" data-testid="validation-status">
          {validating ? 'Validating…' : problems.length ? `${problems.length} problem${problems.length > 1 ? 's' : ''}` : 'Valid'}
          {dirty ? ' · unsaved changes' : ''}
        </span>
        <div className="row">
          <button type="button" className="btn" disabled={!dirty || saving} onClick={() => setSource(saved)}>
            Discard changes
          </button>
          <button type="button" className="btn primary" disabled={saving || (!dirty && !!existing)} onClick={save}>
            {saving ? 'Saving…' : existing ? 'Save' : 'Create flow'}
          </button>
        </div>
      </div>
      <ErrorBox error={saveError} />
      {notice && <Notice kind="ok">{notice}</Notice>}
      <div className="editor-layout">
        <CodeEditor value={source} onChange={setSource} flowSchema markers={problems} label="Flow YAML source" revealLine={reveal} />
        <section aria-labelledby="problems-title" className="card" style={{ padding: 10 }}>
          <h2 id="problems-title" style={{ marginTop: 0 }}>Problems</h2>
          <ErrorBox error={validateError} />
          {problems.length === 0 ? (
            <p className="muted">No problems found.</p>
          ) : (
            <ul className="problems" data-testid="problems">
              {problems.map((p, i) => (
                <li key={i}>
                  <button type="button" className="linkbtn" onClick={() => setReveal({ line: p.line, column: p.column, seq: Date.now() })}>
                    Line {p.line}, column {p.column}
                  </button>
                  : {p.message}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
