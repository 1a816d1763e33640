/**
 * A deployment's canary analysis (`canary` on the record): progress (check n of the iterations, failed x of the
 * threshold), the error rate and p99 of each check against the baseline and the limit, the decision with its reason
 * (promoted, rolled back — with a link to the automatic rollback —, paused for a human, skipped), the thresholds used
 * and where the numbers come from. A paused canary offers "Promote anyway" and "Roll back" with a reason, to those
 * who may cancel it (their own deployment, or production with deployments:create:prod).
 */
import {
  Button, Callout, Classes, Code, Dialog, DialogBody, DialogFooter, FormGroup, HTMLTable, Icon, ProgressBar, Section, SectionCard, Tag, TextArea, Tooltip,
} from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Deployment } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { CanaryMetricChart } from './canary-chart.tsx';
import {
  canaryProgress, CANARY_STATUS_INTENT, CANARY_STATUS_LABEL, checkDecisionReason, DECISION_INTENT, DECISION_LABEL, formatMetric, formatRate, limitFromBaseline,
  limitsOf, onFailureText, type Canary,
} from './canary-rules.ts';
import { DEPLOYMENTS_KEY, deploymentKey } from './deployment-queries.ts';
import { isEnded } from './deployment-rules.ts';
import './canary.css';

type Decision = 'promote' | 'rollback';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

const DECISION_TEXT: Record<Decision, { title: string; button: string; effect: string; intent: 'success' | 'danger' }> = {
  promote: {
    title: 'Promote despite the canary', button: 'Promote anyway', intent: 'success',
    effect: 'It finishes: the catalog shows the new version as running well, with your reason on the record.',
  },
  rollback: {
    title: 'Roll back', button: 'Roll back', intent: 'danger',
    effect: 'A fast rollback (no analysis of its own) puts the version before it back; you can follow it on its page.',
  },
};

function DecisionDialog({ deployment, decision, onClose }: { deployment: Deployment; decision: Decision | null; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const decide = useMutation({
    mutationFn: (body: { decision: Decision; reason: string }) => api.read('POST /api/v1/deployments/{id}/canary', { params: { id: deployment.id }, body }),
    onSuccess: (answer, body) => {
      client.setQueryData(deploymentKey(deployment.id), answer);
      void client.invalidateQueries({ queryKey: [...DEPLOYMENTS_KEY, 'history'] });
      toast({
        intent: body.decision === 'promote' ? 'success' : 'warning', icon: body.decision === 'promote' ? 'tick' : 'undo',
        message: body.decision === 'promote' ? `Promoting ${deployment.service} ${deployment.imageTag ?? ''} in ${deployment.environment} despite its canary` : `Rolling ${deployment.service} ${deployment.environment} back`,
      });
      close();
    },
  });
  function close() { setReason(''); setProblem(null); decide.reset(); onClose(); }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkDecisionReason(reason);
    if (found) { setProblem(found); return; }
    if (decision) decide.mutate({ decision, reason: reason.trim() });
  };
  const text = DECISION_TEXT[decision ?? 'promote'];
  return (
    <Dialog isOpen={decision !== null} onClose={close} title={`${text.title}: ${deployment.service} ${deployment.environment}`} icon={decision === 'rollback' ? 'undo' : 'tick'} className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid="canary-decision-form" data-decision={decision ?? ''}>
        <DialogBody>
          <p>{text.effect}</p>
          {decide.isError && <div className="apollo-form-error"><ErrorState compact error={decide.error} /></div>}
          <FormGroup label="Reason" labelFor="canary-decision-reason" labelInfo="(required)" intent={problem ? 'danger' : 'none'} helperText={problem ?? 'On the record and the audit log.'}>
            <TextArea id="canary-decision-reason" fill rows={3} maxLength={2000} value={reason} autoFocus data-testid="canary-decision-reason"
              onChange={(e) => { setReason(e.currentTarget.value); setProblem(null); }} />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<><Button text="Not now" onClick={close} /><Button type="submit" intent={text.intent} text={text.button} loading={decide.isPending} data-testid="canary-decision-confirm" /></>} />
      </form>
    </Dialog>
  );
}

function Progress({ canary, moving }: { canary: Canary; moving: boolean }) {
  const p = canaryProgress(canary);
  return (
    <div className="apollo-canary-progress" data-testid="canary-progress" data-checks={p.checks} data-iterations={p.iterations} data-failed={p.failed} data-threshold={p.threshold}>
      <span className="apollo-canary-progress-label">Checks</span>
      <ProgressBar value={p.share} intent="primary" animate={moving} stripes={moving} />
      <span className="apollo-canary-progress-count" data-testid="canary-progress-checks">check {p.checks} of {p.iterations}</span>
      <span className="apollo-canary-progress-label">Failed</span>
      <ProgressBar value={Math.min(1, p.failed / Math.max(1, p.threshold))} intent={p.failed > 0 ? 'danger' : 'success'} animate={false} stripes={false} />
      <span className="apollo-canary-progress-count" data-testid="canary-progress-failed">failed {p.failed} of {p.threshold}</span>
    </div>
  );
}

function Thresholds({ deployment, canary }: { deployment: Deployment; canary: Canary }) {
  const { config, baseline } = canary;
  const limits = limitsOf(config, baseline);
  const onFailure = deployment.operation === 'rollback' ? 'pause' : config.onFailure;
  return (
    <dl className="apollo-facts apollo-canary-facts" data-testid="canary-thresholds">
      <dt>Error rate</dt>
      <dd data-testid="canary-limit-error-rate">
        at most <strong>{formatRate(limits.maxErrorRate)}</strong>
        <span className={Classes.TEXT_MUTED}> {limitFromBaseline('errorRate', config, baseline)
          ? `(25 % above the baseline, which was past the threshold of ${formatRate(1 - config.minSuccessRate)})`
          : `(success rate ≥ ${formatRate(config.minSuccessRate)})`}</span>
      </dd>
      <dt>p99 latency</dt>
      <dd data-testid="canary-limit-p99">
        at most <strong>{formatMetric('p99Ms', limits.maxP99Ms)}</strong>
        {limitFromBaseline('p99Ms', config, baseline) && <span className={Classes.TEXT_MUTED}> (25 % above the baseline, which was past the threshold of {formatMetric('p99Ms', config.maxP99Ms)})</span>}
      </dd>
      <dt>Checks</dt>
      <dd>{config.iterations} every {config.intervalSeconds} s; {config.threshold} failed {onFailureText(onFailure)}{deployment.operation === 'rollback' && config.onFailure !== 'pause' && <span className={Classes.TEXT_MUTED}> (a rollback's own canary never rolls back again)</span>}</dd>
      <dt>Baseline</dt>
      <dd data-testid="canary-baseline">
        {baseline
          ? <>{baseline.version ? <Code>{baseline.version}</Code> : 'the version before'}: error rate {formatMetric('errorRate', baseline.errorRate)}, p99 {formatMetric('p99Ms', baseline.p99Ms)}, {baseline.requests} requests
            <span className={Classes.TEXT_MUTED}> ({clock.format(new Date(baseline.from))}–{clock.format(new Date(baseline.to))}, before it began)</span></>
          : <span className={Classes.TEXT_MUTED}>none (no traffic before it, or a first deploy): judged on the thresholds alone</span>}
      </dd>
      <dt>Numbers from</dt>
      <dd data-testid="canary-metrics">{canary.metrics ?? <span className={Classes.TEXT_MUTED}>unknown</span>}</dd>
      {canary.startedAt && <><dt>Started</dt><dd title={formatTime(canary.startedAt)}>{formatAgo(canary.startedAt)}</dd></>}
    </dl>
  );
}

function Checks({ canary }: { canary: Canary }) {
  if (canary.checks.length === 0) return null;
  return (
    // In a box of its own: a table straight in a section card takes the card's padding away (styles.css).
    <div className="apollo-canary-checks">
    <HTMLTable compact className="apollo-table" data-testid="canary-checks" style={{ width: '100%' }}>
      <thead><tr><th>#</th><th>At</th><th>Error rate</th><th>p99</th><th>Requests</th><th>Result</th></tr></thead>
      <tbody>
        {canary.checks.map((c, i) => (
          <tr key={c.at} data-testid="canary-check" data-passed={c.passed}>
            <td>{i + 1}</td>
            <td className="apollo-mono" title={formatTime(c.at)}>{clock.format(new Date(c.at))}</td>
            <td>{formatMetric('errorRate', c.errorRate)}</td>
            <td>{formatMetric('p99Ms', c.p99Ms)}</td>
            <td>{c.requests}</td>
            <td>{c.passed
              ? <Tag minimal intent="success" icon="tick">passed</Tag>
              : <><Tag minimal intent="danger" icon="cross">failed</Tag> <span className="apollo-small">{c.reasons.join('; ')}</span></>}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
    </div>
  );
}

function DecisionNote({ deployment, canary }: { deployment: Deployment; canary: Canary }) {
  const decision = canary.decision;
  if (!decision) return null;
  const rolledBack = decision.outcome === 'rolled_back';
  return (
    <Callout intent={DECISION_INTENT[decision.outcome]} icon={rolledBack ? 'undo' : decision.outcome === 'promoted' ? 'tick-circle' : decision.outcome === 'paused' ? 'pause' : 'disable'}
      className="apollo-canary-decision" data-testid="canary-decision" data-outcome={decision.outcome}
      title={`${DECISION_LABEL[decision.outcome]}${decision.by ? ` by ${decision.by}` : ' by Apollo'}`}>
      <span data-testid="canary-decision-reason-text">{decision.reason}</span>{' '}
      <span className={Classes.TEXT_MUTED} title={formatTime(decision.at)}>({formatAgo(decision.at)})</span>
      {rolledBack && (
        <p className="apollo-canary-rollback" style={{ margin: '6px 0 0' }}>
          {canary.rollbackDeploymentId
            ? <>The automatic rollback puts {deployment.previousImageTag ? <Code>{deployment.previousImageTag}</Code> : 'the version before'} back: <Link to={`/deployments/${encodeURIComponent(canary.rollbackDeploymentId)}`} className="apollo-mono" data-testid="canary-rollback-link">rollback {canary.rollbackDeploymentId.slice(-8)} <Icon icon="arrow-right" size={12} /></Link></>
            : <span className={Classes.TEXT_MUTED} data-testid="canary-rollback-pending">Asking for the automatic rollback to {deployment.previousImageTag ?? 'the version before'}…</span>}
        </p>
      )}
    </Callout>
  );
}

export function CanaryAnalysis({ deployment }: { deployment: Deployment }) {
  const canary = deployment.canary;
  const [deciding, setDeciding] = useState<Decision | null>(null);
  if (!canary) return null;
  const status = canary.status;
  const right = <Tag minimal round intent={CANARY_STATUS_INTENT[status]} data-testid="canary-status">{CANARY_STATUS_LABEL[status]}</Tag>;
  if (status === 'skipped') {
    return (
      <Section title="Canary analysis" icon="predictive-analysis" className="apollo-section" data-testid="canary-analysis" data-status={status} rightElement={right}>
        <SectionCard>
          <p className={Classes.TEXT_MUTED} data-testid="canary-skipped" style={{ margin: 0 }}>Skipped: {canary.skipped ?? canary.decision?.reason ?? 'no analysis for this deployment'}.</p>
        </SectionCard>
      </Section>
    );
  }
  const paused = deployment.status === 'paused' && status === 'paused';
  const moving = status === 'running' && !isEnded(deployment.status);
  const why = 'Deciding needs your own deployment, or deployments:create:prod for a production one of someone else (deployments:create:non-prod elsewhere).';
  const button = (decision: Decision) => {
    const b = (
      <Button intent={decision === 'promote' ? 'success' : 'danger'} variant={decision === 'promote' ? 'outlined' : 'solid'} icon={decision === 'promote' ? 'tick' : 'undo'}
        text={DECISION_TEXT[decision].button} disabled={!deployment.canCancel} onClick={() => setDeciding(decision)} data-testid={`canary-${decision}`} data-allowed={deployment.canCancel} />
    );
    return deployment.canCancel ? b : <Tooltip content={why}>{b}</Tooltip>;
  };
  return (
    <Section title="Canary analysis" icon="predictive-analysis" className="apollo-section" data-testid="canary-analysis" data-status={status} rightElement={right}>
      <SectionCard>
        <DecisionNote deployment={deployment} canary={canary} />
        {paused && (
          <Callout intent="warning" icon="hand" className="apollo-canary-decision" data-testid="canary-paused" title="Waiting for a human">
            Its service pauses failed canaries instead of rolling them back. Promote it anyway, or roll it back; nobody deciding rolls it back by itself after a while.
            <div className="apollo-canary-buttons">{button('promote')}{button('rollback')}</div>
          </Callout>
        )}
        <Progress canary={canary} moving={moving} />
        <div className="apollo-canary-charts">
          <CanaryMetricChart canary={canary} metric="errorRate" />
          <CanaryMetricChart canary={canary} metric="p99Ms" />
        </div>
        <Thresholds deployment={deployment} canary={canary} />
        <Checks canary={canary} />
      </SectionCard>
      <DecisionDialog deployment={deployment} decision={deciding} onClose={() => setDeciding(null)} />
    </Section>
  );
}
