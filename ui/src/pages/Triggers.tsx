import { useState } from 'react';
import { Link } from 'wouter';
import { api, errorMessage } from '../api/client';
import { useApi } from '../api/hooks';
import type { Backfill, Flow, Paged, TriggerContext, TriggerRow } from '../api/types';
import { ErrorBox, Loading, Notice, Pager, useTitle } from '../components/common';
import { DebouncedInput } from '../components/DebouncedInput';
import { enc, flowPath, fmtDate } from '../components/format';
import { InputForm, inputId, isBlocked, type InputValues } from '../components/InputForm';
import { useQueryState } from '../components/useQueryState';

const SIZE = 25;

function ids(t: TriggerContext) {
  return { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId };
}

function progress(b: Backfill): number {
  const s = Date.parse(b.start);
  const e = Date.parse(b.end);
  const c = b.currentDate ? Date.parse(b.currentDate) : s;
  if (!(e > s)) return 1;
  return Math.min(1, Math.max(0, (c - s) / (e - s)));
}

function BackfillProgress({ t, onAction }: { t: TriggerContext; onAction: (label: string, fn: () => Promise<unknown>) => void }) {
  const b = t.backfill!;
  const p = progress(b);
  const done = b.status === 'DONE' || p >= 1;
  return (
    <div className="backfill" data-testid="backfill-progress">
      <div className="row">
        <progress value={Math.round(p * 100)} max={100} aria-label={`Backfill of ${t.triggerId}`} />
        <span>{Math.round(p * 100)}% · {b.paused ? 'PAUSED' : b.status ?? ''}</span>
      </div>
      <small className="muted">{fmtDate(b.start)} → {fmtDate(b.end)}{b.currentDate ? `, at ${fmtDate(b.currentDate)}` : ''}</small>
      <div className="row" style={{ marginTop: 4 }}>
        {!done && (b.paused ? (
          <button type="button" className="btn small" onClick={() => onAction('Unpause backfill', () => api('/triggers/backfill/unpause', { method: 'PUT', json: ids(t) }))}>Unpause</button>
        ) : (
          <button type="button" className="btn small" onClick={() => onAction('Pause backfill', () => api('/triggers/backfill/pause', { method: 'PUT', json: ids(t) }))}>Pause</button>
        ))}
        <button type="button" className="btn small" onClick={() => onAction('Remove backfill', () => api('/triggers/backfill/delete', { method: 'POST', json: ids(t) }))}>
          Remove<span className="sr-only"> backfill of {t.triggerId}</span>
        </button>
      </div>
    </div>
  );
}

function toLocalInput(d: Date): string {
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function BackfillForm({ t, onDone, onCancel }: { t: TriggerContext; onDone: () => void; onCancel: () => void }) {
  const flow = useApi((signal) => api<Flow>(`/flows/${enc(t.namespace)}/${enc(t.flowId)}`, { signal }), `${t.namespace}/${t.flowId}`);
  const [start, setStart] = useState(toLocalInput(new Date(Date.now() - 24 * 3600_000)));
  const [end, setEnd] = useState(toLocalInput(new Date()));
  const [busy, setBusy] = useState(false);
  const inputs = (flow.data?.inputs ?? []).filter((i) => i.type.toUpperCase() !== 'FILE');

  const submit = async (values: InputValues) => {
    setBusy(true);
    try {
      const body: Record<string, unknown> = {};
      for (const i of inputs) {
        const v = values[inputId(i)];
        if (v === null || v === '' || (Array.isArray(v) && !v.length) || isBlocked(i, values)) continue;
        body[inputId(i)] = v instanceof File ? undefined : v;
      }
      await api('/triggers', {
        method: 'PUT',
        json: { ...ids(t), backfill: { start: new Date(start).toISOString(), end: new Date(end).toISOString(), inputs: body } },
      });
      onDone();
    } catch (e) {
      throw new Error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="bf-title" style={{ margin: '12px 0' }}>
      <h2 id="bf-title" style={{ marginTop: 0 }}>Backfill {t.flowId} · {t.triggerId}</h2>
      <ErrorBox error={flow.error} />
      {!flow.data && !flow.error ? <Loading /> : (
        <InputForm
          inputs={inputs}
          busy={busy}
          submitLabel={busy ? 'Starting…' : 'Start backfill'}
          onSubmit={submit}
          extra={
            <>
              <div className="row">
                <div className="field">
                  <label htmlFor="bf-start">Start</label>
                  <input id="bf-start" type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)} />
                </div>
                <div className="field">
                  <label htmlFor="bf-end">End</label>
                  <input id="bf-end" type="datetime-local" required value={end} onChange={(e) => setEnd(e.target.value)} />
                </div>
              </div>
              <button type="button" className="btn" onClick={onCancel} style={{ marginRight: 8 }}>Cancel</button>
            </>
          }
        />
      )}
    </section>
  );
}

export default function Triggers() {
  useTitle('Triggers');
  const [q, setQ] = useQueryState();
  const page = Number(q.get('page') ?? 1) || 1;
  const namespace = q.get('namespace') ?? '';
  const text = q.get('q') ?? '';
  const list = useApi(
    (signal) => api<Paged<TriggerRow>>('/triggers/search', { query: { page, size: SIZE, namespace, q: text }, signal }),
    JSON.stringify([page, namespace, text]),
    3000,
  );
  const [error, setError] = useState<string>();
  const [info, setInfo] = useState<string>();
  const [backfillFor, setBackfillFor] = useState<TriggerContext>();

  const act = async (label: string, fn: () => Promise<unknown>) => {
    setError(undefined);
    setInfo(undefined);
    try {
      await fn();
      setInfo(`${label}: done`);
      list.reload();
    } catch (e) {
      setError(`${label}: ${errorMessage(e)}`);
    }
  };

  return (
    <>
      <div className="page-head"><h1>Triggers</h1></div>
      <form className="filters" role="search" aria-label="Filter triggers" onSubmit={(e) => e.preventDefault()}>
        <DebouncedInput label="Namespace" value={namespace} onChange={(v) => setQ({ namespace: v, page: undefined })} />
        <DebouncedInput label="Search" value={text} onChange={(v) => setQ({ q: v, page: undefined })} />
      </form>
      <ErrorBox error={error} />
      {info && <Notice kind="ok">{info}</Notice>}
      {backfillFor && (
        <BackfillForm key={`${backfillFor.flowId}/${backfillFor.triggerId}`} t={backfillFor}
          onCancel={() => setBackfillFor(undefined)}
          onDone={() => { setBackfillFor(undefined); setInfo('Backfill started'); list.reload(); }} />
      )}
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && (
        list.data.results.length === 0 ? <p className="muted">No triggers.</p> : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Triggers</caption>
                <thead>
                  <tr>
                    <th scope="col">Trigger</th>
                    <th scope="col">Flow</th>
                    <th scope="col">Type</th>
                    <th scope="col">Next execution</th>
                    <th scope="col">Status</th>
                    <th scope="col">Backfill</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.results.map(({ abstractTrigger: a, triggerContext: t }) => (
                    <tr key={`${t.namespace}/${t.flowId}/${t.triggerId}`}>
                      <th scope="row">{t.triggerId}{a.cron ? <div className="muted mono">{String(a.cron)}</div> : null}</th>
                      <td className="wrap-any"><Link href={flowPath(t.namespace, t.flowId)}>{t.namespace}.{t.flowId}</Link></td>
                      <td className="mono">{(a.type ?? t.type ?? '').split('.').slice(-2).join('.')}</td>
                      <td>{fmtDate(t.nextExecutionDate)}</td>
                      <td>{t.disabled ? 'Disabled' : 'Enabled'}</td>
                      <td>{t.backfill ? <BackfillProgress t={t} onAction={act} /> : <span className="muted">—</span>}</td>
                      <td>
                        <div className="row">
                          <button type="button" className="btn small"
                            onClick={() => act(t.disabled ? 'Enable' : 'Disable', () => api('/triggers', { method: 'PUT', json: { ...ids(t), disabled: !t.disabled } }))}>
                            {t.disabled ? 'Enable' : 'Disable'}<span className="sr-only"> {t.triggerId}</span>
                          </button>
                          <button type="button" className="btn small"
                            onClick={() => act('Unlock', () => api(`/triggers/${enc(t.namespace)}/${enc(t.flowId)}/${enc(t.triggerId)}/unlock`, { method: 'POST' }))}>
                            Unlock<span className="sr-only"> {t.triggerId}</span>
                          </button>
                          {a.type?.endsWith('Schedule') && (
                            <button type="button" className="btn small" onClick={() => setBackfillFor(t)}>
                              Backfill<span className="sr-only"> {t.triggerId}</span>
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={page} size={SIZE} total={list.data.total} onPage={(p) => setQ({ page: String(p) })} />
          </>
        )
      )}
    </>
  );
}
