import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { api, errorMessage } from '../api/client';
import { useStream } from '../api/hooks';
import type { SseMessage } from '../api/sse';
import type { Execution } from '../api/types';
import { ErrorBox, Labels, Loading, Notice, StateBadge, TabPanel, Tabs, useTitle } from '../components/common';
import { ExecutionFiles } from '../components/ExecutionFiles';
import { enc, executionPath, flowPath, fmtDate, humanDuration, humanMs, isTerminal } from '../components/format';
import { Gantt, ganttRows } from '../components/Gantt';
import { InputForm, toFormData } from '../components/InputForm';
import { LogViewer } from '../components/LogViewer';
import { useResumeInputs, waitingPauses } from '../components/resumeInputs';

const TABS = [
  { id: 'gantt', label: 'Gantt' },
  { id: 'logs', label: 'Logs' },
  { id: 'outputs', label: 'Outputs' },
  { id: 'files', label: 'Files' },
  { id: 'overview', label: 'Overview' },
];

function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

export default function ExecutionPage() {
  const params = useParams<{ ns: string; flowId: string; id: string; tab?: string }>();
  const id = params.id;
  const tab = params.tab ?? 'gantt';
  const [, navigate] = useLocation();
  const [exec, setExec] = useState<Execution>();
  const [loadError, setLoadError] = useState<string>();
  const [epoch, setEpoch] = useState(0);
  const [selected, setSelected] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const [info, setInfo] = useState<string>();
  useTitle(`Execution ${id.slice(0, 10)}`);

  // A GET answers at once; the follow stream then keeps the execution current.
  useEffect(() => {
    let stop = false;
    setLoadError(undefined);
    api<Execution>(`/executions/${enc(id)}`)
      .then((e) => { if (!stop) setExec((cur) => cur && cur.id === e.id ? cur : e); })
      .catch((e) => { if (!stop) setLoadError(errorMessage(e)); });
    return () => { stop = true; };
  }, [id, epoch]);

  const onMessage = useCallback((m: SseMessage) => {
    try {
      const e = JSON.parse(m.data) as Execution;
      if (e && e.state && e.id === id) setExec(e);
    } catch {
      /* a heartbeat or a partial event */
    }
  }, [id]);
  const streamPath = `/executions/${enc(id)}/follow${epoch ? `?r=${epoch}` : ''}`;
  const stream = useStream(streamPath, onMessage, { keep: 'last', resumable: false });

  const rows = useMemo(() => (exec ? ganttRows(exec.taskRunList ?? []) : []), [exec]);
  const selRow = rows.find((r) => r.run.id === selected);

  // A Pause task with onResume inputs: Resume asks for them first.
  const resume = useResumeInputs(exec);
  const [resumeOpen, setResumeOpen] = useState(false);
  const resumeBox = useRef<HTMLElement>(null);
  const resumeInputs = resume.inputs ?? [];
  const asksInputs = exec?.state.current === 'PAUSED' && resumeInputs.length > 0;
  useEffect(() => {
    if (!resumeOpen) return;
    resumeBox.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, [resumeOpen]);
  useEffect(() => {
    if (exec && exec.state.current !== 'PAUSED') setResumeOpen(false);
  }, [exec]);

  const act = async (label: string, fn: () => Promise<Execution | void>) => {
    setBusy(true);
    setActionError(undefined);
    setInfo(undefined);
    try {
      const res = await fn();
      setInfo(`${label}: done`);
      if (res && res.id && res.id !== id) {
        navigate(executionPath(res));
        return;
      }
      setEpoch((x) => x + 1);
    } catch (e) {
      setActionError(`${label} failed: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
    }
  };

  if (loadError && !exec) return (<><h1>Execution</h1><ErrorBox error={loadError} onRetry={() => setEpoch((x) => x + 1)} /></>);
  if (!exec) return <Loading what="Loading execution" />;

  const st = exec.state.current;
  const ended = isTerminal(st);
  const base = executionPath(exec);
  const canKill = !ended;
  const canPause = st === 'RUNNING';
  const canResume = st === 'PAUSED';
  const canRestart = st === 'FAILED' || st === 'KILLED';

  return (
    <>
      <div className="crumbs">
        <Link href="/executions">Executions</Link> / <Link href={flowPath(exec.namespace, exec.flowId)}>{exec.namespace}.{exec.flowId}</Link>
      </div>
      <div className="page-head">
        <h1>
          {exec.flowId} <span className="muted" style={{ fontWeight: 400 }}>execution</span>{' '}
          <span className="mono">{exec.id}</span>
        </h1>
        <div className="actions">
          <StateBadge state={st} />
          <span className="muted" aria-label="duration">
            {ended ? humanDuration(exec.state.duration) : exec.state.startDate ? humanMs(Date.now() - Date.parse(exec.state.startDate)) : ''}
          </span>
          {canKill && (
            <button type="button" className="btn danger" disabled={busy}
              onClick={() => act('Kill', () => api(`/executions/${enc(id)}/kill`, { method: 'DELETE' }))}>
              Kill
            </button>
          )}
          {canPause && (
            <button type="button" className="btn" disabled={busy}
              onClick={() => act('Pause', () => api(`/executions/${enc(id)}/pause`, { method: 'POST' }))}>
              Pause
            </button>
          )}
          {canResume && asksInputs && (
            <button type="button" className="btn primary" disabled={busy} aria-expanded={resumeOpen} aria-controls="resume-form"
              onClick={() => setResumeOpen((o) => !o)}>
              Resume…
            </button>
          )}
          {canResume && !asksInputs && (
            <button type="button" className="btn primary" disabled={busy || resume.inputs === undefined}
              onClick={() => act('Resume', () => api(`/executions/${enc(id)}/resume`, { method: 'POST', body: new FormData() }))}>
              Resume
            </button>
          )}
          {canRestart && (
            <button type="button" className="btn primary" disabled={busy}
              onClick={() => act('Restart', () => api<Execution>(`/executions/${enc(id)}/restart`, { method: 'POST' }))}>
              Restart
            </button>
          )}
        </div>
      </div>
      <ErrorBox error={actionError} />
      {info && <Notice kind="ok">{info}</Notice>}
      {canResume && resume.error && <ErrorBox error={`Cannot read the Pause task's onResume inputs: ${resume.error}`} />}
      {canResume && asksInputs && resumeOpen && (
        <section id="resume-form" ref={resumeBox} className="card resume-form" aria-labelledby="resume-title">
          <h2 id="resume-title">Resume with inputs</h2>
          <p className="muted">
            The execution waits at {waitingPauses(exec).join(', ')}; the values become its{' '}
            <code>outputs.{waitingPauses(exec)[0]}.onResume</code>.
          </p>
          <InputForm
            inputs={resumeInputs}
            submitLabel={busy ? 'Resuming…' : 'Resume'}
            busy={busy}
            onSubmit={async (values) => {
              setBusy(true);
              setActionError(undefined);
              setInfo(undefined);
              try {
                await api(`/executions/${enc(id)}/resume`, { method: 'POST', body: toFormData(resumeInputs, values) });
                setInfo('Resume: done');
                setResumeOpen(false);
                setEpoch((x) => x + 1);
              } catch (err) {
                throw new Error(errorMessage(err));
              } finally {
                setBusy(false);
              }
            }}
          />
        </section>
      )}
      {stream.status === 'error' && <ErrorBox error={`Live updates stopped: ${stream.error ?? ''}`} onRetry={() => setEpoch((x) => x + 1)} />}

      <Tabs label="Execution views" tabs={TABS} active={tab} onSelect={(t) => navigate(`${base}/${t}`, { replace: true })} />

      {tab === 'gantt' && (
        <TabPanel id="gantt">
          <Gantt execution={exec} selected={selected} onSelect={setSelected} />
          {selRow ? (
            <section className="card" style={{ marginTop: 12 }} aria-labelledby="tr-title">
              <h2 id="tr-title" style={{ marginTop: 0 }}>{selRow.label}</h2>
              <dl className="kv">
                <dt>State</dt><dd><StateBadge state={selRow.run.state.current} /></dd>
                <dt>Type</dt><dd className="mono">{selRow.run.taskType}</dd>
                <dt>Started</dt><dd>{fmtDate(selRow.run.state.startDate)}</dd>
                <dt>Duration</dt><dd>{humanDuration(selRow.run.state.duration)}</dd>
                <dt>Attempts</dt><dd>{selRow.run.attempts?.length ?? 0}</dd>
                <dt>Task run id</dt><dd className="mono">{selRow.run.id}</dd>
              </dl>
              {selRow.run.outputs && Object.keys(selRow.run.outputs).length > 0 && (
                <>
                  <h3>Outputs</h3>
                  <Json value={selRow.run.outputs} />
                </>
              )}
              <div className="row" style={{ marginTop: 10 }}>
                <button type="button" className="btn" disabled={busy || !ended}
                  title={ended ? undefined : 'Replay needs the execution to have ended'}
                  onClick={() => act('Replay', () => api<Execution>(`/executions/${enc(id)}/replay`, { method: 'POST', query: { taskRunId: selRow.run.id } }))}>
                  Replay from this task
                </button>
                <Link href={`${base}/logs`}>Logs</Link>
              </div>
            </section>
          ) : (
            <p className="muted">Select a task run (click, or focus the timeline and use the arrow keys) to see its details and replay from it.</p>
          )}
        </TabPanel>
      )}
      {tab === 'logs' && (
        <TabPanel id="logs">
          <LogViewer key={epoch} executionId={id} taskRunId={selected} taskLabel={selRow?.label} />
        </TabPanel>
      )}
      {tab === 'outputs' && (
        <TabPanel id="outputs">
          <h2>Flow outputs</h2>
          {exec.outputs && Object.keys(exec.outputs).length ? <Json value={exec.outputs} /> : <p className="muted">None.</p>}
          <h2>Task outputs</h2>
          {rows.filter((r) => r.run.outputs && Object.keys(r.run.outputs).length).length === 0 ? <p className="muted">None.</p> : (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Task outputs</caption>
                <thead><tr><th scope="col">Task run</th><th scope="col">Outputs</th></tr></thead>
                <tbody>
                  {rows.filter((r) => r.run.outputs && Object.keys(r.run.outputs).length).slice(0, 500).map((r) => (
                    <tr key={r.run.id}>
                      <th scope="row" className="mono">{r.label}</th>
                      <td><Json value={r.run.outputs} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </TabPanel>
      )}
      {tab === 'files' && (
        <TabPanel id="files">
          <ExecutionFiles execution={exec} />
        </TabPanel>
      )}
      {tab === 'overview' && (
        <TabPanel id="overview">
          <dl className="kv">
            <dt>Flow</dt><dd><Link href={flowPath(exec.namespace, exec.flowId)}>{exec.namespace}.{exec.flowId}</Link> (revision {exec.flowRevision})</dd>
            <dt>Started</dt><dd>{fmtDate(exec.state.startDate)}</dd>
            <dt>Ended</dt><dd>{fmtDate(exec.state.endDate)}</dd>
            <dt>Labels</dt><dd><Labels labels={exec.labels} /></dd>
            {exec.originalId && exec.originalId !== exec.id && (<><dt>Replay of</dt><dd className="mono">{exec.originalId}</dd></>)}
            {exec.trigger && (<><dt>Trigger</dt><dd>{exec.trigger.id} ({exec.trigger.type})</dd></>)}
          </dl>
          <h2>Inputs</h2>
          {exec.inputs && Object.keys(exec.inputs).length ? <Json value={exec.inputs} /> : <p className="muted">None.</p>}
          <h2>State history</h2>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">State history</caption>
              <thead><tr><th scope="col">State</th><th scope="col">Date</th></tr></thead>
              <tbody>
                {exec.state.histories.map((h, i) => (
                  <tr key={i}><td><StateBadge state={h.state} /></td><td>{fmtDate(h.date)}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        </TabPanel>
      )}
    </>
  );
}
