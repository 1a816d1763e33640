/**
 * An approval's parts, shared by the inbox and the request page: the rule in words, what is still needed, the
 * decisions so far, whether you may decide and why, and the dialog that approves or rejects one or several (each a
 * call of its own, each result said).
 */
import { Button, Callout, Classes, Dialog, DialogBody, DialogFooter, FormGroup, Icon, Tag, TextArea } from '@blueprintjs/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Approval } from '../../../../schemas/types.gen.ts';
import { ApiError } from '../../../../shared/api-client.ts';
import { isForbidden } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { PENDING_APPROVALS_KEY, requestKey } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { deploymentKey, DEPLOYMENTS_KEY } from '../deployments/deployment-queries.ts';
import { APPROVAL_INTENT } from '../requests/request-status.ts';
import {
  approvalSubject, describeApprovers, describeDeadline, describeOutstanding, describeVia, summarizeDecisions, type Decision, type DecisionOutcome,
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
      {' '}{approval.why ?? (approval.canDecide ? 'You may decide it.' : 'You may not decide it.')}
    </p>
  );
}

export function ApprovalDeadline({ approval }: { approval: Approval }) {
  if (approval.status !== 'pending') {
    return approval.decidedAt ? <span title={formatTime(approval.decidedAt)}>decided {formatAgo(approval.decidedAt)}</span> : null;
  }
  const left = describeDeadline(approval.expiresAt);
  return <span title={formatTime(approval.expiresAt)} data-testid="approval-deadline">{left === 'expired' ? 'expired' : `expires ${left}`}</span>;
}

export function ApprovalDecisions({ approval }: { approval: Approval }) {
  if (approval.decisions.length === 0) return <p className={`${Classes.TEXT_MUTED} apollo-small`}>No decisions yet.</p>;
  return (
    <ul className="apollo-decisions" data-testid="approval-decisions">
      {approval.decisions.map((d) => (
        <li key={`${d.principal}-${d.at}`} data-testid="approval-decision" data-decision={d.decision}>
          <Icon icon={d.decision === 'approved' ? 'tick-circle' : 'cross-circle'} intent={d.decision === 'approved' ? 'success' : 'danger'} size={14} />
          <span>
            <strong>{d.principal}</strong> {d.decision}{d.via?.length ? <span className={Classes.TEXT_MUTED}> ({describeVia(d.via)})</span> : null}
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
 * Approves (with an optional comment) or rejects (with a reason, required) the given approvals, one call each, in
 * order. One that succeeds closes the dialog; several, or any failure, stay open with each item's result.
 */
export function DecisionDialog({ decision, approvals, onClose, onDecided }: {
  decision: Decision | null;
  approvals: readonly Approval[];
  onClose(): void;
  /** After the calls, with the ids that succeeded. */
  onDecided?(ids: readonly string[]): void;
}) {
  const { api } = useServices();
  const client = useQueryClient();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [results, setResults] = useState<ReadonlyMap<string, DecisionOutcome>>(new Map());
  const finished = results.size === approvals.length && approvals.length > 0 && !running;
  const reject = decision === 'reject';

  const close = () => {
    if (running) return;
    setText(''); setProblem(null); setResults(new Map());
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (finished) { close(); return; }
    const value = text.trim();
    if (reject && value.length < REASON_MIN) { setProblem('Say why: the requester reads it (at least 3 characters).'); return; }
    setProblem(null);
    setRunning(true);
    const outcomes = new Map<string, DecisionOutcome>();
    for (const approval of approvals) {
      try {
        const answer = reject
          ? await api.read('POST /api/v1/approvals/{id}/reject', { params: { id: approval.id }, body: { reason: value } })
          : await api.read('POST /api/v1/approvals/{id}/approve', { params: { id: approval.id }, body: value ? { comment: value } : {} });
        outcomes.set(approval.id, { ok: true, status: answer.status });
      } catch (error) {
        outcomes.set(approval.id, { ok: false, message: refusal(error) });
      }
      setResults(new Map(outcomes));
    }
    setRunning(false);
    void client.invalidateQueries({ queryKey: PENDING_APPROVALS_KEY });
    void client.invalidateQueries({ queryKey: ['requests', 'list'] });
    for (const approval of approvals) {
      if (approval.requestId) void client.invalidateQueries({ queryKey: requestKey(approval.requestId) });
      if (approval.deployment) void client.invalidateQueries({ queryKey: deploymentKey(approval.deployment.id) });
    }
    if (approvals.some((a) => a.kind === 'deployment')) void client.invalidateQueries({ queryKey: DEPLOYMENTS_KEY });
    const all = [...outcomes.values()];
    const done = approvals.filter((a) => outcomes.get(a.id)?.ok).map((a) => a.id);
    onDecided?.(done);
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
                    <span><strong>{approvalSubject(a)}</strong> for {a.requester}{result && (result.ok ? <span className={Classes.TEXT_MUTED}> · {result.status}</span> : <span className="apollo-decision-error"> · {result.message}</span>)}</span>
                  </li>
                );
              })}
            </ul>
          )}
          {count === 1 && results.size === 1 && !results.get(approvals[0]!.id)?.ok && (
            <Callout intent="danger" icon="error" className="apollo-form-error" data-testid="decision-error">
              {(results.get(approvals[0]!.id) as { message: string }).message}
            </Callout>
          )}
          {!finished && (
            <FormGroup
              label={reject ? 'Reason' : 'Comment'}
              labelFor="decision-text"
              labelInfo={reject ? '(required)' : '(optional)'}
              helperText={problem ?? (reject ? `The requester reads it; ${rejectOutcome(approvals)}.` : 'The requester sees it beside your approval.')}
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
