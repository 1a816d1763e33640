import { Alert, Button, Classes, HTMLSelect, HTMLTable, NonIdealState, Tag } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ROLES, type Role } from '../../../shared/permissions.ts';
import type { User } from '../../../schemas/types.gen.ts';
import { ErrorState } from '../components/error-state.tsx';
import { useMe, useUsers } from '../lib/queries.ts';
import { useServices } from '../lib/services-context.ts';
import { toast } from '../lib/toaster.ts';

export function UsersPanel() {
  const { api } = useServices();
  const me = useMe();
  const users = useUsers();
  const client = useQueryClient();
  const [pending, setPending] = useState<{ user: User; role: Role } | null>(null);
  const change = useMutation({
    mutationFn: ({ user, role }: { user: User; role: Role }) => api.request('PUT /api/v1/users/{user}/role', { params: { user: user.user }, body: { role } }),
    onSuccess: (_r, { user, role }) => {
      toast({ intent: 'success', icon: 'tick', message: `${user.user} is now ${role}. It takes effect at their next sign-in.` });
      void client.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: `Role not changed: ${(error as Error).message}` }),
    onSettled: () => setPending(null),
  });

  if (users.isError) return <ErrorState error={users.error} onRetry={() => void users.refetch()} />;
  const items = users.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="apollo-table-card">
      <HTMLTable className="apollo-table" data-testid="users-table">
        <thead><tr><th>User</th><th>Role</th><th>Teams</th><th>Directory</th><th>Status</th></tr></thead>
        <tbody>
          {users.isPending && Array.from({ length: 5 }, (_, i) => <tr key={i}>{Array.from({ length: 5 }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>)}
          {items.map((u) => (
            <tr key={u.user} data-testid="user-row" data-user={u.user}>
              <td className="apollo-cell-strong">{u.user}{me.data?.user === u.user && <Tag minimal className="apollo-inline-tag">you</Tag>}</td>
              <td>
                <HTMLSelect
                  className="apollo-role-select"
                  aria-label={`Role of ${u.user}`}
                  value={u.role ?? ''}
                  disabled={change.isPending || me.data?.user === u.user}
                  title={me.data?.user === u.user ? 'You cannot change your own role' : undefined}
                  onChange={(e) => { const role = e.currentTarget.value as Role; if (role && role !== u.role) setPending({ user: u, role }); }}
                  options={[...(u.role ? [] : [{ value: '', label: 'no role' }]), ...ROLES]}
                />
              </td>
              <td>{u.teams.length === 0 ? <span className={Classes.TEXT_MUTED}>—</span> : <span className="apollo-tag-row">{u.teams.map((t) => <Tag key={t.id} minimal>{t.id}{t.role === 'lead' ? ' · lead' : ''}</Tag>)}</span>}</td>
              <td>{u.kind === 'local' ? 'local directory' : 'Cognito'}</td>
              <td>{u.enabled ? <Tag minimal round intent="success" title={u.status}>{u.status && u.status !== 'LOCAL' ? u.status.toLowerCase().replace(/_/g, ' ') : 'active'}</Tag> : <Tag minimal round intent="danger">disabled</Tag>}</td>
            </tr>
          ))}
        </tbody>
      </HTMLTable>
      {!users.isPending && items.length === 0 && <NonIdealState icon="people" title="No web users yet" description="People appear here once they exist in the user pool." className="apollo-empty" />}
      {users.hasNextPage && <div className="apollo-load-more"><Button text="Load more" icon="more" loading={users.isFetchingNextPage} onClick={() => void users.fetchNextPage()} /></div>}
      <Alert
        isOpen={pending !== null}
        intent={pending?.role === 'admin' ? 'danger' : 'primary'}
        icon="id-number"
        confirmButtonText={pending ? `Make ${pending.role}` : 'Change'}
        cancelButtonText="Cancel"
        loading={change.isPending}
        onConfirm={() => pending && change.mutate(pending)}
        onCancel={() => setPending(null)}
      >
        {pending && (
          <p>
            Change <strong>{pending.user.user}</strong> from <strong>{pending.user.role ?? 'no role'}</strong> to <strong>{pending.role}</strong>?
            {' '}It takes effect at their next sign-in or credential refresh, and is recorded in the audit log.
          </p>
        )}
      </Alert>
    </div>
  );
}
