import { Link, useLocation, useParams } from 'wouter';
import { TabPanel, Tabs, useTitle } from '../components/common';
import { enc } from '../components/format';
import { KvStore } from '../components/KvStore';
import { NamespaceFiles } from '../components/NamespaceFiles';

const TABS = [
  { id: 'files', label: 'Files' },
  { id: 'kv', label: 'KV store' },
];

export default function NamespacePage() {
  const { ns, tab = 'files' } = useParams<{ ns: string; tab?: string }>();
  const [, navigate] = useLocation();
  useTitle(`Namespace ${ns}`);
  return (
    <>
      <div className="crumbs"><Link href="/namespaces">Namespaces</Link></div>
      <div className="page-head">
        <h1>{ns}</h1>
        <div className="actions"><Link href={`/flows?namespace=${enc(ns)}`}>Flows of this namespace</Link></div>
      </div>
      <Tabs label="Namespace views" tabs={TABS} active={tab} onSelect={(t) => navigate(`/namespaces/${enc(ns)}/${t}`, { replace: true })} />
      <TabPanel id={tab}>
        {tab === 'files' ? <NamespaceFiles ns={ns} /> : <KvStore ns={ns} />}
      </TabPanel>
    </>
  );
}
