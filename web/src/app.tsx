import { BlueprintProvider, Button, Classes, NonIdealState, Spinner } from '@blueprintjs/core';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError } from '../../shared/api-client.ts';
import { Shell } from './components/shell.tsx';
import { Toasts } from './components/toasts.tsx';
import { createServices } from './lib/api.ts';
import { loadConfig, type WebConfig } from './lib/config.ts';
import { issueLocalSession, localCredentials, renewLocalCredentials } from './lib/local-auth.ts';
import { Link, usePath } from './lib/router.tsx';
import { ServicesContext } from './lib/services-context.ts';
import { openSessionHandoff, type HandedSession, type SessionHandoff } from './lib/session-handoff.ts';
import { useRealtimeState, useSession, useTheme } from './lib/store.ts';
import { AdminPage } from './pages/admin.tsx';
import { AiPage } from './pages/ai/ai-page.tsx';
import { ApprovalsPage } from './pages/approvals/approvals-page.tsx';
import { AuditPage } from './pages/audit.tsx';
import { CatalogPage } from './pages/catalog/catalog-page.tsx';
import { ServicePage } from './pages/catalog/service-page.tsx';
import { DeployCenterPage } from './pages/deployments/deploy-center-page.tsx';
import { DeploymentPage } from './pages/deployments/deployment-page.tsx';
import { DeploymentStatsPage } from './pages/deployments/stats-page.tsx';
import { HomePage } from './pages/home.tsx';
import { IncidentPage } from './pages/incidents/incident-page.tsx';
import { IncidentsPage } from './pages/incidents/incidents-page.tsx';
import { ObservabilityPage } from './pages/observability/observability-page.tsx';
import { RequestPage } from './pages/requests/request-page.tsx';
import { RequestsPage } from './pages/requests/requests-page.tsx';
import { SecretPage } from './pages/secrets/secret-page.tsx';
import { addressFromPath } from './pages/secrets/secret-rules.ts';
import { SecretsPage } from './pages/secrets/secrets-page.tsx';
import { OfferingPage } from './pages/self-service/offering-page.tsx';
import { SelfServicePage } from './pages/self-service/self-service-page.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { TeamPage } from './pages/teams/team-page.tsx';

// The AI terminal (xterm.js) loads when a session is opened.
const AiSessionPage = lazy(() => import('./pages/ai/ai-session-page.tsx').then((m) => ({ default: m.AiSessionPage })));
// The studio's editor (CodeMirror) and form (rjsf, ajv) load when the studio is opened, not with the app.
const StudioPage = lazy(() => import('./pages/studio/studio-page.tsx').then((m) => ({ default: m.StudioPage })));
// Costs draws with Recharts: it loads when opened.
const CostsPage = lazy(() => import('./pages/costs/costs-page.tsx').then((m) => ({ default: m.CostsPage })));
// So does platform analytics.
const AnalyticsPage = lazy(() => import('./pages/analytics/analytics-page.tsx').then((m) => ({ default: m.AnalyticsPage })));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not heal by retrying; a network blip might.
      retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
      refetchOnWindowFocus: false,
    },
  },
});

function NotFound() {
  return <NonIdealState icon="compass" title="Nothing here" description="This page does not exist (yet)." action={<Link to="/">Go home</Link>} />;
}

const PAGES: Record<string, { title: string; render: () => ReactNode }> = {
  '/': { title: 'Home', render: () => <HomePage /> },
  '/audit': { title: 'Audit log', render: () => <AuditPage /> },
  '/catalog': { title: 'Catalog', render: () => <CatalogPage /> },
  '/deployments': { title: 'Deploy Center', render: () => <DeployCenterPage /> },
  '/deployments/stats': { title: 'Statistics · Deploy Center', render: () => <DeploymentStatsPage /> },
  '/self-service': { title: 'Self-service', render: () => <SelfServicePage /> },
  '/requests': { title: 'Requests', render: () => <RequestsPage /> },
  '/approvals': { title: 'Approvals', render: () => <ApprovalsPage /> },
  '/observability': { title: 'Observability', render: () => <ObservabilityPage /> },
  '/incidents': { title: 'Incidents', render: () => <IncidentsPage /> },
  '/secrets': { title: 'Secrets', render: () => <SecretsPage /> },
  '/costs': { title: 'Costs', render: () => <Suspense fallback={<div className="apollo-fullscreen"><Spinner /></div>}><CostsPage /></Suspense> },
  '/analytics': { title: 'Platform analytics', render: () => <Suspense fallback={<div className="apollo-fullscreen"><Spinner /></div>}><AnalyticsPage /></Suspense> },
  '/ai': { title: 'AI console', render: () => <AiPage /> },
  '/studio': { title: 'Offering studio', render: () => <Suspense fallback={<div className="apollo-fullscreen"><Spinner /></div>}><StudioPage /></Suspense> },
  '/admin': { title: 'Admin', render: () => <AdminPage /> },
  '/admin/users': { title: 'Users · Admin', render: () => <AdminPage /> },
  '/admin/teams': { title: 'Teams · Admin', render: () => <AdminPage /> },
};

/** Pages with an id in the path (`/catalog/<service>`, `/self-service/<offering>`, `/requests/<id>`). */
function pageFor(path: string): { title: string; render: () => ReactNode } | undefined {
  // Fixed paths first: /deployments/stats is a page, not a deployment's id.
  if (PAGES[path]) return PAGES[path];
  const service = /^\/catalog\/([^/]+)$/.exec(path);
  if (service) {
    const id = decodeURIComponent(service[1]!);
    return { title: `${id} · Catalog`, render: () => <ServicePage key={id} id={id} /> };
  }
  const offering = /^\/self-service\/([^/]+)$/.exec(path);
  if (offering) {
    const id = decodeURIComponent(offering[1]!);
    return { title: `${id} · Self-service`, render: () => <OfferingPage key={id} id={id} /> };
  }
  const deployment = /^\/deployments\/([^/]+)$/.exec(path);
  if (deployment) {
    const id = decodeURIComponent(deployment[1]!);
    return { title: `Deployment ${id.slice(-8)} · Deploy Center`, render: () => <DeploymentPage key={id} id={id} /> };
  }
  const incident = /^\/incidents\/([^/]+)$/.exec(path);
  if (incident) {
    const id = decodeURIComponent(incident[1]!);
    return { title: `Incident ${id.slice(-8)} · Incidents`, render: () => <IncidentPage key={id} id={id} /> };
  }
  const secret = addressFromPath(path);
  if (secret) return { title: `${secret.name} · Secrets`, render: () => <SecretPage key={path} address={secret} /> };
  const aiSession = /^\/ai\/([^/]+)$/.exec(path);
  if (aiSession) {
    const id = decodeURIComponent(aiSession[1]!);
    return { title: `Session ${id.slice(-8)} · AI console`, render: () => <Suspense fallback={<div className="apollo-fullscreen"><Spinner /></div>}><AiSessionPage key={id} id={id} /></Suspense> };
  }
  const team = /^\/teams\/([^/]+)$/.exec(path);
  if (team) {
    const id = decodeURIComponent(team[1]!);
    return { title: `${id} · Teams`, render: () => <TeamPage key={id} id={id} /> };
  }
  const request = /^\/requests\/([^/]+)$/.exec(path);
  if (request) {
    const id = decodeURIComponent(request[1]!);
    return { title: `Request ${id.slice(-8)} · Requests`, render: () => <RequestPage key={id} id={id} /> };
  }
  return PAGES[path];
}

function Page() {
  const path = usePath();
  const page = useMemo(() => pageFor(path), [path]);
  useEffect(() => { document.title = `${page?.title ?? 'Not found'} · Apollo`; }, [page]);
  // A page the role cannot use still renders when opened directly and explains the 403 (Audit from
  // its API's answer, Admin from the route table); the navigation only hides what the role cannot use.
  return page ? page.render() : <NotFound />;
}

const cognitoAuth = () => import('./lib/cognito-auth.ts');

function SignedIn({ config, signOut }: { config: WebConfig; signOut(): Promise<void> }) {
  const services = useMemo(() => {
    if (config.mode === 'aws') {
      return createServices(config, async () => (await cognitoAuth()).cognitoCredentials(), async () => (await cognitoAuth()).renewCognitoCredentials());
    }
    return createServices(config, localCredentials, renewLocalCredentials);
  }, [config]);
  useEffect(() => {
    services.realtime.connect();
    return () => services.realtime.close();
  }, [services]);
  const value = useMemo(() => ({
    ...services,
    signOut: async () => {
      services.realtime.close();
      await signOut();
    },
  }), [services, signOut]);
  return (
    <ServicesContext.Provider value={value}>
      <Shell><Page /></Shell>
    </ServicesContext.Provider>
  );
}

/** What this tab hands a new tab of the same person (session-handoff.ts): locally the name, with Cognito Amplify's tokens. */
async function tabSession(config: WebConfig): Promise<HandedSession | null> {
  const { user } = useSession.getState();
  if (!user) return null;
  if (config.mode !== 'aws') return { mode: 'local', user };
  const tokens = (await cognitoAuth()).cognitoSessionEntries();
  return tokens ? { mode: 'aws', user, tokens } : null;
}

/** Continues as the person another tab handed over; whether that worked. */
async function resume(config: WebConfig, session: HandedSession): Promise<boolean> {
  if (session.mode === 'local' && config.mode !== 'aws') {
    // Only the name crossed: this tab asks the runtime for its own short-lived session.
    useSession.getState().signedIn(session.user, await issueLocalSession(session.user));
    return true;
  }
  if (session.mode === 'aws' && config.mode === 'aws') {
    const cognito = await cognitoAuth();
    cognito.configureCognito(config);
    const user = await cognito.resumeCognitoSession(session.tokens);
    if (user) useSession.getState().signedIn(user, null);
    return user !== null;
  }
  return false;
}

/** Signs this tab out without telling the others (they told us, or are about to be told). */
async function signOutHere(config: WebConfig): Promise<void> {
  if (config.mode === 'aws') await (await cognitoAuth()).forgetCognitoSession();
  useSession.getState().signedOut();
  // Nothing read for this person stays behind; the app's config does (it is the same for everyone).
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'config' });
  queryClient.getMutationCache().clear();
  useRealtimeState.getState().setState('closed');
}

function Root() {
  const config = useQuery({ queryKey: ['config'], queryFn: loadConfig, staleTime: Infinity, retry: 1 });
  const user = useSession((s) => s.user);
  const [restoring, setRestoring] = useState(true);
  const [handoff, setHandoff] = useState<SessionHandoff | null>(null);

  // For as long as the tab is open it answers the tabs that start after it and follows their sign-outs.
  useEffect(() => {
    if (!config.data) return;
    const cfg = config.data;
    const opened = openSessionHandoff({ current: () => tabSession(cfg), onSignedOut: () => void signOutHere(cfg) });
    setHandoff(opened);
    return () => opened.close();
  }, [config.data]);

  // A tab that starts without a session asks the open tabs for theirs; alone, it shows the sign-in page.
  useEffect(() => {
    if (!config.data || !handoff || !restoring) return;
    const cfg = config.data;
    let cancelled = false;
    void (async () => {
      // Local mode: the tab's own name is enough, the runtime issues a session for it (local-auth.ts).
      if (cfg.mode !== 'aws' && useSession.getState().user) { setRestoring(false); return; }
      const session = await handoff.ask();
      if (cancelled) return;
      const resumed = session ? await resume(cfg, session).catch(() => false) : false;
      // With Cognito a name kept from before a reload is no session: without tokens from another tab, sign in again.
      if (!resumed && useSession.getState().user) useSession.getState().signedOut();
      if (!cancelled) setRestoring(false);
    })();
    return () => { cancelled = true; };
  }, [config.data, handoff, restoring]);

  const signOut = useMemo(() => async () => {
    if (!config.data) return;
    if (config.data.mode === 'aws') await (await cognitoAuth()).cognitoSignOut();
    handoff?.announceSignedOut();
    await signOutHere(config.data);
  }, [config.data, handoff]);

  if (config.isPending || (config.data && restoring)) return <div className="apollo-fullscreen"><Spinner /></div>;
  if (config.isError) {
    return (
      <div className="apollo-fullscreen">
        <NonIdealState icon="offline" title="Apollo could not start" description={`Loading /config.json failed: ${(config.error as Error).message}`}
          action={<Button icon="refresh" text="Reload" onClick={() => window.location.reload()} />} />
      </div>
    );
  }
  if (!user) return <SignInPage config={config.data} />;
  return <SignedIn key={user} config={config.data} signOut={signOut} />;
}

export function App() {
  const theme = useTheme();
  useEffect(() => {
    document.body.classList.toggle(Classes.DARK, theme === 'dark');
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <BlueprintProvider>
      <QueryClientProvider client={queryClient}>
        <Root />
      </QueryClientProvider>
      <Toasts />
    </BlueprintProvider>
  );
}
