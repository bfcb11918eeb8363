import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, Redirect, Route, Router, Switch, useLocation, useParams } from 'wouter';
import { authHeader, clearAuth, onAuthNeeded } from './api/client';
import { Loading } from './components/common';
import { Login } from './components/Login';
import { useTheme } from './components/theme';

// Pages are split so the first screen loads only what it shows; Monaco,
// chart.js and dagre then come with the pages that use them.
const Dashboard = lazy(() => import('./pages/Dashboard'));
const Flows = lazy(() => import('./pages/Flows'));
const FlowPage = lazy(() => import('./pages/FlowPage'));
const NewFlow = lazy(() => import('./pages/NewFlow'));
const Executions = lazy(() => import('./pages/Executions'));
const ExecutionPage = lazy(() => import('./pages/ExecutionPage'));
const Triggers = lazy(() => import('./pages/Triggers'));
const Namespaces = lazy(() => import('./pages/Namespaces'));
const NamespacePage = lazy(() => import('./pages/NamespacePage'));
const NotFound = lazy(() => import('./pages/NotFound'));
const LakeTables = lazy(() => import('./pages/LakeTables'));
const LakeTable = lazy(() => import('./pages/LakeTable'));
const LakeModels = lazy(() => import('./pages/LakeModels'));
const LakeModelRun = lazy(() => import('./pages/LakeModelRun'));
const LakeSql = lazy(() => import('./pages/LakeSql'));

const NAV = [
  { href: '/', label: 'Dashboard' },
  { href: '/flows', label: 'Flows' },
  { href: '/executions', label: 'Executions' },
  { href: '/triggers', label: 'Triggers' },
  { href: '/namespaces', label: 'Namespaces' },
  { href: '/lake', label: 'Lakehouse' },
];

function isActive(loc: string, href: string): boolean {
  return href === '/' ? loc === '/' : loc === href || loc.startsWith(`${href}/`);
}

function Nav({ onSignOut }: { onSignOut?: () => void }) {
  const [loc] = useLocation();
  const [open, setOpen] = useState(false);
  const [theme, toggleTheme] = useTheme();
  useEffect(() => setOpen(false), [loc]);
  return (
    <header className="topbar">
      <Link href="/" className="brand" aria-label="floe home">
        <span className="brand-mark" aria-hidden="true" />
        floe
      </Link>
      <button
        type="button"
        className="btn menu-btn"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpen((o) => !o)}
      >
        Menu
      </button>
      <nav id="main-nav" aria-label="Main" className={open ? 'open' : ''}>
        <ul>
          {NAV.map((n) => (
            <li key={n.href}>
              <Link href={n.href} aria-current={isActive(loc, n.href) ? 'page' : undefined}>
                {n.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="nav-tools">
          <button type="button" className="btn small" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
            {theme === 'dark' ? 'Light theme' : 'Dark theme'}
          </button>
          {onSignOut && (
            <button type="button" className="btn small" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </div>
      </nav>
    </header>
  );
}

// Kestra's UI paths carry a tenant (/ui/main/executions/ns/flow/id): the
// server's execution `url` uses that form, so keep it working.
function TenantRedirect() {
  const params = useParams<{ '*': string }>();
  return <Redirect to={`/${params['*'] ?? ''}`} replace />;
}

function Routes() {
  return (
    <Switch>
      <Route path="/" component={Dashboard} />
      <Route path="/flows" component={Flows} />
      <Route path="/flows/new" component={NewFlow} />
      <Route path="/flows/:ns/:id/:tab?" component={FlowPage} />
      <Route path="/executions" component={Executions} />
      <Route path="/executions/:ns/:flowId/:id/:tab?" component={ExecutionPage} />
      <Route path="/triggers" component={Triggers} />
      <Route path="/namespaces" component={Namespaces} />
      <Route path="/namespaces/:ns/:tab?" component={NamespacePage} />
      <Route path="/lake"><Redirect to="/lake/tables" replace /></Route>
      <Route path="/lake/tables" component={LakeTables} />
      <Route path="/lake/tables/:namespace/:table/:tab?" component={LakeTable} />
      <Route path="/lake/models" component={LakeModels} />
      <Route path="/lake/models/:executionId/:taskRunId/:uniqueId?" component={LakeModelRun} />
      <Route path="/lake/sql" component={LakeSql} />
      <Route path="/main/*" component={TenantRedirect} />
      <Route component={NotFound} />
    </Switch>
  );
}

export function App() {
  const [needAuth, setNeedAuth] = useState(false);
  const [epoch, setEpoch] = useState(0);
  useEffect(() => onAuthNeeded(() => setNeedAuth(true)), []);

  return (
    <Router base="/ui">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      {needAuth ? (
        <Login
          onDone={() => {
            setNeedAuth(false);
            setEpoch((e) => e + 1);
          }}
        />
      ) : (
        <>
          <Nav
            onSignOut={
              authHeader()
                ? () => {
                    clearAuth();
                    setNeedAuth(true);
                  }
                : undefined
            }
          />
          <main id="main" tabIndex={-1} key={epoch}>
            <Suspense fallback={<Loading what="Loading page" />}>
              <Routes />
            </Suspense>
          </main>
        </>
      )}
    </Router>
  );
}
