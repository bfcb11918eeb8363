import { useEffect, useMemo, useRef } from 'react';
import { Link, useParams } from 'wouter';
import { useApi } from '../api/hooks';
import { lake, lakePaths, matchTable, type LakeTableRef, type ModelNode, type ModelRun } from '../api/lake';
import { ErrorBox, Loading, StateBadge, useTitle } from '../components/common';
import { CodeBlock } from '../components/CodeBlock';
import { executionPath, fmtDate } from '../components/format';
import { LakeNav } from '../components/LakeNav';
import { DbtStatus, humanSeconds, isTest, ModelDag, testedBy, testsText } from '../components/ModelDag';

function NodeLinks({ ids, byId, hrefOf, empty }: {
  ids: string[]; byId: Map<string, ModelNode>; hrefOf: (id: string) => string; empty: string;
}) {
  if (!ids.length) return <p className="muted">{empty}</p>;
  return (
    <ul className="node-links">
      {ids.map((id) => {
        const n = byId.get(id);
        return (
          <li key={id}>
            {n ? <Link href={hrefOf(id)}>{n.name}</Link> : <span className="mono">{id}</span>}{' '}
            {n && <span className="muted">{n.resourceType}</span>} {n && <DbtStatus status={n.status} />}
          </li>
        );
      })}
    </ul>
  );
}

function NodeDetail({ node, run, byId, usedBy, tests, tables, hrefOf, headingRef }: {
  node: ModelNode;
  run: ModelRun;
  byId: Map<string, ModelNode>;
  usedBy: string[];
  tests: ModelNode[];
  tables: LakeTableRef[];
  hrefOf: (id: string) => string;
  headingRef: React.RefObject<HTMLHeadingElement | null>;
}) {
  const table = matchTable(node.relation, tables);
  const attached = node.attachedNode ? byId.get(node.attachedNode) : undefined;
  return (
    <section className="card node-detail" aria-labelledby="node-title" data-testid="node-detail">
      <h2 id="node-title" ref={headingRef} tabIndex={-1}>
        {node.name} <span className="muted" style={{ fontWeight: 400 }}>{node.resourceType}</span>
      </h2>
      {node.description && <p className="node-description">{node.description}</p>}
      <dl className="kv">
        <dt>Status</dt><dd><DbtStatus status={node.status} /></dd>
        {node.executionTime !== null && node.executionTime !== undefined && (<><dt>Execution time</dt><dd>{humanSeconds(node.executionTime)}</dd></>)}
        {node.startedAt && (<><dt>Started</dt><dd>{fmtDate(node.startedAt)}</dd></>)}
        {node.completedAt && (<><dt>Completed</dt><dd>{fmtDate(node.completedAt)}</dd></>)}
        {node.message && (<><dt>Message</dt><dd className="wrap-any node-message">{node.message}</dd></>)}
        {node.materialized && (<><dt>Materialized</dt><dd>{node.materialized}</dd></>)}
        {node.relation && (
          <>
            <dt>Relation</dt>
            <dd>
              <span className="mono">{node.relation}</span>
              {table && (
                <> · <Link href={lakePaths.table(table.namespace, table.name)}>Iceberg table {table.namespace}.{table.name}</Link></>
              )}
            </dd>
          </>
        )}
        {attached && (<><dt>Tests</dt><dd><Link href={hrefOf(attached.uniqueId)}>{attached.name}</Link>{node.columnName && <> · column <span className="mono">{node.columnName}</span></>}</dd></>)}
        {node.path && (<><dt>File</dt><dd className="mono">{node.path}</dd></>)}
        {node.tags && node.tags.length > 0 && (<><dt>Tags</dt><dd><span className="labels">{node.tags.map((t) => <span key={t} className="label-chip">{t}</span>)}</span></dd></>)}
        <dt>Unique id</dt><dd className="mono">{node.uniqueId}</dd>
      </dl>

      <div className="lineage">
        <div>
          <h3>Depends on</h3>
          <NodeLinks ids={(node.dependsOn ?? []).filter((d) => !byId.get(d) || !isTest(byId.get(d)!))} byId={byId} hrefOf={hrefOf} empty="Nothing in this project." />
        </div>
        {!isTest(node) && (
          <div>
            <h3>Used by</h3>
            <NodeLinks ids={usedBy} byId={byId} hrefOf={hrefOf} empty="Nothing in this project." />
          </div>
        )}
      </div>

      {!isTest(node) && (
        <>
          <h3>Tests</h3>
          {tests.length === 0 ? <p className="muted">No tests on it.</p> : (
            <>
              <p className="muted">{testsText(tests)}</p>
              <div className="table-wrap">
                <table data-testid="node-tests">
                  <caption className="sr-only">Tests on {node.name}</caption>
                  <thead><tr><th scope="col">Test</th><th scope="col">Column</th><th scope="col">Status</th><th scope="col" className="num">Time</th><th scope="col">Message</th></tr></thead>
                  <tbody>
                    {tests.map((t) => (
                      <tr key={t.uniqueId}>
                        <td className="wrap-any"><Link href={hrefOf(t.uniqueId)}>{t.name}</Link></td>
                        <td className="mono">{t.columnName ?? ''}</td>
                        <td><DbtStatus status={t.status} /></td>
                        <td className="num">{humanSeconds(t.executionTime)}</td>
                        <td className="wrap-any">{t.message ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}

      <h3>Columns</h3>
      {(node.columns ?? []).length === 0 ? <p className="muted">No columns documented or recorded.</p> : (
        <div className="table-wrap">
          <table data-testid="node-columns">
            <caption className="sr-only">Columns of {node.name}</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
            <tbody>
              {node.columns!.map((c) => (
                <tr key={c.name}>
                  <th scope="row" className="mono">{c.name}</th>
                  <td className="mono">{c.type ?? <span className="muted">unknown</span>}</td>
                  <td>{c.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>SQL</h3>
      {node.compiledCode ? (
        <CodeBlock code={node.compiledCode} label="Compiled SQL (what ran)" testId="compiled-sql" />
      ) : (
        <p className="muted">{node.rawCode ? 'Not compiled in this run.' : 'No SQL (a seed or a source).'}</p>
      )}
      {node.rawCode && <CodeBlock code={node.rawCode} label="Raw SQL (as written, with Jinja)" testId="raw-sql" />}
      <p>
        <Link href={executionPath({ id: run.executionId, namespace: run.namespace, flowId: run.flowId })}>
          Back to the execution
        </Link>
      </p>
    </section>
  );
}

export default function LakeModelRun() {
  const params = useParams<{ executionId: string; taskRunId: string; uniqueId?: string }>();
  const { executionId, taskRunId } = params;
  const selected = params.uniqueId;
  const run = useApi((signal) => lake.modelRun(executionId, taskRunId, signal), `${executionId}/${taskRunId}`);
  // For links from a model to its Iceberg table; the page works without them.
  const tables = useApi((signal) => lake.tables(signal), 'tables');
  const heading = useRef<HTMLHeadingElement>(null);
  // A node opened from the page (not the URL it was loaded with) takes the focus to its details.
  const shown = useRef(params.uniqueId);
  const data = run.data;
  useTitle(selected ? `${selected.split('.').pop()} · models run` : `Models run ${data ? `${data.flowId} / ${data.taskId}` : ''}`);

  const model = useMemo(() => {
    const nodes = data?.nodes ?? [];
    const byId = new Map(nodes.map((n) => [n.uniqueId, n]));
    const graphNodes = nodes.filter((n) => !isTest(n));
    const ids = new Set(graphNodes.map((n) => n.uniqueId));
    const tests = testedBy(nodes.filter(isTest), ids);
    const usedBy = new Map<string, string[]>();
    for (const n of graphNodes) for (const d of n.dependsOn ?? []) usedBy.set(d, [...(usedBy.get(d) ?? []), n.uniqueId]);
    return { byId, graphNodes, tests, usedBy };
  }, [data]);

  useEffect(() => {
    if (shown.current === selected || !heading.current) return;
    shown.current = selected;
    heading.current.focus({ preventScroll: true });
    heading.current.scrollIntoView({ block: 'start' });
  }, [selected, data]);

  const hrefOf = (id: string) => lakePaths.node(executionId, taskRunId, id);
  const head = (
    <>
      <LakeNav />
      <div className="crumbs">
        <Link href="/lake/models">Models runs</Link>
        {data && <> / {data.namespace}.{data.flowId}</>}
      </div>
    </>
  );
  if (run.error && !data) return (<>{head}<h1>Models run</h1><ErrorBox error={run.error} onRetry={run.reload} /></>);
  if (!data) return (<>{head}<Loading what="Loading the models run" /></>);

  const node = selected ? model.byId.get(selected) : undefined;
  const counts = new Map<string, number>();
  for (const n of data.nodes) counts.set(n.status ?? 'not run', (counts.get(n.status ?? 'not run') ?? 0) + 1);
  return (
    <>
      {head}
      <div className="page-head">
        <h1>
          {data.projectName ?? data.flowId} <span className="muted" style={{ fontWeight: 400 }}>models run · {data.taskId}</span>
        </h1>
        <div className="actions">
          <StateBadge state={data.state} />
          {data.date && <span className="muted">{fmtDate(data.date)}</span>}
          <Link className="btn" href={executionPath({ id: data.executionId, namespace: data.namespace, flowId: data.flowId })}>
            Execution
          </Link>
        </div>
      </div>
      <p className="muted" data-testid="run-counts">
        {data.nodes.length} nodes ({model.graphNodes.length} in the graph, {data.nodes.length - model.graphNodes.length} tests):{' '}
        {[...counts.entries()].map(([s, n]) => `${n} ${s}`).join(', ')}.
      </p>
      <ModelDag
        nodes={model.graphNodes}
        tests={model.tests}
        selected={selected}
        hrefOf={hrefOf}
        label={`Lineage of ${data.projectName ?? data.flowId}: ${model.graphNodes.length} nodes; each opens its details`}
      />
      {selected && !node && <ErrorBox error={`This run has no node ${selected}.`} />}
      {node ? (
        <NodeDetail
          node={node}
          run={data}
          byId={model.byId}
          usedBy={model.usedBy.get(node.uniqueId) ?? []}
          tests={model.tests.get(node.uniqueId) ?? []}
          tables={tables.data?.results ?? []}
          hrefOf={hrefOf}
          headingRef={heading}
        />
      ) : (
        <p className="muted">Select a node (click it, or Tab to it and press Enter) to see its SQL, columns, tests and timing.</p>
      )}
    </>
  );
}
