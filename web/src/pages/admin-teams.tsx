import {
  Alert, Button, ButtonGroup, Classes, Dialog, DialogBody, DialogFooter, Drawer, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Tag, TextArea,
} from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../../shared/api-client.ts';
import type { Team, TeamMember } from '../../../schemas/types.gen.ts';
import { ErrorState } from '../components/error-state.tsx';
import { useFieldErrors, type FieldErrors } from '../components/field-errors.ts';
import { formatAgo, formatTime } from '../lib/format.ts';
import { useMembers, useTeams } from '../lib/queries.ts';
import { Link, navigate } from '../lib/router.tsx';
import { useServices } from '../lib/services-context.ts';
import { toast } from '../lib/toaster.ts';

const TEAM_FIELDS = ['id', 'name', 'description', 'slackChannel', 'email'] as const;
const SLUG = /^[a-z][a-z0-9-]{1,62}[a-z0-9]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function validateTeam(v: Record<(typeof TEAM_FIELDS)[number], string>, creating: boolean): FieldErrors {
  const e: FieldErrors = {};
  if (creating && !SLUG.test(v.id)) e.id = '3–64 characters: lowercase letters, digits and dashes, starting with a letter';
  if (!v.name.trim()) e.name = 'A team needs a name';
  else if (v.name.length > 120) e.name = 'At most 120 characters';
  if (v.description.length > 2000) e.description = 'At most 2000 characters';
  if (v.slackChannel && !/^#[a-z0-9._-]{1,80}$/.test(v.slackChannel)) e.slackChannel = 'A channel name such as #payments';
  if (v.email && !EMAIL.test(v.email)) e.email = 'An email address';
  return e;
}

function TeamDialog({ team, isOpen, onClose }: { team: Team | null; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const creating = team === null;
  const [values, setValues] = useState(() => ({ id: team?.id ?? '', name: team?.name ?? '', description: team?.description ?? '', slackChannel: team?.slackChannel ?? '', email: team?.email ?? '' }));
  const form = useFieldErrors();
  const save = useMutation({
    mutationFn: async () => {
      if (creating) {
        const body = { id: values.id, name: values.name.trim(), description: values.description, ...(values.slackChannel ? { slackChannel: values.slackChannel } : {}), ...(values.email ? { email: values.email } : {}) };
        return api.read('POST /api/v1/teams', { body });
      }
      const body = { name: values.name.trim(), description: values.description, slackChannel: values.slackChannel || null, email: values.email || null };
      return api.read('PUT /api/v1/teams/{id}', { params: { id: team.id }, body, ifMatch: team.version });
    },
    onSuccess: (saved) => {
      toast({ intent: 'success', icon: 'tick', message: creating ? `Team ${saved.name} created` : `Team ${saved.name} saved` });
      void client.invalidateQueries({ queryKey: ['teams'] });
      void client.invalidateQueries({ queryKey: ['me'] });
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) {
        // Someone saved this team after it was opened here: show theirs rather than overwrite it.
        void client.invalidateQueries({ queryKey: ['teams'] });
        form.fromApi(new ApiError(412, error.code, 'Someone changed this team since you opened it. Close this dialog to see their version, then edit again.', [], error.requestId), TEAM_FIELDS);
      } else {
        form.fromApi(error, TEAM_FIELDS);
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (form.setLocal(validateTeam(values, creating))) save.mutate();
  };
  const field = (name: (typeof TEAM_FIELDS)[number], label: string, helper: string, input: ReactNode) => (
    <FormGroup label={label} labelFor={`team-${name}`} helperText={form.errors[name] ?? helper} intent={form.errors[name] ? 'danger' : 'none'} labelInfo={name === 'id' || name === 'name' ? '(required)' : undefined}>
      {input}
    </FormGroup>
  );
  const set = (name: keyof typeof values) => (value: string) => { setValues((v) => ({ ...v, [name]: value })); form.clear(name); };
  const intent = (name: string) => (form.errors[name] ? 'danger' : 'none');
  return (
    <Dialog isOpen={isOpen} onClose={onClose} title={creating ? 'New team' : `Edit ${team.name}`} icon="people" className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid="team-form">
        <DialogBody>
          {form.formError !== null && <div className="apollo-form-error"><ErrorState compact error={form.formError} /></div>}
          {field('id', 'Id', creating ? 'A slug people write in manifests, e.g. payments. It cannot change later.' : 'Ids never change.',
            <InputGroup id="team-id" value={values.id} onValueChange={set('id')} disabled={!creating} intent={intent('id')} autoFocus={creating} />)}
          {field('name', 'Name', 'Shown to people.', <InputGroup id="team-name" value={values.name} onValueChange={set('name')} intent={intent('name')} autoFocus={!creating} />)}
          {field('description', 'Description', 'What the team owns.', <TextArea id="team-description" value={values.description} onChange={(e) => set('description')(e.currentTarget.value)} intent={intent('description')} fill rows={3} />)}
          <div className="apollo-form-row">
            {field('slackChannel', 'Slack channel', 'e.g. #payments', <InputGroup id="team-slackChannel" value={values.slackChannel} onValueChange={set('slackChannel')} intent={intent('slackChannel')} leftIcon="chat" />)}
            {field('email', 'Email', 'The team’s address', <InputGroup id="team-email" value={values.email} onValueChange={set('email')} intent={intent('email')} leftIcon="envelope" />)}
          </div>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={onClose} /><Button type="submit" intent="primary" text={creating ? 'Create team' : 'Save'} loading={save.isPending} /></>} />
      </form>
    </Dialog>
  );
}

function MembersDrawer({ team, onClose }: { team: Team | null; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const members = useMembers(team?.id ?? null);
  const [principal, setPrincipal] = useState('');
  const [role, setRole] = useState<TeamMember['role']>('member');
  const [removing, setRemoving] = useState<TeamMember | null>(null);
  const form = useFieldErrors();
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['teams', team?.id, 'members'] });
    void client.invalidateQueries({ queryKey: ['users'] });
    void client.invalidateQueries({ queryKey: ['me'] });
  };
  const put = useMutation({
    mutationFn: (m: { principal: string; role: TeamMember['role'] }) =>
      api.request('PUT /api/v1/teams/{id}/members/{principal}', { params: { id: team!.id, principal: m.principal }, body: { role: m.role } }),
    onSuccess: (_r, m) => { refresh(); setPrincipal(''); form.reset(); toast({ intent: 'success', icon: 'tick', message: `${m.principal} is a ${m.role} of ${team?.name}` }); },
    onError: (error) => form.fromApi(error, ['principal', 'role']),
  });
  const remove = useMutation({
    mutationFn: (m: TeamMember) => api.request('DELETE /api/v1/teams/{id}/members/{principal}', { params: { id: team!.id, principal: m.principal } }),
    onSuccess: (_r, m) => { refresh(); toast({ intent: 'success', icon: 'tick', message: `${m.principal} left ${team?.name}` }); },
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: (error as Error).message }),
    onSettled: () => setRemoving(null),
  });
  const add = (event: FormEvent) => {
    event.preventDefault();
    const p = principal.trim().toLowerCase();
    if (form.setLocal(/^[a-z0-9_=,.@+-]{2,128}$/.test(p) ? {} : { principal: 'An email or an IAM session name' })) put.mutate({ principal: p, role });
  };
  const items = members.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Drawer isOpen={team !== null} onClose={onClose} title={team ? `${team.name} — members` : ''} icon="people" size="560px" className="apollo-drawer">
      <div className={`${Classes.DRAWER_BODY} apollo-drawer-body`} data-testid="members-drawer">
        <form onSubmit={add} className="apollo-add-member" noValidate>
          <FormGroup label="Add a member" labelFor="member-principal" helperText={form.errors.principal ?? 'Their email (web users) or IAM session name'} intent={form.errors.principal ? 'danger' : 'none'}>
            <div className="apollo-inline-form">
              <InputGroup id="member-principal" placeholder="alice@corp.com" value={principal} onValueChange={(v) => { setPrincipal(v); form.clear('principal'); }} intent={form.errors.principal ? 'danger' : 'none'} fill />
              <HTMLSelect value={role} onChange={(e) => setRole(e.currentTarget.value as TeamMember['role'])} options={['member', 'lead']} aria-label="Team role" />
              <Button type="submit" intent="primary" icon="add" text="Add" loading={put.isPending} />
            </div>
          </FormGroup>
          {form.formError !== null && <ErrorState compact error={form.formError} />}
        </form>
        {members.isError ? <ErrorState compact error={members.error} onRetry={() => void members.refetch()} /> : (
          <HTMLTable className="apollo-table" compact data-testid="members-table">
            <thead><tr><th>Member</th><th>Team role</th><th>Added</th><th /></tr></thead>
            <tbody>
              {members.isPending && Array.from({ length: 3 }, (_, i) => <tr key={i}>{Array.from({ length: 4 }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>)}
              {items.map((m) => (
                <tr key={m.principal}>
                  <td className="apollo-cell-strong">{m.principal}</td>
                  <td>
                    <HTMLSelect value={m.role} onChange={(e) => put.mutate({ principal: m.principal, role: e.currentTarget.value as TeamMember['role'] })} options={['member', 'lead']} aria-label={`Team role of ${m.principal}`} />
                  </td>
                  <td className={Classes.TEXT_MUTED} title={`${formatTime(m.addedAt)} by ${m.addedBy}`}>{formatAgo(m.addedAt)}</td>
                  <td className="apollo-actions"><Button variant="minimal" icon="trash" intent="danger" aria-label={`Remove ${m.principal}`} onClick={() => setRemoving(m)} /></td>
                </tr>
              ))}
            </tbody>
          </HTMLTable>
        )}
        {!members.isPending && !members.isError && items.length === 0 && <NonIdealState icon="person" title="No members yet" description="Add people above." className="apollo-empty" />}
        {members.hasNextPage && <div className="apollo-load-more"><Button text="Load more" onClick={() => void members.fetchNextPage()} loading={members.isFetchingNextPage} /></div>}
      </div>
      <Alert isOpen={removing !== null} intent="danger" icon="trash" confirmButtonText="Remove" cancelButtonText="Cancel" loading={remove.isPending}
        onConfirm={() => removing && remove.mutate(removing)} onCancel={() => setRemoving(null)}>
        <p>Remove <strong>{removing?.principal}</strong> from {team?.name}?</p>
      </Alert>
    </Drawer>
  );
}

export function TeamsPanel() {
  const { api } = useServices();
  const client = useQueryClient();
  const teams = useTeams();
  const [editing, setEditing] = useState<{ team: Team | null } | null>(null);
  const [deleting, setDeleting] = useState<Team | null>(null);
  const [membersOf, setMembersOf] = useState<Team | null>(null);
  const del = useMutation({
    mutationFn: (team: Team) => api.request('DELETE /api/v1/teams/{id}', { params: { id: team.id }, ifMatch: team.version }),
    onSuccess: (_r, team) => { toast({ intent: 'success', icon: 'trash', message: `Team ${team.name} deleted` }); void client.invalidateQueries({ queryKey: ['teams'] }); void client.invalidateQueries({ queryKey: ['me'] }); },
    onError: (error) => {
      const changed = error instanceof ApiError && error.status === 412;
      if (changed) void client.invalidateQueries({ queryKey: ['teams'] });
      toast({ intent: 'danger', icon: 'error', message: changed ? 'Not deleted: someone changed this team since the list loaded. Check their change, then delete again.' : `Not deleted: ${(error as Error).message}` });
    },
    onSettled: () => setDeleting(null),
  });
  const items = teams.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <div className="apollo-toolbar">
        <Button intent="primary" icon="add" text="New team" onClick={() => setEditing({ team: null })} data-testid="new-team" />
      </div>
      {teams.isError ? <ErrorState error={teams.error} onRetry={() => void teams.refetch()} /> : (
        <div className="apollo-table-card">
          <HTMLTable className="apollo-table" data-testid="teams-table">
            <thead><tr><th>Team</th><th>Description</th><th>Contact</th><th>Updated</th><th className="apollo-actions">Actions</th></tr></thead>
            <tbody>
              {teams.isPending && Array.from({ length: 4 }, (_, i) => <tr key={i}>{Array.from({ length: 5 }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>)}
              {items.map((t) => (
                <tr key={t.id} data-testid="team-row" data-team={t.id}>
                  <td><div className="apollo-cell-strong"><Link to={`/teams/${encodeURIComponent(t.id)}`} data-testid="team-link">{t.name}</Link></div><div className={`${Classes.TEXT_MUTED} apollo-mono apollo-small`}>{t.id}</div></td>
                  <td className="apollo-description-cell">{t.description || <span className={Classes.TEXT_MUTED}>—</span>}</td>
                  <td><div className="apollo-contact">{t.slackChannel && <Tag minimal icon="chat">{t.slackChannel}</Tag>}{t.email && <Tag minimal icon="envelope">{t.email}</Tag>}{!t.slackChannel && !t.email && <span className={Classes.TEXT_MUTED}>—</span>}</div></td>
                  <td className={`${Classes.TEXT_MUTED} apollo-nowrap`} title={formatTime(t.updatedAt)}>{formatAgo(t.updatedAt)} · v{t.version}</td>
                  <td className="apollo-actions">
                    <ButtonGroup variant="minimal">
                      <Button icon="people" text="Members" onClick={() => setMembersOf(t)} />
                      <Button icon="dashboard" text="Quotas" onClick={() => navigate(`/teams/${encodeURIComponent(t.id)}#quotas`)} data-testid="team-quotas-link" />
                      <Button icon="edit" aria-label={`Edit ${t.name}`} onClick={() => setEditing({ team: t })} />
                      <Button icon="trash" intent="danger" aria-label={`Delete ${t.name}`} onClick={() => setDeleting(t)} />
                    </ButtonGroup>
                  </td>
                </tr>
              ))}
            </tbody>
          </HTMLTable>
          {!teams.isPending && items.length === 0 && (
            <NonIdealState icon="people" title="No teams yet" description="Teams own services, offerings and budgets." action={<Button intent="primary" icon="add" text="New team" onClick={() => setEditing({ team: null })} />} className="apollo-empty" />
          )}
          {teams.hasNextPage && <div className="apollo-load-more"><Button text="Load more" icon="more" loading={teams.isFetchingNextPage} onClick={() => void teams.fetchNextPage()} /></div>}
        </div>
      )}
      {editing && <TeamDialog key={editing.team?.id ?? 'new'} team={editing.team} isOpen onClose={() => setEditing(null)} />}
      <MembersDrawer team={membersOf} onClose={() => setMembersOf(null)} />
      <Alert isOpen={deleting !== null} intent="danger" icon="trash" confirmButtonText="Delete team" cancelButtonText="Cancel" loading={del.isPending}
        onConfirm={() => deleting && del.mutate(deleting)} onCancel={() => setDeleting(null)}>
        <p>Delete <strong>{deleting?.name}</strong> and all its memberships? This is recorded in the audit log and cannot be undone.</p>
      </Alert>
    </>
  );
}
