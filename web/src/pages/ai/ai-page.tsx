/**
 * The AI console's list (`/ai`): my sessions (GET /api/v1/ai/sessions), New session about a service in an environment
 * or nothing in particular, and for ai:admin everyone's active sessions (GET …/active, read every 5 s) with a
 * Terminate per row (DELETE, confirmed): the kill switch, and the People tab (who used it, their budgets and sandbox).
 * The viewer's own sandbox and today's usage sit under the header.
 */
import { Alert, Button, Classes, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Tab, Tabs, Tag } from '@blueprintjs/core';
import { useState, type FormEvent } from 'react';
import type { AiSession } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { navigate, useSearch } from '../../lib/router.tsx';
import { sortEnvironments } from '../deployments/deployment-rules.ts';
import { useServiceChoices } from '../deployments/deployment-queries.ts';
import { formatUsd, targetText } from './ai-rules.ts';
import { useActiveSessions, useCreateSession, useMySessions, useTerminateSession } from './ai-queries.ts';
import { AiStanding } from './ai-standing.tsx';
import { PeopleTab } from './people-tab.tsx';
import { ResolutionTab } from './resolution-tab.tsx';
import { formatCount } from './terminal-render.ts';
import './ai.css';

export function SessionStatusTag({ session }: { session: Pick<AiSession, 'status' | 'turn'> }) {
  if (session.status === 'terminated') return <Tag minimal intent="danger" icon="stop">terminated</Tag>;
  return session.turn.status === 'running'
    ? <Tag minimal intent="primary" icon="refresh">running</Tag>
    : <Tag minimal intent="success">active</Tag>;
}

const open = (id: string) => navigate(`/ai/${encodeURIComponent(id)}`);

function NewSessionDialog({ isOpen, onClose }: { isOpen: boolean; onClose(): void }) {
  const choices = useServiceChoices();
  const create = useCreateSession();
  const [service, setService] = useState('');
  const [environment, setEnvironment] = useState('');
  const [title, setTitle] = useState('');
  const environments = sortEnvironments((choices.data ?? []).find((s) => s.id === service)?.environments.map((e) => e.name) ?? []);
  const close = () => { setService(''); setEnvironment(''); setTitle(''); create.reset(); onClose(); };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      ...(service ? { target: { service, ...(environment ? { environment } : {}) } } : {}),
      ...(title.trim() ? { title: title.trim() } : {}),
    });
  };
  return (
    <Dialog isOpen={isOpen} onClose={close} title="New AI session" icon="console">
      <form onSubmit={submit}>
        <DialogBody>
          <FormGroup label="Service" helperText="What the session is about: its logs, metrics, deployments and runbook are in reach. None: ask about anything.">
            <HTMLSelect fill value={service} onChange={(e) => { setService(e.target.value); setEnvironment(''); }} data-testid="ai-new-service"
              options={[{ value: '', label: 'None (a general session)' }, ...(choices.data ?? []).map((s) => ({ value: s.id, label: s.displayName === s.id ? s.id : `${s.displayName} (${s.id})` }))]} />
          </FormGroup>
          <FormGroup label="Environment" disabled={!service}>
            <HTMLSelect fill value={environment} disabled={!service} onChange={(e) => setEnvironment(e.target.value)} data-testid="ai-new-environment"
              options={[{ value: '', label: service ? 'Any environment' : '—' }, ...environments.map((e) => ({ value: e, label: e }))]} />
          </FormGroup>
          <FormGroup label="Title" labelInfo="(optional)">
            <InputGroup value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} placeholder="Why is core-service slow?" data-testid="ai-new-title" />
          </FormGroup>
          {create.isError && <ErrorState error={create.error} />}
        </DialogBody>
        <DialogFooter actions={<>
          <Button text="Cancel" onClick={close} />
          <Button type="submit" intent="primary" icon="console" text="Open terminal" loading={create.isPending} data-testid="ai-new-submit" />
        </>} />
      </form>
    </Dialog>
  );
}

function MySessions({ canCreate, onNew }: { canCreate: boolean; onNew(): void }) {
  const sessions = useMySessions();
  if (sessions.isPending) return <div className={Classes.SKELETON} style={{ height: 160 }} />;
  if (sessions.isError) return <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />;
  const items = sessions.data.pages.flatMap((p) => p.items);
  if (items.length === 0) {
    return <NonIdealState icon="console" title="No AI sessions yet" className="apollo-empty" data-testid="ai-empty"
      description="A session is a terminal where built-in commands (debug, logs, incident, postmortem, costs, explain, help) and questions run against Apollo's own APIs, as you; changes (scale, deploy, rollback, upgrade, or what the model proposes) run through them too, after your Approve where they need it."
      action={canCreate ? <Button intent="primary" icon="plus" text="New session" onClick={onNew} /> : undefined} />;
  }
  return (
    <HTMLTable className="apollo-table" interactive data-testid="ai-session-list">
      <thead><tr><th>Title</th><th>About</th><th>Status</th><th>Tokens · cost</th><th>Updated</th></tr></thead>
      <tbody>
        {items.map((s) => (
          <tr key={s.id} data-testid="ai-session-row" data-id={s.id} data-status={s.status} onClick={() => open(s.id)} style={{ cursor: 'pointer' }}>
            <td><a href={`/ai/${encodeURIComponent(s.id)}`} onClick={(e) => { if (!e.metaKey && !e.ctrlKey) { e.preventDefault(); open(s.id); } }}>{s.title}</a></td>
            <td className="apollo-mono">{targetText(s.target)}</td>
            <SessionCells session={s} />
            <td title={formatTime(s.updatedAt)}>{formatAgo(s.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
      {sessions.hasNextPage && (
        <tfoot><tr><td colSpan={5}>
          <Button variant="minimal" icon="more" text="Load more" loading={sessions.isFetchingNextPage} onClick={() => void sessions.fetchNextPage()} data-testid="ai-load-more" />
        </td></tr></tfoot>
      )}
    </HTMLTable>
  );
}

/** A session's status (and actions waiting for approval) and its tokens and cost: the lists' shared cells. */
function SessionCells({ session: s }: { session: AiSession }) {
  return (
    <>
      <td>
        <SessionStatusTag session={s} />
        {(s.pendingActions ?? 0) > 0 && <> <Tag minimal intent="warning" icon="pause" data-testid="ai-session-pending">{s.pendingActions} to approve</Tag></>}
      </td>
      <td className="apollo-mono">{formatCount(s.usage.inputTokens + s.usage.outputTokens)}{typeof s.usage.costUsd === 'number' ? ` · ${formatUsd(s.usage.costUsd)}` : ''}</td>
    </>
  );
}

function ActiveSessions() {
  const active = useActiveSessions(true);
  const terminate = useTerminateSession();
  const [confirming, setConfirming] = useState<AiSession | null>(null);
  if (active.isPending) return <div className={Classes.SKELETON} style={{ height: 160 }} />;
  if (active.isError) return <ErrorState error={active.error} onRetry={() => void active.refetch()} />;
  const items = active.data.items;
  return (
    <>
      {items.length === 0
        ? <NonIdealState icon="tick-circle" title="No active sessions" description="Nobody has an AI session open right now." className="apollo-empty" data-testid="ai-active-empty" />
        : (
          <HTMLTable className="apollo-table" data-testid="ai-active-list">
            <thead><tr><th>Owner</th><th>Title</th><th>About</th><th>Status</th><th>Tokens · cost</th><th>Opened</th><th /></tr></thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id} data-testid="ai-active-row" data-id={s.id} data-status={s.status}>
                  <td>{s.owner}</td>
                  <td><a href={`/ai/${encodeURIComponent(s.id)}`} onClick={(e) => { if (!e.metaKey && !e.ctrlKey) { e.preventDefault(); open(s.id); } }}>{s.title}</a></td>
                  <td className="apollo-mono">{targetText(s.target)}</td>
                  <SessionCells session={s} />
                  <td title={formatTime(s.createdAt)}>{formatAgo(s.createdAt)}</td>
                  <td><Button size="small" intent="danger" icon="stop" text="Terminate" onClick={() => setConfirming(s)} data-testid="ai-terminate" /></td>
                </tr>
              ))}
            </tbody>
          </HTMLTable>
        )}
      <Alert isOpen={confirming !== null} intent="danger" icon="stop" confirmButtonText="Terminate" cancelButtonText="Cancel" loading={terminate.isPending}
        onCancel={() => setConfirming(null)}
        onConfirm={() => confirming && terminate.mutate(confirming.id, { onSettled: () => setConfirming(null) })}>
        <p>Terminate <strong>{confirming?.title}</strong> of {confirming?.owner}?</p>
        <p className={Classes.TEXT_MUTED}>Its stream stops within a second; the transcript so far is kept and it takes no more messages.</p>
      </Alert>
    </>
  );
}

export function AiPage() {
  const me = useMe();
  const search = useSearch();
  const [creating, setCreating] = useState(false);
  const permissions = me.data?.permissions ?? [];
  const isAdmin = permissions.includes('ai:admin');
  const canStats = permissions.includes('stats:read');
  const canCreate = permissions.includes('ai:sessions:create');
  const asked = new URLSearchParams(search).get('tab');
  const tab = (isAdmin && (asked === 'active' || asked === 'people')) || (canStats && asked === 'resolution') ? asked! : 'mine';
  return (
    <div className="apollo-page apollo-ai" data-testid="ai-page">
      <PageHeader title="AI console" description="Ask about a service or an incident: built-in commands print what Apollo's APIs say, then a model reasons over it. Everything runs as you, with your permissions."
        actions={canCreate ? <Button intent="primary" icon="plus" text="New session" onClick={() => setCreating(true)} data-testid="ai-new-session" /> : undefined} />
      {canCreate && <AiStanding principal={me.data?.principal} />}
      {isAdmin || canStats ? (
        <Tabs id="ai-tabs" selectedTabId={tab} onChange={(next) => navigate(next === 'mine' ? '/ai' : `/ai?tab=${String(next)}`, { replace: true })}>
          <Tab id="mine" title="My sessions" panel={<MySessions canCreate={canCreate} onNew={() => setCreating(true)} />} />
          {isAdmin && <Tab id="active" title={<span data-testid="ai-active-tab">Active sessions</span>} panel={<ActiveSessions />} />}
          {isAdmin && <Tab id="people" title={<span data-testid="ai-people-tab">People</span>} panel={<PeopleTab />} />}
          {canStats && <Tab id="resolution" title={<span data-testid="ai-resolution-tab">Resolution</span>} panel={<ResolutionTab />} />}
        </Tabs>
      ) : <MySessions canCreate={canCreate} onNew={() => setCreating(true)} />}
      <NewSessionDialog isOpen={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
