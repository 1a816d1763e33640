/**
 * The /ai page's People tab (ai:admin): who used the console on a day (GET /api/v1/ai/users, default today) with their
 * tokens, cost and turns against the daily budgets and their sandbox; anyone looked up by email (GET …/users/{id});
 * and the sandbox put on or lifted with a reason (PUT …/users/{id}/sandbox).
 */
import { Button, Classes, Code, Dialog, DialogBody, DialogFooter, FormGroup, HTMLTable, InputGroup, NonIdealState, Tag, TextArea, Tooltip } from '@blueprintjs/core';
import { useState, type FormEvent } from 'react';
import type { AiUser } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatTime } from '../../lib/format.ts';
import { useAiUser, useAiUsers, useSetSandbox } from './ai-queries.ts';
import { formatUsd } from './ai-rules.ts';
import { BudgetMeter } from './ai-standing.tsx';
import { decisionNote } from './ai-actions.ts';
import { formatCount } from './terminal-render.ts';

function SandboxTag({ user }: { user: AiUser }) {
  const said = user.sandbox.changedBy ? `${user.sandbox.enabled ? 'Put in' : 'Lifted'} by ${user.sandbox.changedBy}${user.sandbox.changedAt ? ` at ${formatTime(user.sandbox.changedAt)}` : ''}${user.sandbox.reason ? `: ${user.sandbox.reason}` : ''}` : 'Never changed: new users start in the sandbox';
  return (
    <Tooltip content={<div className="apollo-ai-tooltip">{said}</div>}>
      {user.sandbox.enabled
        ? <Tag minimal intent="warning" icon="lock" data-testid="ai-person-sandbox" data-enabled="true">sandbox (read-only)</Tag>
        : <Tag minimal intent="success" icon="unlock" data-testid="ai-person-sandbox" data-enabled="false">may propose changes</Tag>}
    </Tooltip>
  );
}

function PersonRow({ user, onSandbox }: { user: AiUser; onSandbox(user: AiUser): void }) {
  const tokens = user.today.inputTokens + user.today.outputTokens;
  return (
    <tr data-testid="ai-person-row" data-principal={user.principal} data-sandbox={user.sandbox.enabled}>
      <td>{user.principal}</td>
      <td><SandboxTag user={user} /></td>
      <td><BudgetMeter label="tokens" used={tokens} budget={user.budgets.dailyTokens} text={`${formatCount(tokens)} / ${formatCount(user.budgets.dailyTokens)}`} /></td>
      <td><BudgetMeter label="cost" used={user.today.costUsd} budget={user.budgets.dailyCostUsd} text={`${formatUsd(user.today.costUsd)} / ${formatUsd(user.budgets.dailyCostUsd)}`} /></td>
      <td className="apollo-mono">{formatCount(user.today.turns)}</td>
      <td>
        <Button size="small" variant="outlined" intent={user.sandbox.enabled ? 'success' : 'warning'} icon={user.sandbox.enabled ? 'unlock' : 'lock'}
          text={user.sandbox.enabled ? 'Lift sandbox' : 'Put in sandbox'} onClick={() => onSandbox(user)} data-testid="ai-sandbox-toggle" />
      </td>
    </tr>
  );
}

function PeopleTable({ users, onSandbox, testId }: { users: readonly AiUser[]; onSandbox(user: AiUser): void; testId: string }) {
  return (
    <HTMLTable className="apollo-table" data-testid={testId}>
      <thead><tr><th>Person</th><th>Sandbox</th><th>Tokens / daily budget</th><th>Cost / daily budget</th><th>Turns</th><th /></tr></thead>
      <tbody>{users.map((u) => <PersonRow key={u.principal} user={u} onSandbox={onSandbox} />)}</tbody>
    </HTMLTable>
  );
}

function SandboxDialog({ user, onClose }: { user: AiUser | null; onClose(): void }) {
  const save = useSetSandbox();
  const [reason, setReason] = useState('');
  const enable = user ? !user.sandbox.enabled : false;
  const clean = decisionNote(reason) ?? '';
  const close = () => { setReason(''); save.reset(); onClose(); };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!user || clean.length < 3) return;
    save.mutate({ principal: user.principal, enabled: enable, reason: clean.slice(0, 500) }, { onSuccess: close });
  };
  return (
    <Dialog isOpen={user !== null} onClose={close} icon={enable ? 'lock' : 'unlock'} title={enable ? `Put ${user?.principal ?? ''} in the sandbox` : `Lift the sandbox of ${user?.principal ?? ''}`}>
      <form onSubmit={submit}>
        <DialogBody>
          <p className={Classes.TEXT_MUTED}>
            {enable
              ? 'Read-only: their console refuses every change (scale, deploy, rollback…) with a line saying so; reading stays as it is.'
              : 'Their console may then propose changes; each still waits for an Approve and runs with their own permissions.'}
          </p>
          <FormGroup label="Reason" labelInfo="(required)" labelFor="ai-sandbox-reason" helperText="3 to 500 characters; the audit log keeps it with your name.">
            <TextArea id="ai-sandbox-reason" fill autoResize maxLength={500} value={reason} autoFocus onChange={(e) => setReason(e.target.value)} data-testid="ai-sandbox-reason" />
          </FormGroup>
          {save.isError && <ErrorState error={save.error} />}
        </DialogBody>
        <DialogFooter actions={<>
          <Button text="Cancel" onClick={close} />
          <Button type="submit" intent={enable ? 'warning' : 'success'} icon={enable ? 'lock' : 'unlock'} text={enable ? 'Put in sandbox' : 'Lift sandbox'}
            disabled={clean.length < 3} loading={save.isPending} data-testid="ai-sandbox-save" />
        </>} />
      </form>
    </Dialog>
  );
}

function Lookup({ onSandbox }: { onSandbox(user: AiUser): void }) {
  const [text, setText] = useState('');
  const [principal, setPrincipal] = useState<string | undefined>(undefined);
  const found = useAiUser(principal);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = text.trim();
    if (value) setPrincipal(value);
  };
  return (
    <div className="apollo-ai-lookup">
      <form onSubmit={submit} className="apollo-ai-people-bar">
        <InputGroup leftIcon="search" placeholder="someone@example.com" value={text} onChange={(e) => setText(e.target.value)} aria-label="Look up a person by email" data-testid="ai-person-lookup" />
        <Button type="submit" text="Look up" disabled={!text.trim()} loading={found.isFetching} data-testid="ai-person-lookup-submit" />
      </form>
      {principal && found.isError && <ErrorState error={found.error} onRetry={() => void found.refetch()} />}
      {found.data && <PeopleTable users={[found.data]} onSandbox={onSandbox} testId="ai-person-found" />}
    </div>
  );
}

export function PeopleTab() {
  const [date, setDate] = useState('');
  const users = useAiUsers(date || undefined, true);
  const [changing, setChanging] = useState<AiUser | null>(null);
  return (
    <div className="apollo-ai-people" data-testid="ai-people">
      <div className="apollo-ai-people-bar">
        <FormGroup inline label="Day (UTC)" labelFor="ai-people-date" className="apollo-ai-people-date">
          <InputGroup id="ai-people-date" type="date" value={date || users.data?.date || ''} onValueChange={setDate} data-testid="ai-people-date" />
        </FormGroup>
        {date && <Button variant="minimal" text="Today" onClick={() => setDate('')} />}
      </div>
      {users.isPending && <div className={Classes.SKELETON} style={{ height: 120 }} />}
      {users.isError && <ErrorState error={users.error} onRetry={() => void users.refetch()} />}
      {users.data && (users.data.items.length === 0
        ? <NonIdealState icon="people" title="Nobody used the console" description={<>No one ran a turn on <Code>{users.data.date}</Code>. Look someone up below to see their sandbox and budgets.</>} className="apollo-empty" data-testid="ai-people-empty" />
        : <PeopleTable users={users.data.items} onSandbox={setChanging} testId="ai-people-list" />)}
      <h4 className="apollo-ai-people-heading">Look up a person</h4>
      <Lookup onSandbox={setChanging} />
      <SandboxDialog key={changing?.principal ?? ''} user={changing} onClose={() => setChanging(null)} />
    </div>
  );
}
