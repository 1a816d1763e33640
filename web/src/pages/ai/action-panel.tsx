/**
 * Beside the terminal: the changes the session proposed (scale, deploy, rollback, restart, a PR, a request…), each a
 * card with what it does, its risk, the tool with its exact arguments, the route it will call and who asked. Nothing
 * runs until the owner or an ai:admin presses Approve (typing "approve" in the terminal does nothing); then the card
 * shows how it went, with a link to what it made.
 */
import { Button, Callout, Classes, Code, Dialog, DialogBody, DialogFooter, FormGroup, Section, SectionCard, Tag, TextArea, Tooltip } from '@blueprintjs/core';
import { useEffect, useRef, useState } from 'react';
import type { AiAction } from '../../../../schemas/types.gen.ts';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { decisionNote, linkOf, originText, pendingCount, riskIntent, shownDecision, shownStatus, STATUS_LOOK } from './ai-actions.ts';
import { useDecideAction } from './ai-queries.ts';

/** The time now, again every `ms` (expiries count down). */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

function ActionResult({ action }: { action: AiAction }) {
  const result = action.result;
  if (!result) return null;
  if (!result.ok || action.status === 'failed') {
    return (
      <Callout intent="danger" icon="error" compact className="apollo-ai-action-result" data-testid="ai-action-result" title={`The route answered ${result.statusCode}${result.code ? ` ${result.code}` : ''}`}>
        {result.message}
      </Callout>
    );
  }
  const resource = result.resource;
  const link = resource ? linkOf(resource.href) : null;
  // "Open pull request #12", "Open deployment J9KZ6MP99J" (a ULID's last characters tell it apart).
  const label = resource ? `Open ${resource.type.replace(/-/g, ' ')}${resource.id ? (resource.type === 'pull-request' ? ` #${resource.id}` : ` ${resource.id.slice(-10)}`) : ''}` : '';
  return (
    <Callout intent="success" icon="tick-circle" compact className="apollo-ai-action-result" data-testid="ai-action-result">
      {result.message}
      {link?.kind === 'app' && <> <Link to={link.href} data-testid="ai-action-result-link" className="apollo-mono">{label} →</Link></>}
      {link?.kind === 'external' && <> <a href={link.href} target="_blank" rel="noopener noreferrer" data-testid="ai-action-result-link" className="apollo-mono">{label} ↗</a></>}
    </Callout>
  );
}

interface CardProps {
  readonly action: AiAction;
  readonly now: number;
  /** The session was terminated: nothing of it runs any more. */
  readonly ended: boolean;
  readonly canDecide: boolean;
  readonly busy: 'approve' | 'reject' | null;
  /** Another decision of this session is on its way: wait for it. */
  readonly blocked: boolean;
  onApprove(): void;
  onReject(): void;
}

function ActionCard({ action, now, ended, canDecide, busy, blocked, onApprove, onReject }: CardProps) {
  const status = shownStatus(action, now, ended);
  const look = STATUS_LOOK[status];
  const open = status === 'pending';
  return (
    <li className={`apollo-ai-action apollo-ai-action-${status}`} data-testid={`ai-action-${action.id}`} data-status={status} data-tool={action.tool}>
      <div className="apollo-ai-action-head">
        <Tag minimal intent={riskIntent(action.risk)} icon={action.risk === 'prod_mutation' || action.risk === 'infrastructure' ? 'warning-sign' : undefined}>{action.risk}</Tag>
        <Tag minimal intent={look.intent} icon={look.icon} data-testid="ai-action-status" data-status={status}>{look.label}</Tag>
      </div>
      <div className="apollo-ai-action-summary">{action.summary}</div>
      <dl className="apollo-ai-action-facts">
        <dt>Tool</dt><dd><Code>{action.tool}</Code></dd>
        <dt>Calls</dt><dd><Code>{action.route}</Code> as {action.requestedBy}</dd>
        <dt>Asked by</dt><dd>{action.origin === 'command' ? `${action.requestedBy}, with a typed command` : 'the model'}</dd>
        {open && (
          <><dt>Expires</dt><dd><Tooltip content={formatTime(action.expiresAt)}><span data-testid="ai-action-expiry">{formatAgo(action.expiresAt, now)}</span></Tooltip></dd></>
        )}
      </dl>
      <pre className="apollo-ai-pre apollo-ai-action-args" data-testid="ai-action-arguments">{JSON.stringify(action.arguments, null, 2)}</pre>
      {open && canDecide && (
        <div className="apollo-ai-action-buttons">
          <Button intent={riskIntent(action.risk) === 'danger' ? 'danger' : 'primary'} icon="tick" text="Approve" loading={busy === 'approve'} disabled={busy !== null || blocked}
            title={`Runs ${action.route} once, now, as ${action.requestedBy}`} onClick={onApprove} data-testid="ai-action-approve" />
          <Button variant="outlined" icon="cross" text="Reject" loading={busy === 'reject'} disabled={busy !== null || blocked} onClick={onReject} data-testid="ai-action-reject" />
        </div>
      )}
      {open && !canDecide && <div className={Classes.TEXT_MUTED}>Waiting for the session's owner (or an AI admin) to approve it.</div>}
      {!open && (
        <div className="apollo-ai-action-decision" data-testid="ai-action-decision">
          {shownDecision(action, now, ended)}
          {action.decidedAt && <span className={Classes.TEXT_MUTED} title={formatTime(action.decidedAt)}> · {formatAgo(action.decidedAt, now)}</span>}
        </div>
      )}
      <ActionResult action={action} />
    </li>
  );
}

export interface ActionPanelProps {
  readonly sessionId: string;
  readonly actions: readonly AiAction[];
  /** The viewer may approve or reject (the owner, or an ai:admin, while the session is active). */
  readonly canDecide: boolean;
  /** The session was terminated: what was pending never runs, and no card offers Approve. */
  readonly ended: boolean;
}

export function ActionPanel({ sessionId, actions, canDecide, ended }: ActionPanelProps) {
  const now = useNow(15_000);
  const decide = useDecideAction(sessionId);
  const [open, setOpen] = useState(true);
  const [rejecting, setRejecting] = useState<AiAction | null>(null);
  const [note, setNote] = useState('');
  // One key per action and decision: a retried click is the same request, never a second run.
  const keys = useRef(new Map<string, string>());
  const keyOf = (decision: string, actionId: string) => {
    const name = `${decision}:${actionId}`;
    let key = keys.current.get(name);
    if (!key) { key = globalThis.crypto.randomUUID(); keys.current.set(name, key); }
    return key;
  };
  const send = (decision: 'approve' | 'reject', action: AiAction, text?: string) =>
    decide.mutate({ decision, actionId: action.id, note: text, idempotencyKey: keyOf(decision, action.id) }, { onSettled: () => setRejecting(null) });
  const busyOn = decide.isPending ? decide.variables : undefined;
  const waiting = pendingCount(actions, now, ended);
  // Newest first: what needs a decision is at the top.
  const shown = [...actions].reverse();

  return (
    <Section className="apollo-ai-actions" title={waiting ? `Pending approval (${waiting})` : 'Changes'} icon={waiting ? 'pause' : 'changes'} compact collapsible
      collapseProps={{ isOpen: open, onToggle: () => setOpen(!open) }} data-testid="ai-action-panel" data-pending={waiting}>
      <SectionCard padded={false}>
        {shown.length === 0
          ? <div className={`${Classes.TEXT_MUTED} apollo-ai-tools-empty`}>{ended ? 'The session was terminated: it proposes no more changes.' : <>Changes the console proposes (scale, deploy, rollback, restart, a pull request…) wait here. Nothing runs until {canDecide ? 'you press' : 'its owner presses'} Approve.</>}</div>
          : (
            <ul className="apollo-ai-action-list">
              {shown.map((a) => (
                <ActionCard key={a.id} action={a} now={now} ended={ended} canDecide={canDecide}
                  busy={busyOn?.actionId === a.id ? busyOn.decision : null} blocked={busyOn !== undefined && busyOn.actionId !== a.id}
                  onApprove={() => send('approve', a)} onReject={() => { setNote(''); setRejecting(a); }} />
              ))}
            </ul>
          )}
      </SectionCard>
      <Dialog isOpen={rejecting !== null} onClose={() => setRejecting(null)} title="Reject this change?" icon="cross">
        <DialogBody>
          <p>{rejecting?.summary}</p>
          <p className={Classes.TEXT_MUTED}>It will never run; the console says so in the terminal. {rejecting && `(${originText(rejecting.origin)} asked for it)`}</p>
          <FormGroup label="Note" labelInfo="(optional)" labelFor="ai-action-note" helperText="Why not: the session's record keeps it.">
            <TextArea id="ai-action-note" fill autoResize maxLength={1000} value={note} autoFocus onChange={(e) => setNote(e.target.value)} data-testid="ai-action-note" />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<>
          <Button text="Cancel" onClick={() => setRejecting(null)} />
          <Button intent="danger" icon="cross" text="Reject" loading={decide.isPending} onClick={() => rejecting && send('reject', rejecting, decisionNote(note))} data-testid="ai-action-reject-confirm" />
        </>} />
      </Dialog>
    </Section>
  );
}
