import { Link } from 'wouter';
import { useTitle } from '../components/common';
import { FlowEditor, NEW_FLOW_TEMPLATE } from '../components/FlowEditor';

export default function NewFlow() {
  useTitle('New flow');
  return (
    <>
      <div className="crumbs"><Link href="/flows">Flows</Link></div>
      <div className="page-head"><h1>New flow</h1></div>
      <FlowEditor initial={NEW_FLOW_TEMPLATE} />
    </>
  );
}
