/**
 * An approval's parts, shared by the inbox and the request page: the rule in words, what is still needed, the
 * decisions so far, whether you may decide and why, and the dialog that approves or rejects one or several (each a
 * call of its own, each result said).
 */
import { Button, Callout, Classes, Dialog, DialogBody, DialogFooter, FormGroup, Icon, Tag, TextArea, Tooltip } from '@blueprintjs/core';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import type { Approval, ApprovalBatch } from '../../../../schemas/types.gen.ts';
import { ApiError } from '../../../../shared/api-client.ts';
import { isForbidden } from '../../components/error-state.tsx';
import { formatAgo, formatTime, withLocalTimes } from '../../lib/format.ts';
import { PENDING_APPROVALS_KEY, requestKey } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { deploymentKey, DEPLOYMENTS_KEY } from '../deployments/deployment-queries.ts';
import { APPROVAL_INTENT } from '../requests/request-status.ts';
import {
  approvalSubject, batchOutcomes, decidedBy, describeApprovers, describeDeadline, describeOutstanding, describeVia, endedWords, escalationBadge, summarizeDecisions,
  type Decision, type DecisionOutcome,
} from './approval-text.ts';

export function ApprovalStatusTag({ status }: { status: Approval['status'] }) {
  return <Tag minimal round intent={APPROVAL_INTENT[status]} data-testid="approval-status" data-status={status}>{status}</Tag>;
}

/** Who approves, the rule's reason, and with mode all who is still needed. */
export function ApprovalRule({ approval }: { approval: Approval }) {
  const { rule, outstanding = [] } = approval;
  return (
    <div className="apollo-approval-rule" data-testid="approval-rule-text">
      <p>Approved by <strong>{describeApprovers(rule.approvers, rule.mode)}</strong>{rule.mode === 'all' && ' (every one of them)'}; never by the requester.</p>
      {rule.reason && <p className={`${Classes.TEXT_MUTED} apollo-small`}>{rule.reason}</p>}
      {approval.status === 'pending' && outstanding.length > 0 && (
        <p className="apollo-small" data-testid="approval-outstanding">Still needed: {outstanding.map(describeOutstanding).join(', ')}.</p>
      )}
    </div>
  );
}

/** Whether you may decide it, and why (the API says). */
export function ApprovalWhy({ approval }: { approval: Approval }) {
  if (approval.status !== 'pending') return null;
  return (
    <p className={`apollo-small apollo-approval-why${approval.canDecide ? '' : ` ${Classes.TEXT_MUTED}`}`} data-testid="approval-why" data-can-decide={approval.canDecide}>
      <Icon icon={approval.canDecide ? 'endorsed' : 'lock'} size={12} intent={approval.canDecide ? 'success' : 'none'} />
      {' '}{approval.why ? withLocalTimes(approval.why) : (approval.canDecide ? 'You may decide it.' : 'You may not decide it.')}
    </p>
  );
}

export function ApprovalDeadline({ approval }: { approval: Approval }) {
  if (approval.status !== 'pending') {
    const { verb, why } = endedWords(approval);
    return approval.decidedAt ? <span title={formatTime(approval.decidedAt)} data-testid="approval-ended">{verb} {formatAgo(approval.decidedAt)}{why && `: ${why}`}</span> : null;
  }
  const left = describeDeadline(approval.expiresAt);
  return (
    <>
      <span title={formatTime(approval.expiresAt)} data-testid="approval-deadline">{left === 'expired' ? 'expired' : `expires ${left}`}</span>
      {approval.escalatesAt && left !== 'expired' && (
        <span title={formatTime(approval.escalatesAt)} data-testid="approval-escalates-at" data-at={approval.escalatesAt}>
          {' · '}escalates {describeDeadline(approval.escalatesAt) === 'expired' ? 'now' : `at ${formatTime(approval.escalatesAt)}`}
        </span>
      )}
    </>
  );
}

/** "Escalated ×2 · waiting 9 h", with who was told at each level on hover. */
export function ApprovalEscalation({ approval }: { approval: Approval }) {
  const badge = approval.status === 'pending' ? escalationBadge(approval) : null;
  if (!badge) return null;
  const tip = (
    <ul className="apollo-escalation-tip" data-testid="approval-escalation-tip">
      {badge.steps.map((s) => <li key={`${s.level}-${s.at}`}><strong>Level {s.level}</strong>, {formatTime(s.at)}: {s.text}</li>)}
    </ul>
  );
  return (
    <Tooltip content={tip} placement="bottom">
      <Tag minimal intent="warning" icon="warning-sign" data-testid="approval-escalation" data-level={badge.level} data-count={badge.steps.length} tabIndex={0}>{badge.label}</Tag>
    </Tooltip>
  );
}

export function ApprovalDecisions({ approval }: { approval: Approval }) {
  if (approval.decisions.length === 0) return <p className={`${Classes.TEXT_MUTED} apollo-small`}>No decisions yet.</p>;
  return (
    <ul className="apollo-decisions" data-testid="approval-decisions">
      {approval.decisions.map((d) => (
        <li key={`${d.principal}-${d.at}`} data-testid="approval-decision" data-decision={d.decision} data-on-behalf-of={d.onBehalfOf}>
          <Icon icon={d.decision === 'approved' ? 'tick-circle' : 'cross-circle'} intent={d.decision === 'approved' ? 'success' : 'danger'} size={14} />
          <span>
            <strong data-testid="approval-decider">{decidedBy(d)}</strong> {d.decision}{d.via?.length ? <span className={Classes.TEXT_MUTED}> ({describeVia(d.via)})</span> : null}
            {' '}<span className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(d.at)}>{formatAgo(d.at)}</span>
            {d.comment && <span className="apollo-decision-comment">“{d.comment}”</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** An API refusal as a line of a result list: a 403 says it was not allowed, others their status. */
export function refusal(error: unknown): string {
  if (isForbidden(error)) return `Not allowed: ${error.message}`;
  if (error instanceof ApiError) return `${error.status} ${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** What a rejection does to what waits: a request fails, a deployment stops (its pull request closed). */
function rejectOutcome(approvals: readonly Approval[]): string {
  const deployments = approvals.filter((a) => a.kind === 'deployment').length;
  if (deployments === 0) return approvals.length > 1 ? 'the requests fail' : 'the request fails';
  if (deployments === approvals.length) return approvals.length > 1 ? 'the deployments stop and their pull requests are closed' : 'the deployment stops and its pull request is closed';
  return 'requests fail, deployments stop';
}

const REASON_MIN = 3;
const TEXT_MAX = 2000;

/**
 * Approves (with an optional comment) or rejects (with a reason, required) the given approvals. One goes through its
 * own route; several through the batch route in one call (each decided and audited on its own, one Idempotency-Key
 * per selection so a retry after a lost answer decides nothing twice). One that succeeds closes the dialog; several,
 * or any refusal, stay open with each item's result.
 */
export function DecisionDialog({ decision, approvals, onClose, onDecided }: {
  decision: Decision | null;
  approvals: readonly Approval[];
  onClose(): void;
  /** After the calls, with the ids that succeeded and each item's outcome. */
  onDecided?(ids: readonly string[], outcomes: ReadonlyMap<string, DecisionOutcome>): void;
}) {
  const { api } = useServices();
  const client = useQueryClient();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [results, setResults] = useState<ReadonlyMap<string, DecisionOutcome>>(new Map());
  const batchKey = useRef<string | null>(null);
  const finished = results.size === approvals.length && approvals.length > 0 && !running;
  const reject = decision === 'reject';

  const close = () => {
    if (running) return;
    setText(''); setProblem(null); setResults(new Map()); setFailure(null);
    batchKey.current = null;
    onClose();
  };

  /** Each approval decided through its own route, in order (one, or the fallback). */
  const decideOne = async (approval: Approval, value: string): Promise<DecisionOutcome> => {
    try {
      const answer = reject
        ? await api.read('POST /api/v1/approvals/{id}/reject', { params: { id: approval.id }, body: { reason: value } })
        : await api.read('POST /api/v1/approvals/{id}/approve', { params: { id: approval.id }, body: value ? { comment: value } : {} });
      return { ok: true, status: answer.status };
    } catch (error) {
      return { ok: false, message: refusal(error) };
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (finished) { close(); return; }
    const value = text.trim();
    if (reject && value.length < REASON_MIN) { setProblem('Say why: the requester reads it (at least 3 characters).'); return; }
    setProblem(null);
    setFailure(null);
    setRunning(true);
    let outcomes = new Map<string, DecisionOutcome>();
    if (approvals.length === 1) {
      outcomes.set(approvals[0]!.id, await decideOne(approvals[0]!, value));
    } else {
      batchKey.current ??= globalThis.crypto.randomUUID();
      try {
        const answer = await api.read('POST /api/v1/approvals/decide', {
          body: { decisions: approvals.map((a) => ({ id: a.id, decision: reject ? 'rejected' as const : 'approved' as const, ...(value ? { comment: value } : {}) })) as ApprovalBatch['decisions'] },
          idempotencyKey: batchKey.current,
        });
        outcomes = batchOutcomes(answer);
      } catch (error) {
        // The call as a whole failed (nothing, or not all, may have been decided): say so and let them try again.
        setFailure(refusal(error));
        setRunning(false);
        void client.invalidateQueries({ queryKey: PENDING_APPROVALS_KEY });
        return;
      }
    }
    setResults(outcomes);
    setRunning(false);
    batchKey.current = null;
    void client.invalidateQueries({ queryKey: PENDING_APPROVALS_KEY });
    void client.invalidateQueries({ queryKey: ['requests', 'list'] });
    for (const approval of approvals) {
      if (approval.requestId) void client.invalidateQueries({ queryKey: requestKey(approval.requestId) });
      if (approval.deployment) void client.invalidateQueries({ queryKey: deploymentKey(approval.deployment.id) });
    }
    if (approvals.some((a) => a.kind === 'deployment')) void client.invalidateQueries({ queryKey: DEPLOYMENTS_KEY });
    const all = approvals.flatMap((a) => { const o = outcomes.get(a.id); return o ? [o] : []; });
    const done = approvals.filter((a) => outcomes.get(a.id)?.ok).map((a) => a.id);
    onDecided?.(done, outcomes);
    const failed = all.some((o) => !o.ok);
    toast({ intent: failed ? 'warning' : 'success', icon: failed ? 'warning-sign' : 'tick', message: summarizeDecisions(decision ?? 'approve', all) });
    if (!failed && approvals.length === 1) { setText(''); setResults(new Map()); onClose(); }
  };

  const count = approvals.length;
  const what = count === 1 ? `${approvalSubject(approvals[0]!)} for ${approvals[0]!.requester}` : `${count} approvals`;
  return (
    <Dialog isOpen={decision !== null} onClose={close} title={reject ? `Reject ${what}` : `Approve ${what}`} icon={reject ? 'cross-circle' : 'endorsed'} className="apollo-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate data-testid="decision-form" data-decision={decision ?? ''}>
        <DialogBody>
          {count > 1 && (
            <ul className="apollo-decision-targets" data-testid="decision-results">
              {approvals.map((a) => {
                const result = results.get(a.id);
                return (
                  <li key={a.id} data-testid="decision-result" data-id={a.id} data-ok={result ? String(result.ok) : ''}>
                    <Icon icon={!result ? (running ? 'time' : 'dot') : result.ok ? 'tick-circle' : 'error'} intent={!result ? 'none' : result.ok ? 'success' : 'danger'} size={14} />
                    <span><strong>{approvalSubject(a)}</strong> for {a.requester}{result && (result.ok
                      ? <span className={Classes.TEXT_MUTED} data-testid="decision-result-text"> · {result.status === 'pending' ? 'approved; more approvals needed' : result.status}</span>
                      : <span className="apollo-decision-error" data-testid="decision-result-text"> · {result.message}</span>)}</span>
                  </li>
                );
              })}
            </ul>
          )}
          {failure && (
            <Callout intent="danger" icon="error" className="apollo-form-error" data-testid="decision-error">
              Nothing was confirmed: {failure} Try again: what was decided already is not decided twice.
            </Callout>
          )}
          {count === 1 && results.size === 1 && !results.get(approvals[0]!.id)?.ok && (
            <Callout intent="danger" icon="error" className="apollo-form-error" data-testid="decision-error">
              {(results.get(approvals[0]!.id) as { message: string }).message}
            </Callout>
          )}
          {!finished && (
            <FormGroup
              label={reject ? (count > 1 ? `Reason (one for all ${count})` : 'Reason') : (count > 1 ? `Comment (one for all ${count})` : 'Comment')}
              labelFor="decision-text"
              labelInfo={reject ? '(required)' : '(optional)'}
              helperText={problem ?? (reject ? `The requester reads it; ${rejectOutcome(approvals)}.` : (count > 1 ? 'Each requester sees it beside your approval.' : 'The requester sees it beside your approval.'))}
              intent={problem ? 'danger' : 'none'}
            >
              <TextArea id="decision-text" fill rows={3} maxLength={TEXT_MAX} value={text} onChange={(e) => { setText(e.currentTarget.value); setProblem(null); }}
                intent={problem ? 'danger' : 'none'} autoFocus data-testid="decision-text" />
            </FormGroup>
          )}
        </DialogBody>
        <DialogFooter actions={finished
          ? <Button type="submit" intent="primary" text="Done" data-testid="decision-done" />
          : (
            <>
              <Button text="Cancel" onClick={close} disabled={running} />
              <Button type="submit" intent={reject ? 'danger' : 'success'} icon={reject ? 'cross' : 'tick'} loading={running}
                text={reject ? (count > 1 ? `Reject ${count}` : 'Reject') : (count > 1 ? `Approve ${count}` : 'Approve')} data-testid="decision-confirm" />
            </>
          )} />
      </form>
    </Dialog>
  );
}
