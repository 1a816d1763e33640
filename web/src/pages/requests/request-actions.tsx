/**
 * A request's actions, each with its attempts: what was sent, what came back, how long it took, what it waits for,
 * the outside run it started (a Terraform run, a GitHub run, a JIRA issue), and whether it called a local fake. An
 * action that was undone reads struck through as "rolled back", with the rollback that undid it (its status and
 * attempts) under it.
 */
import { Callout, Classes, Code, Collapse, Icon, Section, SectionCard, Tag, Tooltip, type IconName } from '@blueprintjs/core';
import { useState } from 'react';
import type { Request } from '../../../../schemas/types.gen.ts';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { ACTION_TYPE_LABEL } from '../self-service/describe.ts';
import { externalRun } from './request-lifecycle.ts';
import { ACTION_INTENT, ACTION_LABEL, actionsTally, ATTEMPT_INTENT, formatDuration, isLocalFake } from './request-status.ts';

type RequestAction = Request['actions'][number];
type Attempt = RequestAction['attempts'][number];
type Rollback = NonNullable<RequestAction['rollback']>;

const json = (value: unknown): string => JSON.stringify(value, null, 2);

export function LocalFakeTag({ what, testId = 'local-fake' }: { what: string; testId?: string }) {
  return (
    <Tooltip content={`${what} is npm start's LOCAL FAKE of the outside system, on this machine: nothing outside it was changed.`}>
      <Tag minimal intent="primary" icon="lab-test" data-testid={testId}>local fake</Tag>
    </Tooltip>
  );
}

/** The outside run an attempt started, as a link (a new tab), marked when it is a local fake. */
function ExternalLink({ external }: { external: NonNullable<Attempt['external']> }) {
  const run = externalRun(external);
  return (
    <span className="apollo-attempt-external" data-testid="attempt-external" data-system={external.system}>
      <Icon icon="share" size={12} />
      {run.href ? <a href={run.href} target="_blank" rel="noreferrer">{run.text}</a> : <span>{run.text}</span>}
      {run.localFake && <LocalFakeTag what="This run" testId="external-local-fake" />}
    </span>
  );
}

function AttemptView({ attempt }: { attempt: Attempt }) {
  return (
    <div className="apollo-attempt" data-testid="attempt" data-attempt={attempt.attempt} data-status={attempt.status}>
      <div className="apollo-attempt-head">
        <strong>Attempt {attempt.attempt}</strong>
        <Tag minimal round intent={ATTEMPT_INTENT[attempt.status]}>{attempt.status}</Tag>
        {attempt.httpStatus !== undefined && <Tag minimal intent={attempt.httpStatus < 400 ? 'success' : 'danger'} data-testid="attempt-http">HTTP {attempt.httpStatus}</Tag>}
        <span className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(attempt.startedAt)}>started {formatAgo(attempt.startedAt)}</span>
        {attempt.durationMs !== undefined && <span className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="attempt-duration">took {formatDuration(attempt.durationMs)}</span>}
        {attempt.external && <ExternalLink external={attempt.external} />}
      </div>
      {attempt.waitingFor && <Callout compact icon="time" intent="warning" className="apollo-attempt-callout" data-testid="attempt-waiting">Waiting for {attempt.waitingFor.replace(/^waiting for /i, '')}</Callout>}
      {attempt.error && (
        <Callout compact icon="error" intent="danger" className="apollo-attempt-callout" data-testid="attempt-error">
          <Code>{attempt.error.code}</Code> {attempt.error.message}{attempt.error.retryable !== undefined && <span className={Classes.TEXT_MUTED}> ({attempt.error.retryable ? 'retryable' : 'not retried'})</span>}
        </Callout>
      )}
      {attempt.input && <><h5 className="apollo-subheading">Sent</h5><pre className="apollo-json" data-testid="attempt-input">{json(attempt.input)}</pre></>}
      {attempt.outputs && Object.keys(attempt.outputs).length > 0 && <><h5 className="apollo-subheading">Outputs</h5><pre className="apollo-json" data-testid="attempt-outputs">{json(attempt.outputs)}</pre></>}
    </div>
  );
}

/** What undid an action: its rollback's status and attempts. */
function RollbackView({ rollback }: { rollback: Rollback }) {
  return (
    <div className="apollo-rollback" data-testid="action-rollback" data-status={rollback.status}>
      <div className="apollo-rollback-head">
        <Icon icon="undo" size={14} intent={ATTEMPT_INTENT[rollback.status]} />
        <span>Undone by <strong>{rollback.name}</strong> <Code className="apollo-small">{rollback.id}</Code></span>
        <Tag minimal round intent={ATTEMPT_INTENT[rollback.status]} data-testid="rollback-status">{rollback.status}</Tag>
      </div>
      {rollback.attempts.length === 0
        ? <p className={`${Classes.TEXT_MUTED} apollo-small`}>Not started yet.</p>
        : rollback.attempts.map((a) => <AttemptView key={a.attempt} attempt={a} />)}
    </div>
  );
}

const ACTION_ICON: Record<RequestAction['status'], IconName> = {
  pending: 'circle', running: 'refresh', waiting: 'time', succeeded: 'tick-circle', failed: 'error', skipped: 'disable', rolled_back: 'undo',
};

function ActionItem({ action, index, open, onToggle }: { action: RequestAction; index: number; open: boolean; onToggle(): void }) {
  const last = action.attempts.at(-1);
  const fake = isLocalFake(action.target, window.location.host);
  const total = action.attempts.reduce((sum, a) => sum + (a.durationMs ?? 0), 0);
  const rolledBack = action.status === 'rolled_back';
  return (
    <li className={`apollo-action${rolledBack ? ' apollo-action-rolled-back' : ''}`} data-testid="request-action" data-id={action.id} data-status={action.status}>
      <button type="button" className="apollo-action-head" onClick={onToggle} aria-expanded={open} data-testid="action-toggle">
        <Icon icon={open ? 'chevron-down' : 'chevron-right'} className="apollo-action-chevron" />
        <Icon icon={ACTION_ICON[action.status]} intent={ACTION_INTENT[action.status]} />
        <span className="apollo-action-title">
          <span><span className={Classes.TEXT_MUTED}>{index + 1}.</span> <strong className="apollo-action-name">{action.name}</strong> <Tag minimal>{ACTION_TYPE_LABEL[action.type] ?? action.type}</Tag></span>
          <span className="apollo-action-meta apollo-small">
            <Tag minimal round intent={ACTION_INTENT[action.status]} icon={rolledBack ? 'undo' : undefined} data-testid="action-status">{ACTION_LABEL[action.status]}</Tag>
            {action.target && <span className="apollo-mono" data-testid="action-target">{action.target}</span>}
            {fake && <LocalFakeTag what="The system this action called" />}
            {action.attempts.length > 0 && <span className={Classes.TEXT_MUTED}>{action.attempts.length} {action.attempts.length === 1 ? 'attempt' : 'attempts'}{action.maxAttempts ? ` of ${action.maxAttempts}` : ''}</span>}
            {total > 0 && <span className={Classes.TEXT_MUTED}>{formatDuration(total)}</span>}
            {last?.waitingFor && action.status === 'waiting' && <span className={Classes.TEXT_MUTED}>{last.waitingFor}</span>}
            {action.rollback && !rolledBack && (
              <span className={Classes.TEXT_MUTED} data-testid="action-rollback-summary">rollback {action.rollback.status}</span>
            )}
          </span>
        </span>
      </button>
      <Collapse isOpen={open}>
        <div className="apollo-action-body">
          {action.attempts.length === 0
            ? <p className={`${Classes.TEXT_MUTED} apollo-small`}>{action.status === 'skipped' ? 'Skipped: its condition did not hold for this request.' : 'Not started yet.'}</p>
            : action.attempts.map((a) => <AttemptView key={a.attempt} attempt={a} />)}
          {action.rollback && <RollbackView rollback={action.rollback} />}
        </div>
      </Collapse>
    </li>
  );
}

export function Actions({ request }: { request: Request }) {
  const [toggled, setToggled] = useState<Record<string, boolean>>({});
  if (request.fulfillment === 'manual' && request.actions.length === 0) return null;
  // What needs a look opens by itself: a failed action, one waiting on something outside, or a rollback that failed or runs.
  const isOpen = (a: RequestAction) => toggled[a.id] ?? (a.status === 'failed' || a.status === 'waiting' || (a.rollback !== undefined && a.rollback.status !== 'succeeded'));
  return (
    <Section title="Actions" icon="flows" className="apollo-section" data-testid="request-actions"
      rightElement={<span className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="actions-tally">{actionsTally(request.actions)}</span>}>
      <SectionCard padded={false}>
        {request.actions.length === 0
          ? <p className={`${Classes.TEXT_MUTED} apollo-action-empty`}>No actions: nothing automated runs for this request.</p>
          : (
            <ol className="apollo-actions">
              {request.actions.map((a, i) => <ActionItem key={a.id} action={a} index={i} open={isOpen(a)} onToggle={() => setToggled((t) => ({ ...t, [a.id]: !isOpen(a) }))} />)}
            </ol>
          )}
      </SectionCard>
    </Section>
  );
}
