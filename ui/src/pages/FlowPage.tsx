import { lazy, Suspense, useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { api, errorMessage } from '../api/client';
import { useApi } from '../api/hooks';
import type { Execution, Flow, Paged } from '../api/types';
import { ErrorBox, Labels, Loading, Notice, Pager, TabPanel, Tabs, useTitle } from '../components/common';
import { ExecutionsTable } from '../components/ExecutionsTable';
import { FlowEditor } from '../components/FlowEditor';
import { enc, executionPath, flowPath } from '../components/format';
import { InputForm, toFormData } from '../components/InputForm';
import { Revisions } from '../components/Revisions';

const Topology = lazy(() => import('../components/Topology'));

const TABS = [
  { id: 'editor', label: 'Editor' },
  { id: 'topology', label: 'Topology' },
  { id: 'executions', label: 'Executions' },
  { id: 'run', label: 'Run' },
  { id: 'revisions', label: 'Revisions' },
];

function FlowExecutions({ ns, id }: { ns: string; id: string }) {
  const [page, setPage] = useState(1);
  const list = useApi(
    (signal) => api<Paged<Execution>>('/executions/search', { query: { namespace: ns, flowId: id, page, size: 20 }, signal }),
    `${ns}/${id}/${page}`,
    4000,
  );
  return (
    <>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.data ? (
        <>
          <ExecutionsTable executions={list.data.results} showFlow={false} caption="Executions of this flow" />
          <Pager page={page} size={20} total={list.data.total} onPage={setPage} />
        </>
      ) : !list.error && <Loading />}
    </>
  );
}

function RunForm({ flow }: { flow: Flow }) {
  const [, navigate] = useLocation();
  const [labels, setLabels] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <div className="card" style={{ maxWidth: 720 }}>
      {flow.disabled && <Notice>This flow is disabled: the server refuses to run it.</Notice>}
      <InputForm
        inputs={flow.inputs ?? []}
        submitLabel={busy ? 'Starting…' : 'Run'}
        busy={busy}
        extra={
          <div className="field">
            <label htmlFor="run-labels">Execution labels</label>
            <input id="run-labels" value={labels} placeholder="key:value, key2:value2" onChange={(e) => setLabels(e.target.value)} />
          </div>
        }
        onSubmit={async (values) => {
          setBusy(true);
          try {
            const e = await api<Execution>(`/executions/${enc(flow.namespace)}/${enc(flow.id)}`, {
              method: 'POST',
              body: toFormData(flow.inputs ?? [], values),
              query: { labels: labels ? labels.split(',').map((s) => s.trim()).filter(Boolean) : undefined },
            });
            navigate(executionPath(e));
          } catch (err) {
            throw new Error(errorMessage(err));
          } finally {
            setBusy(false);
          }
        }}
      />
    </div>
  );
}

export default function FlowPage() {
  const { ns, id, tab = 'editor' } = useParams<{ ns: string; id: string; tab?: string }>();
  const [, navigate] = useLocation();
  useTitle(`${ns}.${id}`);
  const flow = useApi((signal) => api<Flow>(`/flows/${enc(ns)}/${enc(id)}`, { query: { source: true }, signal }), `${ns}/${id}`);
  const [actionError, setActionError] = useState<string>();

  const toggle = async () => {
    if (!flow.data) return;
    setActionError(undefined);
    try {
      await api(`/flows/${flow.data.disabled ? 'enable' : 'disable'}/by-ids`, { method: 'POST', json: [{ namespace: ns, id }] });
      flow.reload();
    } catch (e) {
      setActionError(errorMessage(e));
    }
  };
  const remove = async () => {
    setActionError(undefined);
    try {
      await api(`/flows/${enc(ns)}/${enc(id)}`, { method: 'DELETE' });
      navigate('/flows');
    } catch (e) {
      setActionError(errorMessage(e));
    }
  };
  const [confirmDelete, setConfirmDelete] = useState(false);

  return (
    <>
      <div className="crumbs"><Link href="/flows">Flows</Link> / {ns}</div>
      <div className="page-head">
        <h1>{id}</h1>
        {flow.data && (
          <div className="actions">
            <Labels labels={flow.data.labels} />
            {flow.data.disabled && <span className="state" style={{ ['--c' as string]: 'var(--st-killed)' }}>DISABLED</span>}
            <button type="button" className="btn" onClick={toggle}>{flow.data.disabled ? 'Enable' : 'Disable'}</button>
            {confirmDelete ? (
              <>
                <button type="button" className="btn danger" onClick={remove}>Confirm delete</button>
                <button type="button" className="btn" onClick={() => setConfirmDelete(false)}>Cancel</button>
              </>
            ) : (
              <button type="button" className="btn" onClick={() => setConfirmDelete(true)}>Delete</button>
            )}
            <button type="button" className="btn primary" onClick={() => navigate(flowPath(ns, id, 'run'))}>Run</button>
          </div>
        )}
      </div>
      {flow.data?.description && <p className="muted">{flow.data.description}</p>}
      <ErrorBox error={actionError} />
      <ErrorBox error={flow.error} onRetry={flow.reload} />
      {flow.loading && !flow.data && <Loading what="Loading flow" />}
      {flow.data && (
        <>
          <Tabs label="Flow views" tabs={TABS} active={tab} onSelect={(t) => navigate(flowPath(ns, id, t), { replace: true })} />
          <TabPanel id={tab}>
            {tab === 'editor' && (
              <FlowEditor initial={flow.data.source ?? ''} existing={{ namespace: ns, id }} onSaved={() => flow.reload()} />
            )}
            {tab === 'topology' && (
              <Suspense fallback={<Loading what="Loading topology" />}>
                <Topology ns={ns} id={id} revision={flow.data.revision} />
              </Suspense>
            )}
            {tab === 'executions' && <FlowExecutions ns={ns} id={id} />}
            {tab === 'run' && <RunForm flow={flow.data} />}
            {tab === 'revisions' && <Revisions ns={ns} id={id} current={flow.data.revision} />}
          </TabPanel>
        </>
      )}
    </>
  );
}
