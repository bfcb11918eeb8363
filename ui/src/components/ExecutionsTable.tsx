import { Link } from 'wouter';
import type { Execution } from '../api/types';
import { Labels, StateBadge } from './common';
import { executionPath, flowPath, fmtDate, humanDuration } from './format';

export function ExecutionsTable({ executions, showFlow = true, caption }: {
  executions: Execution[]; showFlow?: boolean; caption: string;
}) {
  if (!executions.length) return <p className="muted">No executions.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            {showFlow && <th scope="col">Flow</th>}
            <th scope="col">State</th>
            <th scope="col">Start</th>
            <th scope="col" className="num">Duration</th>
            <th scope="col">Labels</th>
          </tr>
        </thead>
        <tbody>
          {executions.map((e) => (
            <tr key={e.id}>
              <td className="mono">
                <Link href={executionPath(e)}>{e.id.slice(0, 12)}…</Link>
              </td>
              {showFlow && (
                <td className="wrap-any">
                  <Link href={flowPath(e.namespace, e.flowId)}>
                    {e.namespace}.{e.flowId}
                  </Link>
                </td>
              )}
              <td><StateBadge state={e.state.current} /></td>
              <td>{fmtDate(e.state.startDate)}</td>
              <td className="num">{humanDuration(e.state.duration)}</td>
              <td><Labels labels={e.labels} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
