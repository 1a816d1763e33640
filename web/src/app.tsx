import { BlueprintProvider, Button, Classes, NonIdealState, Spinner } from '@blueprintjs/core';
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError } from '../../shared/api-client.ts';
import { Shell } from './components/shell.tsx';
import { createServices } from './lib/api.ts';
import { loadConfig, type WebConfig } from './lib/config.ts';
import { localCredentials, renewLocalCredentials } from './lib/local-auth.ts';
import { Link, usePath } from './lib/router.tsx';
import { ServicesContext } from './lib/services-context.ts';
import { useRealtimeState, useSession, useTheme } from './lib/store.ts';
import { AdminPage } from './pages/admin.tsx';
import { AuditPage } from './pages/audit.tsx';
import { CatalogPage } from './pages/catalog/catalog-page.tsx';
import { ServicePage } from './pages/catalog/service-page.tsx';
import { HomePage } from './pages/home.tsx';
import { OfferingPage } from './pages/self-service/offering-page.tsx';
import { SelfServicePage } from './pages/self-service/self-service-page.tsx';
import { SignInPage } from './pages/sign-in.tsx';

// The studio's editor (CodeMirror) and form (rjsf, ajv) load when the studio is opened, not with the app.
const StudioPage = lazy(() => import('./pages/studio/studio-page.tsx').then((m) => ({ default: m.StudioPage })));

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
  '/self-service': { title: 'Self-service', render: () => <SelfServicePage /> },
  '/studio': { title: 'Offering studio', render: () => <Suspense fallback={<div className="apollo-fullscreen"><Spinner /></div>}><StudioPage /></Suspense> },
  '/admin': { title: 'Admin', render: () => <AdminPage /> },
  '/admin/users': { title: 'Users · Admin', render: () => <AdminPage /> },
  '/admin/teams': { title: 'Teams · Admin', render: () => <AdminPage /> },
};

/** Pages with an id in the path (`/catalog/<service>`, `/self-service/<offering>`). */
function pageFor(path: string): { title: string; render: () => ReactNode } | undefined {
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

function SignedIn({ config }: { config: WebConfig }) {
  const client = useQueryClient();
  const signedOut = useSession((s) => s.signedOut);
  const services = useMemo(() => {
    if (config.mode === 'aws') {
      const cognito = () => import('./lib/cognito-auth.ts');
      return createServices(config, async () => (await cognito()).cognitoCredentials(), async () => (await cognito()).renewCognitoCredentials());
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
      if (config.mode === 'aws') await (await import('./lib/cognito-auth.ts')).cognitoSignOut();
      signedOut();
      client.clear();
      useRealtimeState.getState().setState('closed');
    },
  }), [services, config, signedOut, client]);
  return (
    <ServicesContext.Provider value={value}>
      <Shell><Page /></Shell>
    </ServicesContext.Provider>
  );
}

function Root() {
  const config = useQuery({ queryKey: ['config'], queryFn: loadConfig, staleTime: Infinity, retry: 1 });
  const user = useSession((s) => s.user);
  const signedIn = useSession((s) => s.signedIn);
  const [restoring, setRestoring] = useState(true);
  useEffect(() => {
    if (!config.data) return;
    if (config.data.mode !== 'aws' || user) { setRestoring(false); return; }
    // Amplify keeps its own tokens: a reload finds the signed-in user there.
    void (async () => {
      const cognito = await import('./lib/cognito-auth.ts');
      cognito.configureCognito(config.data);
      const current = await cognito.currentUser();
      if (current) signedIn(current, null);
      setRestoring(false);
    })();
  }, [config.data, user, signedIn]);

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
  return <SignedIn key={user} config={config.data} />;
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
    </BlueprintProvider>
  );
}
