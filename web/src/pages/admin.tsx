import { Tab, Tabs } from '@blueprintjs/core';
import { Spinner } from '@blueprintjs/core';
import { isRole, roleHas } from '../../../shared/permissions.ts';
import { ErrorState, ForbiddenExplained } from '../components/error-state.tsx';
import { PageHeader } from '../components/shell.tsx';
import { useMe } from '../lib/queries.ts';
import { navigate, usePath } from '../lib/router.tsx';
import { TeamsPanel } from './admin-teams.tsx';
import { UsersPanel } from './admin-users.tsx';

export function AdminPage() {
  const path = usePath();
  const me = useMe();
  const tab = path.startsWith('/admin/teams') ? 'teams' : 'users';
  if (me.isPending) return <div className="apollo-center"><Spinner /></div>;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  // Admin is for users:manage; reading teams alone (every role) is not enough to be here.
  if (!isRole(me.data.role) || !roleHas(me.data.role, 'users:manage')) {
    return <div className="apollo-page"><ForbiddenExplained method="GET" path="/api/v1/users" /></div>;
  }
  return (
    <div className="apollo-page">
      <PageHeader title="Admin" description="Who can sign in with which role, and the teams that own things." />
      <Tabs id="admin-tabs" selectedTabId={tab} onChange={(id) => navigate(`/admin/${String(id)}`)} size="large" className="apollo-tabs">
        <Tab id="users" title="Users" icon="person" />
        <Tab id="teams" title="Teams" icon="people" />
      </Tabs>
      <div className="apollo-tab-panel">{tab === 'teams' ? <TeamsPanel /> : <UsersPanel />}</div>
    </div>
  );
}
