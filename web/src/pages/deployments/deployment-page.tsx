/**
 * One deployment, live (`/deployments/<id>`): its steps (validate → pull request → approval → safeguards → commit or
 * merge → sync → rollout → catalog) with the current one and durations, why a safeguard refused it, the rollout's
 * replicas, the Git change (repository, path, diff, commit, pull request and its state), the approval and who decided,
 * and the timeline as it is written. Cancel (a reason, confirmed) while it can be; "Roll back" (confirmed) once it
 * succeeded and still runs, or failed as its environment's newest (back to what the catalog says ran well).
 * `deployment:<id>` moves the page in place and appends lines; a new status or stage reads the detail again.
 */
import {
  Button, Callout, Classes, Code, Dialog, DialogBody, DialogFooter, FormGroup, Icon, NonIdealState, ProgressBar, Section, SectionCard, Tag,
  TextArea, type IconName, type Intent,
} from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useFollowEnd } from '../../lib/timeline.ts';
import type { Approval, Deployment } from '../../../../schemas/types.gen.ts';
import { isProductionEnvironment } from '../../../../shared/routes.ts';
import { DiffView } from '../../components/diff-view.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { LiveBadge } from '../../components/live-badge.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime, withLocalTimes } from '../../lib/format.ts';
import { useMe, usePendingApprovals } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { ApprovalStatusTag, DecisionDialog } from '../approvals/approval-parts.tsx';
import { CanaryAnalysis } from './canary-analysis.tsx';
import type { Decision } from '../approvals/approval-text.ts';
import { formatDuration } from '../requests/request-status.ts';
import { DEPLOYMENTS_KEY, deploymentKey, useDeployment } from './deployment-queries.ts';
import { applyChange, mergeTimeline, type TimelineEntry } from './deployment-live.ts';
import { ChangeText, DeploymentStatusTag, OperationTag, SystemKind } from './deployment-parts.tsx';
import { approvalComment, approvalEndedWhy, approvalState, CANCEL_EFFECT_TEXT, cancelEffect, isEnded, OPERATION_LABEL } from './deployment-rules.ts';
import { deploymentSteps, rolloutShare, stageLabel } from './deployment-stages.ts';
import { DeploymentSafeguards } from './deployment-safeguards.tsx';
import { DeploymentStepper } from './deployment-stepper.tsx';
import { RollbackButton } from './rollback-button.tsx';
import { useLiveDeployment } from './use-live-deployments.ts';
import '../../components/catalog.css';
import '../requests/requests.css';
import './deployments.css';

/** Now, every second while `active` (a running step's duration counts up). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return active ? now : Date.now();
}

const PHASE_INTENT: Record<NonNullable<Deployment['rollout']>['phase'], Intent> = { pending: 'none', progressing: 'primary', healthy: 'success', degraded: 'warning', failed: 'danger' };

function Rollout({ deployment }: { deployment: Deployment }) {
  const rollout = deployment.rollout;
  if (!rollout) return null;
  const share = rolloutShare(rollout);
  const moving = rollout.phase === 'progressing' || (rollout.phase === 'pending' && !isEnded(deployment.status));
  return (
    <Section title="Rollout" icon="layers" className="apollo-section" data-testid="deployment-rollout" data-phase={rollout.phase}
      rightElement={<Tag minimal round intent={PHASE_INTENT[rollout.phase]} data-testid="rollout-phase">{rollout.phase === 'pending' && isEnded(deployment.status) ? 'not rolled out' : rollout.phase}</Tag>}>
      <SectionCard>
        <p className="apollo-deploy-line"><SystemKind kind={rollout.kind} testId="rollout-kind" /></p>
        <p className="apollo-deploy-line" data-testid="rollout-message">
          {rollout.phase === 'pending' && isEnded(deployment.status) ? 'Nothing was rolled out: it ended before the cluster was asked.' : rollout.message}
        </p>
        {share && (
          <div className="apollo-rollout-bars" data-testid="rollout-replicas" data-desired={rollout.desiredReplicas} data-updated={rollout.updatedReplicas ?? 0} data-ready={rollout.readyReplicas ?? 0}>
            <span className="apollo-rollout-label">Updated</span>
            <ProgressBar value={share.updated} intent="primary" animate={moving} stripes={moving} />
            <span className="apollo-rollout-count">{rollout.updatedReplicas ?? 0}/{rollout.desiredReplicas}</span>
            <span className="apollo-rollout-label">Ready</span>
            <ProgressBar value={share.ready} intent={(rollout.phase === 'failed' || rollout.phase === 'degraded') && share.ready < 1 ? 'danger' : 'success'} animate={moving} stripes={moving} />
            <span className="apollo-rollout-count">{rollout.readyReplicas ?? 0}/{rollout.desiredReplicas}</span>
          </div>
        )}
        {rollout.images && rollout.images.length > 0 && (
          <p className={`${Classes.TEXT_MUTED} apollo-small`}>Images: {rollout.images.map((i) => <Code key={i} className="apollo-break">{i}</Code>)}</p>
        )}
        {rollout.deadline && !isEnded(deployment.status) && (
          <p className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(rollout.deadline)}>Healthy by {formatTime(rollout.deadline)}, or it fails.</p>
        )}
      </SectionCard>
    </Section>
  );
}

const PR_INTENT = { open: 'primary', merged: 'success', closed: 'none' } as const;

function GitChange({ deployment }: { deployment: Deployment }) {
  const gitops = deployment.gitops;
  if (!gitops) return null;
  const pr = gitops.pullRequest;
  return (
    <Section title="Git change" icon="git-commit" className="apollo-section" data-testid="deployment-git">
      <SectionCard>
        <dl className="apollo-facts apollo-deploy-facts">
          <dt>Repository</dt><dd><SystemKind kind={gitops.kind} testId="gitops-kind" /><div className="apollo-mono apollo-break">{gitops.repository}</div></dd>
          <dt>Path</dt><dd>{gitops.path ? <Code className="apollo-break" data-testid="gitops-path">{gitops.path}</Code> : <span className={Classes.TEXT_MUTED}>not written yet</span>}</dd>
          <dt>Commit</dt>
          <dd>
            {gitops.commitUrl
              ? <a href={gitops.commitUrl} target="_blank" rel="noreferrer" data-testid="gitops-commit"><Code>{deployment.gitCommit?.slice(0, 7) ?? 'commit'}</Code> <Icon icon="share" size={12} /></a>
              : deployment.gitCommit ? <Code>{deployment.gitCommit.slice(0, 7)}</Code> : <span className={Classes.TEXT_MUTED}>{isEnded(deployment.status) ? 'none' : 'none yet'}</span>}
          </dd>
          {pr && (
            <>
              <dt>Pull request</dt>
              <dd>
                <a href={pr.url} target="_blank" rel="noreferrer" data-testid="gitops-pull-request">#{pr.number} <Icon icon="share" size={12} /></a>
                {pr.state && <Tag minimal round intent={PR_INTENT[pr.state]} className="apollo-inline-tag" data-testid="gitops-pull-request-state" data-state={pr.state}>{pr.state}</Tag>}
              </dd>
            </>
          )}
          {gitops.revertCommit && <><dt>Put back</dt><dd><Code data-testid="gitops-revert">{gitops.revertCommit.slice(0, 7)}</Code></dd></>}
        </dl>
        {gitops.diff
          ? <><h4 className="apollo-subheading">Diff</h4><DiffView diff={gitops.diff} testId="gitops-diff" /></>
          : <p className={`${Classes.TEXT_MUTED} apollo-small`}>{isEnded(deployment.status) ? 'Nothing was changed in Git.' : 'The diff shows once the change is written.'}</p>}
      </SectionCard>
    </Section>
  );
}

/** The approval: whether one is needed, its state, who decided, and Approve / Reject here when the inbox says you may. */
function ApprovalBox({ deployment, timeline }: { deployment: Deployment; timeline: readonly TimelineEntry[] }) {
  const approval = deployment.approval;
  const me = useMe();
  const inbox = usePendingApprovals(me.data?.permissions.includes('requests:create') ?? false);
  const [decision, setDecision] = useState<Decision | null>(null);
  if (!approval) return null;
  const pending: Approval | undefined = inbox.data?.pages.flatMap((p) => p.items).find((a) => a.deployment?.id === deployment.id && a.status === 'pending');
  const status = approvalState(deployment);
  const comment = status === 'approved' || status === 'rejected' ? approvalComment(timeline) : undefined;
  const endedWhy = approvalEndedWhy(deployment, formatTime);
  return (
    <Section title="Approval" icon="endorsed" className="apollo-section" data-testid="deployment-approval" data-status={status ?? (approval.required ? 'not-asked' : 'not-required')}
      rightElement={status ? <ApprovalStatusTag status={status} /> : undefined}>
      <SectionCard>
        {!approval.required
          ? (
            <p className={Classes.TEXT_MUTED} data-testid="approval-not-needed">
              Not needed: {isProductionEnvironment(deployment.environment)
                ? `Apollo does not ask for one for a ${OPERATION_LABEL[deployment.operation].toLowerCase()} in ${deployment.environment}.`
                : `${deployment.environment} is not a production environment.`}
            </p>
          )
          : (
            <>
              {endedWhy
                ? <p data-testid="approval-ended"><Icon icon="disable" size={14} /> Ended without a decision: {endedWhy}{/[.!?]$/.test(endedWhy) ? '' : '.'}</p>
                : <p>Production: an operator other than <strong>{deployment.initiatedBy}</strong>, or an admin, approves it in the <Link to="/approvals">Approvals inbox</Link>.</p>}
              {approval.decidedBy && approval.decidedBy.length > 0 && (
                <p data-testid="approval-decided-by"><Icon icon={status === 'rejected' ? 'cross-circle' : 'tick-circle'} intent={status === 'rejected' ? 'danger' : 'success'} size={14} /> {status === 'rejected' ? 'Rejected' : 'Approved'} by <strong>{approval.decidedBy.join(', ')}</strong></p>
              )}
              {comment && <blockquote className={`${Classes.BLOCKQUOTE} apollo-approval-comment`} data-testid="approval-comment">“{comment}”</blockquote>}
              {status === 'pending' && approval.expiresAt && <p className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(approval.expiresAt)}>Expires {formatAgo(approval.expiresAt)}.</p>}
              {!status && !isEnded(deployment.status) && <p className={`${Classes.TEXT_MUTED} apollo-small`}>Asked once the pull request is open.</p>}
              {pending?.canDecide && (
                <div className="apollo-approval-buttons">
                  <Button intent="success" icon="tick" text="Approve" onClick={() => setDecision('approve')} data-testid="approve" />
                  <Button intent="danger" variant="outlined" icon="cross" text="Reject" onClick={() => setDecision('reject')} data-testid="reject" />
                </div>
              )}
              {pending && !pending.canDecide && pending.why && <p className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="approval-why"><Icon icon="lock" size={12} /> {pending.why}</p>}
            </>
          )}
      </SectionCard>
      {pending && <DecisionDialog decision={decision} approvals={[pending]} onClose={() => setDecision(null)} />}
    </Section>
  );
}

const SEVERITY: Record<TimelineEntry['severity'], { icon: IconName; intent: Intent }> = {
  info: { icon: 'info-sign', intent: 'none' },
  warn: { icon: 'warning-sign', intent: 'warning' },
  error: { icon: 'error', intent: 'danger' },
};

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function Timeline({ deployment, entries, live }: { deployment: Deployment; entries: readonly TimelineEntry[]; live: boolean }) {
  const { ref: list, onScroll } = useFollowEnd<HTMLOListElement>(entries.length);
  return (
    <Section title="Timeline" icon="history" className="apollo-section" data-testid="deployment-timeline"
      rightElement={<LiveBadge live={live} tip={live ? 'New lines appear as they are written' : 'Not receiving live updates right now; the page reads them again when the connection is back'} />}>
      <SectionCard>
        {entries.length === 0 ? <p className={Classes.TEXT_MUTED}>Nothing logged yet.</p> : (
          <ol className="apollo-timeline" ref={list} onScroll={onScroll}>
            {entries.map((e, i) => (
              <li key={`${e.at}-${i}`} className={`apollo-timeline-entry apollo-timeline-${e.severity}`} data-testid="timeline-entry" data-stage={e.stage} data-status={e.status ?? ''}>
                <span className={`${Classes.TEXT_MUTED} apollo-mono apollo-timeline-time`} title={formatTime(e.at)}>{clock.format(new Date(e.at))}</span>
                <Icon icon={SEVERITY[e.severity].icon} intent={SEVERITY[e.severity].intent} size={14} />
                <span className="apollo-timeline-text">
                  <Tag minimal className="apollo-timeline-stage">{stageLabel(e.stage, deployment)}</Tag>
                  {e.status && <DeploymentStatusTag status={e.status} />}
                  <span>{withLocalTimes(e.message)}</span>
                </span>
              </li>
            ))}
          </ol>
        )}
      </SectionCard>
    </Section>
  );
}

const CANCEL_MIN = 3;

const CANCEL_DIALOG_TEXT = {
  'close-pull-request': 'It stops before anything changes in Git: its pull request is closed, unmerged.',
  revert: 'It stops, and what it changed in Git is put back; the GitOps controller then rolls the environment back to what it ran.',
  stop: 'It stops; nothing is changed in Git.',
} as const;

function CancelDialog({ deployment, isOpen, onClose }: { deployment: Deployment; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const cancel = useMutation({
    mutationFn: (text: string) => api.read('POST /api/v1/deployments/{id}/cancel', { params: { id: deployment.id }, body: { reason: text } }),
    onSuccess: (answer) => {
      client.setQueryData(deploymentKey(deployment.id), answer);
      void client.invalidateQueries({ queryKey: [...DEPLOYMENTS_KEY, 'history'] });
      toast({ intent: 'warning', icon: 'disable', message: `Cancelling ${deployment.service} ${deployment.environment}: ${CANCEL_EFFECT_TEXT[effect]}` });
      close();
    },
  });
  function close() { setReason(''); setProblem(null); cancel.reset(); onClose(); }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = reason.trim();
    if (text.length < CANCEL_MIN) { setProblem('Say why (at least 3 characters): it goes on the record and the commit message.'); return; }
    cancel.mutate(text);
  };
  const effect = cancelEffect(deployment);
  return (
    <Dialog isOpen={isOpen} onClose={close} title={`Cancel ${OPERATION_LABEL[deployment.operation].toLowerCase()} of ${deployment.service} to ${deployment.environment}`} icon="disable" className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid="cancel-form">
        <DialogBody>
          <p data-testid="cancel-effect" data-effect={effect}>{CANCEL_DIALOG_TEXT[effect]}{deployment.status === 'awaiting_approval' ? ' Its approval is cancelled.' : ''}</p>
          {cancel.isError && <div className="apollo-form-error"><ErrorState compact error={cancel.error} /></div>}
          <FormGroup label="Reason" labelFor="cancel-reason" labelInfo="(required)" intent={problem ? 'danger' : 'none'} helperText={problem ?? 'On the record, the commit message and the audit log.'}>
            <TextArea id="cancel-reason" fill rows={3} maxLength={2000} value={reason} onChange={(e) => { setReason(e.currentTarget.value); setProblem(null); }} autoFocus data-testid="cancel-reason" />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<><Button text="Keep it going" onClick={close} /><Button type="submit" intent="danger" icon="disable" text="Cancel the deployment" loading={cancel.isPending} data-testid="cancel-confirm" /></>} />
      </form>
    </Dialog>
  );
}

function Facts({ deployment, now }: { deployment: Deployment; now: number }) {
  const ended = isEnded(deployment.status);
  const took = deployment.durationMs ?? (ended && deployment.completedAt ? Date.parse(deployment.completedAt) - Date.parse(deployment.createdAt) : now - Date.parse(deployment.createdAt));
  return (
    <dl className="apollo-request-summary-facts">
      <div><dt>Change</dt><dd><ChangeText deployment={deployment} /></dd></div>
      <div><dt>Asked by</dt><dd data-testid="deployment-initiated-by">{deployment.initiatedBy} <span className={Classes.TEXT_MUTED}>via {deployment.initiatedVia}</span></dd></div>
      <div><dt>Started</dt><dd title={formatTime(deployment.createdAt)}>{formatAgo(deployment.createdAt)}</dd></div>
      <div><dt>{ended ? 'Took' : 'Running for'}</dt><dd data-testid="deployment-duration">{formatDuration(took)}</dd></div>
      {deployment.gitCommit && <div><dt>Commit</dt><dd><Code>{deployment.gitCommit.slice(0, 7)}</Code></dd></div>}
      {deployment.rollbackOf && <div><dt>Rolls back</dt><dd><Link to={`/deployments/${encodeURIComponent(deployment.rollbackOf)}`} className="apollo-mono">{deployment.rollbackOf.slice(-8)}</Link></dd></div>}
    </dl>
  );
}

export function DeploymentPage({ id }: { id: string }) {
  const query = useDeployment(id);
  const { change, entries, live } = useLiveDeployment(id);
  const [cancelling, setCancelling] = useState(false);
  // A frame newer than the detail (the read was on its way) wins.
  const deployment = query.data ? (change ? applyChange(query.data, change) : query.data) : undefined;
  const running = deployment !== undefined && !isEnded(deployment.status);
  const now = useNow(running);
  const timeline = useMemo(() => (deployment ? mergeTimeline(deployment.timeline, entries) : []), [deployment, entries]);
  const steps = useMemo(() => (deployment ? deploymentSteps({ ...deployment, timeline }, now) : []), [deployment, timeline, now]);
  useEffect(() => {
    if (deployment) document.title = `${OPERATION_LABEL[deployment.operation]} ${deployment.service} ${deployment.environment} · Deploy Center · Apollo`;
  }, [deployment?.operation, deployment?.service, deployment?.environment]);

  if (query.isPending) {
    return <div className="apollo-page"><div className={Classes.SKELETON} style={{ height: 32, width: 320, marginBottom: 24 }} /><div className={Classes.SKELETON} style={{ height: 240 }} /></div>;
  }
  if (query.isError || !deployment) {
    const notFound = (query.error as { status?: number } | null)?.status === 404;
    return (
      <div className="apollo-page" data-testid="deployment-error">
        {notFound
          ? <NonIdealState icon="search" title="No such deployment" description={<>No deployment has the id <Code>{id}</Code>.</>} action={<Link to="/deployments">Back to the Deploy Center</Link>} />
          : <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      </div>
    );
  }
  const d = deployment;
  const cancel = d.cancel;
  return (
    <div className="apollo-page apollo-request apollo-deployment" data-testid="deployment-page" data-id={d.id} data-status={d.status} data-stage={d.stage}>
      <div className="apollo-breadcrumb">
        <Link to="/deployments">Deploy Center</Link> <Icon icon="chevron-right" size={12} /> <span className="apollo-mono">{d.id}</span>
      </div>
      <PageHeader
        title={<><OperationTag operation={d.operation} /> <span data-testid="deployment-title">{d.service} <span className={Classes.TEXT_MUTED}>→</span> {d.environment}</span> <DeploymentStatusTag status={d.status} large /></>}
        description={d.reason ? <span data-testid="deployment-reason">“{d.reason}”</span> : undefined}
        actions={(
          <>
            <Link to={`/catalog/${encodeURIComponent(d.service)}`} className="bp6-button" data-testid="deployment-service"><Icon icon="applications" /><span className="bp6-button-text">{d.service}</span></Link>
            {d.canCancel && <Button icon="disable" intent="danger" variant="outlined" text="Cancel" onClick={() => setCancelling(true)} data-testid="cancel" />}
            {d.canRollback && <RollbackButton deployment={d} />}
          </>
        )}
      />
      <div className="apollo-request-summary" data-testid="deployment-summary">
        <DeploymentStepper steps={steps} />
        <Facts deployment={d} now={now} />
      </div>
      {cancel && (
        <Callout intent={d.status === 'cancelled' ? 'none' : 'warning'} icon="disable" className="apollo-request-callout" data-testid="deployment-cancel-note"
          title={d.status === 'cancelled' ? `Cancelled by ${cancel.by}` : `Cancel asked by ${cancel.by}`}>
          <span title={formatTime(cancel.at)}>{formatAgo(cancel.at)}</span>{cancel.reason ? <>: {cancel.reason}</> : '.'}
          {d.status === 'cancelling' && cancelEffect(d) === 'revert' && <span className={Classes.TEXT_MUTED}> What it changed in Git is being put back.</span>}
          {d.status === 'cancelling' && cancelEffect(d) === 'close-pull-request' && <span className={Classes.TEXT_MUTED}> Its pull request is being closed.</span>}
        </Callout>
      )}
      {d.status === 'refused' && (
        <Callout intent="warning" icon="shield" title="Refused by a safeguard" className="apollo-request-callout" data-testid="deployment-refused">
          <span data-testid="deployment-refused-reason">Refused by a safeguard: {d.error ?? 'a safeguard refused it'}</span>
          <span className={Classes.TEXT_MUTED}> Nothing was changed in Git{d.gitops?.pullRequest ? '; its pull request was closed' : ''}. Ask again once the safeguard lets it through (the Deploy Center checks them before you press Deploy).</span>
        </Callout>
      )}
      {d.error && d.status !== 'refused' && (
        <Callout intent={d.status === 'failed' ? 'danger' : 'warning'} icon="error" title={d.status === 'failed' ? `It failed at ${stageLabel(d.stage, d).toLowerCase()}` : d.status === 'rolled_back' ? 'Its canary failed: Apollo rolled it back' : 'It did not go ahead'} className="apollo-request-callout" data-testid="deployment-failure">
          {d.error}
          {d.status === 'failed' && d.canRollback && <span className={Classes.TEXT_MUTED}> Roll back puts back the version the catalog says ran well.</span>}
        </Callout>
      )}
      {d.status === 'succeeded' && (
        <Callout intent="success" icon="tick-circle" className="apollo-request-callout" data-testid="deployment-succeeded">
          {d.service} {d.environment} {d.operation === 'scale' ? `runs ${d.replicas} replicas` : d.operation === 'restart' ? 'was restarted' : <>runs <Code>{d.imageTag}</Code></>}: the catalog says so.
          {d.canRollback && <span className={Classes.TEXT_MUTED}> Roll back puts the version before it back.</span>}
        </Callout>
      )}
      <CanaryAnalysis deployment={d} />
      <DeploymentSafeguards deployment={d} />
      <div className="apollo-grid">
        <div>
          <Rollout deployment={d} />
          <Timeline deployment={d} entries={timeline} live={live} />
        </div>
        <div>
          <ApprovalBox deployment={d} timeline={timeline} />
          <GitChange deployment={d} />
        </div>
      </div>
      <CancelDialog deployment={d} isOpen={cancelling} onClose={() => setCancelling(false)} />
    </div>
  );
}
