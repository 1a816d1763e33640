/**
 * The approvals inbox: requests and production deployments waiting for a decision, those you may decide first. Each says
 * who asked for what (a request's fields and note; a deployment's operation, tag change, Git diff and pull request), the
 * rule and why you may or may not decide, and its deadline; approve (a comment if you like) or
 * reject (a reason, required), one or several at once (the batch route: each decided and audited on its own, each
 * result said, a refused one marked on its card). An escalated approval says so ("Escalated ×2 · waiting 9 h", who was
 * told) and when it escalates next; a decision made as a delegate reads "operator@… for admin@…". The delegation panel
 * names your delegate, and says whose delegate you are. Live: the shell follows the `approvals` topic for its badge,
 * and this list is the same query.
 */
import { Button, Callout, Card, Checkbox, Classes, Icon, NonIdealState, Tag } from '@blueprintjs/core';
import { useMemo, useState } from 'react';
import type { Approval } from '../../../../schemas/types.gen.ts';
import { DiffView } from '../../components/diff-view.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useFieldLabels, usePendingApprovals } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { fieldText } from '../requests/request-status.ts';
import { ApprovalDeadline, ApprovalDecisions, ApprovalEscalation, ApprovalRule, ApprovalWhy, DecisionDialog } from './approval-parts.tsx';
import { approvalSubject, approvalTarget, decidableCount, deploymentChange, sortApprovals, type Decision } from './approval-text.ts';
import { DelegationPanel } from './delegation-panel.tsx';

/** The batch route's most at once. */
const BATCH_MAX = 50;
import '../requests/requests.css';

/** A request waiting: what was asked (its fields as the form labels them) and the note. */
function RequestSummary({ approval, labels }: { approval: Approval; labels: ReadonlyMap<string, string> | undefined }) {
  const fields = Object.entries(approval.fields ?? {});
  return (
    <>
      {fields.length > 0 && (
        <dl className="apollo-approval-fields" data-testid="approval-fields">
          {fields.map(([id, value]) => <div key={id} className="apollo-facts-row"><dt title={id}>{labels?.get(id) ?? id}</dt><dd>{fieldText(value)}</dd></div>)}
        </dl>
      )}
    </>
  );
}

/** A production deployment waiting: the operation, service, environment, the tag change, the Git diff and its pull request. */
function DeploymentSummary({ deployment }: { deployment: NonNullable<Approval['deployment']> }) {
  return (
    <>
      <dl className="apollo-approval-fields" data-testid="approval-deployment">
        <div className="apollo-facts-row"><dt>Operation</dt><dd><Tag minimal data-testid="approval-operation">{deployment.operation}</Tag></dd></div>
        <div className="apollo-facts-row"><dt>Service</dt><dd><Link to={`/catalog/${encodeURIComponent(deployment.service)}`}>{deployment.service}</Link></dd></div>
        <div className="apollo-facts-row"><dt>Environment</dt><dd data-testid="approval-environment">{deployment.environment}</dd></div>
        <div className="apollo-facts-row"><dt>Change</dt><dd className="apollo-mono" data-testid="approval-change">{deploymentChange(deployment)}</dd></div>
        {deployment.pullRequest && (
          <div className="apollo-facts-row"><dt>Pull request</dt><dd>
            <a href={deployment.pullRequest.url} target="_blank" rel="noreferrer" data-testid="approval-pull-request">#{deployment.pullRequest.number} <Icon icon="share" size={12} /></a>
          </dd></div>
        )}
      </dl>
      {deployment.diff && <DiffView diff={deployment.diff} testId="approval-diff" />}
    </>
  );
}

function ApprovalCard({ approval, labels, selected, refused, onSelect, onDecide }: {
  approval: Approval;
  labels: ReadonlyMap<string, string> | undefined;
  selected: boolean;
  /** Why the last decision on it was refused, if it was. */
  refused: string | undefined;
  onSelect(selected: boolean): void;
  onDecide(decision: Decision): void;
}) {
  const subject = approvalSubject(approval);
  const target = approvalTarget(approval);
  const deployment = approval.kind === 'deployment' ? approval.deployment : undefined;
  return (
    <li>
      <Card className={`apollo-approval-card${approval.canDecide ? '' : ' apollo-approval-other'}`} data-testid="approval-card" data-id={approval.id}
        data-kind={approval.kind} data-request={approval.requestId} data-deployment={deployment?.id} data-can-decide={approval.canDecide}>
        <Checkbox checked={selected} disabled={!approval.canDecide} onChange={(e) => onSelect(e.currentTarget.checked)}
          aria-label={`Select ${subject} for ${approval.requester}`} data-testid="approval-select" />
        <div className="apollo-approval-main">
          <div className="apollo-approval-head">
            {deployment && <Tag minimal intent="primary" icon="rocket-slant">deployment</Tag>}
            {target
              ? <Link to={target} data-testid={deployment ? 'approval-deployment-link' : 'approval-request-link'}>{subject}</Link>
              : <strong>{subject}</strong>}
            <span>for <strong data-testid="approval-requester">{approval.requester}</strong>{approval.team && <span className={Classes.TEXT_MUTED}> · team {approval.team}</span>}</span>
            {approval.priority && approval.priority !== 'normal' && <Tag minimal intent={approval.priority === 'high' ? 'warning' : 'none'}>{approval.priority} priority</Tag>}
            <span className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(approval.createdAt)}>asked {formatAgo(approval.createdAt)}</span>
            <ApprovalEscalation approval={approval} />
          </div>
          {refused && (
            <Callout intent="danger" icon="error" compact className="apollo-approval-refused" data-testid="approval-refused">Not decided: {refused}</Callout>
          )}
          {deployment ? <DeploymentSummary deployment={deployment} /> : <RequestSummary approval={approval} labels={labels} />}
          {approval.note && <p className="apollo-approval-note" data-testid="approval-note">{approval.note}</p>}
        </div>
        <div className="apollo-approval-side">
          <ApprovalRule approval={approval} />
          {approval.decisions.length > 0 && <ApprovalDecisions approval={approval} />}
          <ApprovalWhy approval={approval} />
          <span className={`${Classes.TEXT_MUTED} apollo-small`}><ApprovalDeadline approval={approval} /></span>
          {approval.canDecide && (
            <div className="apollo-approval-buttons">
              <Button intent="success" icon="tick" text="Approve" onClick={() => onDecide('approve')} data-testid="approve" />
              <Button intent="danger" variant="outlined" icon="cross" text="Reject" onClick={() => onDecide('reject')} data-testid="reject" />
            </div>
          )}
        </div>
      </Card>
    </li>
  );
}

export function ApprovalsPage() {
  const pending = usePendingApprovals(true);
  const items = useMemo(() => sortApprovals((pending.data?.pages.flatMap((p) => p.items) ?? []).filter((a) => a.status === 'pending')), [pending.data]);
  const labels = useFieldLabels(items.flatMap((a) => (a.offering ? [a.offering.id] : [])));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [deciding, setDeciding] = useState<{ decision: Decision; approvals: Approval[] } | null>(null);
  const [refused, setRefused] = useState<ReadonlyMap<string, string>>(new Map());
  /** The last decision on several: what was refused, said here too once its dialog is closed (a card decided meanwhile leaves the list). */
  const [lastBatch, setLastBatch] = useState<{ decided: number; refused: Array<{ approval: Approval; message: string }> } | null>(null);
  const decidable = items.filter((a) => a.canDecide);
  // What is selected and still waiting (a decided one leaves the list, and the selection with it).
  const chosen = decidable.filter((a) => selected.has(a.id));
  const allChosen = decidable.length > 0 && chosen.length === decidable.length;
  const select = (id: string, on: boolean) => setSelected((s) => { const next = new Set(s); if (on) next.add(id); else next.delete(id); return next; });
  const count = decidableCount(items);

  return (
    <div className="apollo-page apollo-approvals" data-testid="approvals-page">
      <PageHeader title="Approvals" description={count ? `${count} ${count === 1 ? 'approval waits' : 'approvals wait'} for your decision. Those you may decide come first.` : 'Requests and production deployments waiting for a decision. Those you may decide come first.'} />
      <DelegationPanel />
      {lastBatch && lastBatch.refused.length > 0 && (
        <Callout intent="warning" icon="warning-sign" className="apollo-approvals-last-batch" data-testid="approvals-last-batch" data-refused={lastBatch.refused.length}
          title={`${lastBatch.decided} decided, ${lastBatch.refused.length} not`}>
          <ul>
            {lastBatch.refused.map(({ approval, message }) => (
              <li key={approval.id} data-testid="approvals-last-batch-item" data-id={approval.id}>
                {approvalTarget(approval) ? <Link to={approvalTarget(approval)!}>{approvalSubject(approval)}</Link> : <strong>{approvalSubject(approval)}</strong>} for {approval.requester}: {message}
              </li>
            ))}
          </ul>
          <Button size="small" variant="minimal" text="Dismiss" onClick={() => setLastBatch(null)} data-testid="approvals-last-batch-dismiss" />
        </Callout>
      )}
      {pending.isError ? <ErrorState error={pending.error} onRetry={() => void pending.refetch()} /> : (
        <>
          {decidable.length > 0 && (
            <div className="apollo-approvals-toolbar" data-testid="approvals-toolbar">
              <Checkbox checked={allChosen} indeterminate={chosen.length > 0 && !allChosen} onChange={() => setSelected(allChosen ? new Set() : new Set(decidable.map((a) => a.id)))}
                label={chosen.length ? `${chosen.length} selected` : 'Select all you may decide'} data-testid="approvals-select-all" />
              <span className="apollo-approvals-toolbar-spacer" />
              {chosen.length > BATCH_MAX && <span className="apollo-small apollo-decision-error">At most {BATCH_MAX} at once</span>}
              <Button intent="success" icon="tick" text={`Approve selected (${chosen.length})`} disabled={chosen.length === 0 || chosen.length > BATCH_MAX}
                onClick={() => setDeciding({ decision: 'approve', approvals: chosen })} data-testid="approve-selected" />
              <Button intent="danger" variant="outlined" icon="cross" text={`Reject selected (${chosen.length})`} disabled={chosen.length === 0 || chosen.length > BATCH_MAX}
                onClick={() => setDeciding({ decision: 'reject', approvals: chosen })} data-testid="reject-selected" />
            </div>
          )}
          {pending.isPending && <div className={Classes.SKELETON} style={{ height: 160 }} />}
          {!pending.isPending && items.length === 0 && (
            <NonIdealState icon="endorsed" title="Nothing waits for you" description="Requests and production deployments that need an approval you may give show here as soon as they are asked for." className="apollo-empty" />
          )}
          {items.length > 0 && (
            <ul className="apollo-approval-list" data-testid="approval-list">
              {items.map((a) => (
                <ApprovalCard key={a.id} approval={a} labels={a.offering ? labels.get(a.offering.id) : undefined} selected={selected.has(a.id)} refused={refused.get(a.id)} onSelect={(on) => select(a.id, on)} onDecide={(decision) => setDeciding({ decision, approvals: [a] })} />
              ))}
            </ul>
          )}
          {pending.hasNextPage && (
            <div className="apollo-center">
              <Button text="Load more" icon="more" loading={pending.isFetchingNextPage} onClick={() => void pending.fetchNextPage()} />
            </div>
          )}
        </>
      )}
      <DecisionDialog decision={deciding?.decision ?? null} approvals={deciding?.approvals ?? []} onClose={() => setDeciding(null)}
        onDecided={(ids, outcomes) => {
          const asked = deciding?.approvals ?? [];
          if (asked.length > 1) {
            setLastBatch({ decided: ids.length, refused: asked.flatMap((a) => { const o = outcomes.get(a.id); return o && !o.ok ? [{ approval: a, message: o.message }] : []; }) });
          }
          setSelected((s) => new Set([...s].filter((id) => !ids.includes(id))));
          setRefused((before) => {
            const next = new Map(before);
            for (const [id, outcome] of outcomes) { if (outcome.ok) next.delete(id); else next.set(id, outcome.message); }
            return next;
          });
        }} />
    </div>
  );
}
