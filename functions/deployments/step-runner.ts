/**
 * The deployment state machine's steps (state-machines/deployment.asl.json). Each step reads the
 * deployment record, does one short piece of work with the outside (GitOps, rollout), writes what it did
 * to the record and the timeline before it returns, and answers what the next Choice needs. A step that
 * runs twice (a Lambda retried, a crash between "called" and "recorded") finds its earlier work: the
 * GitOps port is idempotent by the deployment id.
 */
import { notify } from '#lib/notifications';
import type { DeploymentRecord } from './records.ts';
import { appendTimeline, CancelledMeanwhile, isEnded, listDeployments, releaseEnvironment, requireDeployment, transition, updateDeployment } from './records.ts';
import { deploymentsDeps, deploymentSettings, loadDeploymentsDeps } from './deps.ts';
import { closeDeploymentApproval, openDeploymentApproval } from './approval.ts';
import { readApproval } from '#functions/requests/public';
import { evaluateSafeguards, refusalOf } from './safeguards.ts';
import { canarySettings, describeCheck, failureSummary, judge, type Canary } from './canary.ts';
import { dependencyVersions } from './dependency-check.ts';
import { autoRollback } from './operations.ts';
import { ConflictError } from '#shared/errors';
import type { DeployTarget, GitOpsChangeRequest, RolloutExpectation } from './ports.ts';
import { recordDeployment } from '#functions/services/public';

export interface DeploymentStepEvent {
  readonly step: string;
  readonly deploymentId: string;
  readonly taskToken?: string;
  readonly error?: { readonly Error?: string; readonly Cause?: string } | null;
  readonly check?: { readonly next?: string; readonly reason?: string } | null;
  readonly safeguards?: { readonly blocked?: boolean; readonly reason?: string } | null;
}

/** What the analysis steps answer the ASL's Choices: next, and the seconds to wait before the next check. */
export interface AnalysisAnswer {
  readonly next: 'skip' | 'cancel' | 'wait' | 'continue' | 'pass' | 'rollback' | 'pause';
  readonly intervalSeconds: number;
}

/** An outside call failed in a way worth repeating: the ASL retries the step with backoff. */
export class RetryableStepError extends Error {
  override readonly name = 'Apollo.Retryable';
}

export interface Plan {
  /** observe: a change made in Git outside Apollo (initiatedVia gitops): no Git step, the rollout followed. */
  readonly mode: 'commit' | 'pull-request' | 'restart' | 'observe';
  readonly approval: boolean;
  readonly approvalTimeoutSeconds: number;
  readonly pollSeconds: number;
  readonly cancelled: boolean;
}

const targetOf = (record: DeploymentRecord): DeployTarget => ({ service: record.service, environment: record.environment, cluster: record.cluster, namespace: record.namespace });

/** Where each operation's Git change is (restart has none: Argo CD's action, or the annotation). */
function changeOf(record: DeploymentRecord): GitOpsChangeRequest['set'] {
  if (record.operation === 'scale') return { replicas: record.replicas ?? undefined };
  if (record.operation === 'restart') return {};
  return { imageTag: record.imageTag ?? undefined };
}

function changeRequest(record: DeploymentRecord): GitOpsChangeRequest {
  const what = record.operation === 'scale'
    ? `scale ${record.service} in ${record.environment} to ${record.replicas} replicas (from ${record.previousReplicas ?? '?'})`
    : `${record.operation} ${record.service} ${record.imageTag} to ${record.environment}${record.previousImageTag ? ` (from ${record.previousImageTag})` : ''}${record.fromEnvironment ? `, as ${record.fromEnvironment} runs it` : ''}`;
  return {
    target: targetOf(record),
    set: changeOf(record),
    deploymentId: record.id,
    title: what,
    body: [
      `Asked by ${record.initiatedBy} through Apollo (${record.initiatedVia}).`,
      ...(record.reason ? [`Reason: ${record.reason}`] : []),
      `Apollo deployment ${record.id}${deploymentSettings().webUrl ? `: ${deploymentSettings().webUrl}/deployments/${record.id}` : ''}`,
    ].join('\n'),
    author: { name: record.initiatedBy, email: record.initiatedBy.includes('@') ? record.initiatedBy : `${record.initiatedBy}@users.noreply.apollo` },
  };
}

/** An adapter's error as the ASL should see it: retryable ones by name, the rest as they are. */
async function outside<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as Error & { retryable?: boolean; status?: number };
    const retryable = e.retryable ?? (e.status === undefined || e.status === 429 || e.status >= 500);
    const message = `${what}: ${e.message}`;
    if (retryable) throw new RetryableStepError(message, { cause: error });
    const failure = new Error(message, { cause: error });
    failure.name = 'Apollo.OutsideRefused';
    throw failure;
  }
}

type StepImpl = (record: DeploymentRecord, event: DeploymentStepEvent) => Promise<unknown>;

/** A change someone made in Git: what it says now decides what the deployment is (a new tag, or replicas). */
async function observe(record: DeploymentRecord, settings: ReturnType<typeof deploymentSettings>): Promise<Plan> {
  const plan: Plan = { mode: 'observe', approval: false, approvalTimeoutSeconds: settings.approvalTimeoutSeconds, pollSeconds: settings.pollSeconds, cancelled: record.status === 'cancelling' };
  if (plan.cancelled || record.status !== 'pending') return plan;
  const { gitops, rollout } = deploymentsDeps();
  const desired = await outside(`reading ${record.service} ${record.environment} on ${gitops.repository}`, () => gitops.read(targetOf(record)));
  const tagChanged = desired.imageTag !== undefined && desired.imageTag !== record.previousImageTag;
  const replicasChanged = desired.replicas !== undefined && desired.replicas !== record.previousReplicas;
  const operation = !tagChanged && replicasChanged ? 'scale' : 'deploy';
  await transition(record.id, {
    status: 'in_progress', stage: 'sync', startedAt: new Date().toISOString(), operation,
    imageTag: desired.imageTag ?? record.previousImageTag ?? null, replicas: desired.replicas ?? record.replicas ?? null,
    gitops: { kind: gitops.kind, repository: gitops.repository, path: desired.path, ...(record.gitCommit ? { commitUrl: gitops.commitUrl(record.gitCommit) } : {}) },
    rollout: { kind: rollout.kind, phase: 'pending', message: 'not started' },
  }, {
    message: tagChanged ? `Git says ${desired.imageTag} (was ${record.previousImageTag ?? 'unknown'})` : replicasChanged ? `Git says ${desired.replicas} replicas (was ${record.previousReplicas ?? 'unknown'})` : `Git says ${desired.imageTag ?? 'the same tag'}: following the rollout of ${record.gitCommit?.slice(0, 7)}`,
    stage: 'validate',
  });
  return plan;
}

/** Past the approval: the record says who approved it and the deployment is in progress again. */
async function afterApproval(record: DeploymentRecord): Promise<DeploymentRecord> {
  if (record.status !== 'awaiting_approval' || !record.approval?.id) return record;
  const approval = await readApproval(record.approval.id, true);
  const decidedBy = (approval?.decisions ?? []).filter((d) => d.decision === 'approved').map((d) => d.principal);
  return transition(record.id, { status: 'in_progress', approval: { ...record.approval, status: 'approved', decidedBy } }, { message: `approved by ${decidedBy.join(', ') || 'an approver'}`, stage: 'approval' });
}

const STEPS: Record<string, StepImpl> = {
  async prepare(record): Promise<Plan> {
    const settings = deploymentSettings();
    if (record.initiatedVia === 'gitops') return observe(record, settings);
    const mode: Plan['mode'] = record.operation === 'restart' ? 'restart' : record.production && settings.prodMode === 'pull-request' ? 'pull-request' : 'commit';
    const approval = record.approval?.required === true;
    const plan = { mode, approval, approvalTimeoutSeconds: settings.approvalTimeoutSeconds, pollSeconds: settings.pollSeconds, cancelled: record.status === 'cancelling' };
    if (plan.cancelled) return plan;
    if (record.status === 'pending') {
      const { gitops, rollout } = deploymentsDeps();
      await transition(record.id, { status: 'in_progress', stage: mode === 'pull-request' ? 'pull_request' : approval ? 'approval' : mode === 'restart' ? 'restart' : 'commit', startedAt: new Date().toISOString() }, {
        message: `started: ${mode === 'restart' ? `a rolling restart through ${rollout.kind}` : `${mode === 'pull-request' ? 'a pull request' : 'a commit'} on ${gitops.kind}`}${approval ? `, after an approval (${Math.round(plan.approvalTimeoutSeconds / 3600)} h to decide)` : ''}`,
        stage: 'validate',
      });
    }
    return plan;
  },

  async 'pull-request'(record) {
    const { gitops } = deploymentsDeps();
    const pr = await outside(`opening the pull request on ${gitops.repository}`, () => gitops.openPullRequest(changeRequest(record)));
    if (!pr.changed && !pr.number) {
      // Production already says so: nothing to approve or merge; the rollout is checked at the head.
      await transition(record.id, {
        stage: 'sync', gitCommit: pr.headSha, approval: { required: false },
        gitops: { ...record.gitops!, path: pr.path, commitUrl: gitops.commitUrl(pr.headSha) },
      }, { message: `${pr.path} already says so at ${pr.headSha.slice(0, 7)}: no pull request, no approval needed`, stage: 'pull_request' });
      return { noop: true };
    }
    await transition(record.id, {
      stage: record.approval?.required ? 'approval' : 'merge',
      gitops: { ...record.gitops!, path: pr.path, diff: pr.diff, pullRequest: { number: pr.number, url: pr.url, state: 'open' } },
    }, { message: `${pr.created ? 'opened' : 'found'} pull request #${pr.number} changing ${pr.path}${pr.changed ? '' : ' (the file already says so)'}`, stage: 'pull_request' });
    return { noop: false };
  },

  async safeguards(current) {
    // Past an approval it is approved (a rejection or a cancel resumes elsewhere): the record says so first.
    const record = await afterApproval(current);
    if (record.status === 'cancelling') return { blocked: false, next: 'cancel', waitSeconds: 0 };
    const verdict = await evaluateSafeguards({
      operation: record.operation, service: record.service, environment: record.environment, imageTag: record.imageTag, fromEnvironment: record.fromEnvironment, production: record.production,
      principal: record.initiatedBy, role: record.initiatedByRole, override: record.safeguards?.override ?? null,
      acknowledge: record.safeguards?.acknowledged ?? null, outsideWindow: record.safeguards?.outsideWindow ?? null,
      exceptionApproved: record.approval?.status === 'approved',
    });
    const safeguards = { ...record.safeguards, checks: verdict.checks, queuedUntil: verdict.queueUntil ?? null };
    if (verdict.blocked) return { blocked: true, next: 'refuse', reason: refusalOf(verdict), waitSeconds: 0 };
    if (verdict.queueUntil) {
      const until = Date.parse(verdict.queueUntil);
      // At most a minute apart (a cancel, a lock or a freeze is seen), and never past the opening.
      const waitSeconds = Math.max(1, Math.min(Math.ceil((until - Date.now()) / 1000), Math.max(deploymentSettings().pollSeconds * 6, 1), 60));
      if (record.status !== 'queued' || record.safeguards?.queuedUntil !== verdict.queueUntil) {
        const window = verdict.checks.find((c) => c.safeguard === 'window');
        try {
          await transition(record.id, { status: 'queued', stage: 'window', safeguards }, { message: `queued: ${window?.reason ?? 'outside its deployment window'}; it runs at ${verdict.queueUntil}`, stage: 'window', severity: 'warn' }, new Date(), { unlessCancelling: true });
        } catch (error) {
          if (error instanceof CancelledMeanwhile) return { blocked: false, next: 'cancel', waitSeconds: 0 };
          throw error;
        }
      }
      return { blocked: false, next: 'wait', waitSeconds };
    }
    const passed = verdict.checks.filter((c) => c.overridden).map((c) => `${c.safeguard} (${c.overridden})`);
    const warned = verdict.checks.filter((c) => c.outcome === 'warn' && !c.overridden).map((c) => c.reason);
    await transition(record.id, { ...(record.status === 'queued' ? { status: 'in_progress' } : {}), safeguards }, {
      message: `${record.status === 'queued' ? 'the window opened; ' : ''}safeguards passed${passed.length ? `, overridden: ${passed.join('; ')}` : ''}${warned.length ? `; warnings: ${warned.join('; ')}` : ''}`,
      stage: 'safeguards', severity: warned.length || passed.length ? 'warn' : 'info',
    });
    return { blocked: false, next: 'pass', waitSeconds: 0 };
  },

  async refused(record, event) {
    const reason = event.safeguards?.reason ?? 'a safeguard refused it';
    await closePullRequestQuietly(record, `Refused by Apollo: ${reason}`);
    await closeDeploymentApproval(record, 'cancelled', `the deployment was refused: ${reason}`);
    const now = new Date();
    await transition(record.id, { status: 'refused', stage: 'safeguards', completedAt: now.toISOString(), durationMs: now.getTime() - Date.parse(record.createdAt), error: reason }, { message: `refused: ${reason}`, stage: 'safeguards', severity: 'warn' }, now);
    await releaseEnvironment(record.service, record.environment, record.id);
    await tell(record, 'deployment.failed', `Refused: ${record.operation} ${record.service} ${record.environment}`, reason, now);
    return {};
  },

  async 'approval-open'(record, event) {
    if (!event.taskToken) throw new Error('approval-open needs the task token');
    // Cancelled before its approval opened (the cancel had no approval to resume): the Catch puts it back.
    if (record.status === 'cancelling') throw cancelled(record);
    await openDeploymentApproval(record, event.taskToken);
    return {};
  },

  async commit(current) {
    const record = await afterApproval(current);
    const { gitops } = deploymentsDeps();
    const done = await outside(`committing to ${gitops.repository}`, () => gitops.commit(changeRequest(record)));
    await transition(record.id, {
      stage: 'sync', gitCommit: done.commitSha,
      gitops: { ...record.gitops!, path: done.path, diff: done.diff, commitUrl: gitops.commitUrl(done.commitSha) },
    }, { message: done.changed ? `${done.created ? 'committed' : 'found commit'} ${done.commitSha.slice(0, 7)} to ${done.path}` : `${done.path} already says so: nothing to commit (at ${done.commitSha.slice(0, 7)})`, stage: 'commit' });
    return {};
  },

  async merge(current) {
    const record = await afterApproval(current);
    const { gitops } = deploymentsDeps();
    const pr = record.gitops?.pullRequest;
    if (!pr) throw new Error('no pull request to merge');
    const { commitSha } = await outside(`merging pull request #${pr.number}`, () => gitops.mergePullRequest(pr.number, record.id));
    await transition(record.id, {
      stage: 'sync', gitCommit: commitSha,
      gitops: { ...record.gitops!, pullRequest: { ...pr, state: 'merged' }, commitUrl: gitops.commitUrl(commitSha) },
    }, { message: `merged pull request #${pr.number} as ${commitSha.slice(0, 7)}`, stage: 'merge' });
    return {};
  },

  async restart(current) {
    const record = await afterApproval(current);
    const { rollout } = deploymentsDeps();
    const { restartedAt } = await outside(`restarting through ${rollout.kind}`, () => rollout.restart(targetOf(record), record.id));
    const now = new Date();
    await transition(record.id, {
      stage: 'rollout', restartedAt,
      rollout: { kind: rollout.kind, phase: 'progressing', message: 'restart requested', startedAt: now.toISOString(), deadline: new Date(now.getTime() + deploymentSettings().rolloutTimeoutSeconds * 1000).toISOString() },
    }, { message: `rolling restart requested at ${restartedAt}`, stage: 'restart' });
    return {};
  },

  async sync(record) {
    const { rollout } = deploymentsDeps();
    await outside(`asking ${rollout.kind} to sync`, () => rollout.sync(targetOf(record), record.gitCommit ?? ''));
    const now = new Date();
    await transition(record.id, {
      stage: 'rollout',
      rollout: { kind: rollout.kind, phase: 'pending', message: `sync to ${record.gitCommit?.slice(0, 7) ?? 'the head'} requested`, startedAt: now.toISOString(), deadline: new Date(now.getTime() + deploymentSettings().rolloutTimeoutSeconds * 1000).toISOString() },
    }, { message: `asked ${rollout.kind} to sync ${record.gitCommit?.slice(0, 7) ?? ''}`, stage: 'sync' });
    return {};
  },

  async check(record) {
    if (record.status === 'cancelling') return { next: 'cancel' };
    const { rollout } = deploymentsDeps();
    const expect: RolloutExpectation = {
      revision: record.gitCommit ?? '',
      ...(record.operation === 'scale' ? { replicas: record.replicas ?? undefined } : {}),
      ...(record.operation !== 'scale' && record.operation !== 'restart' && record.imageTag ? { imageTag: record.imageTag } : {}),
      ...(record.operation === 'restart' && record.restartedAt ? { restartedAt: record.restartedAt } : {}),
    };
    const previous = record.rollout;
    let status: Awaited<ReturnType<typeof rollout.status>>;
    try {
      status = await outside(`reading the rollout from ${rollout.kind}`, () => rollout.status(targetOf(record), expect));
    } catch (error) {
      // Argo CD (or the cluster's API) out for a while is not the rollout failing: it goes on in the cluster, and
      // the next check asks again, until the rollout's deadline. A refusal (a garbage answer, 403) still ends it.
      if (!(error instanceof RetryableStepError) || !previous?.deadline) throw error;
      const message = `could not read the rollout: ${(error as Error).message}`;
      if (Date.now() > Date.parse(previous.deadline)) return { next: 'failed', reason: `the rollout could not be read by ${previous.deadline} (${(error as Error).message})` };
      if (previous.message !== message) await transition(record.id, { rollout: { ...previous, message } }, { message: `${message}; asking again until ${previous.deadline}`, stage: 'rollout', severity: 'warn' });
      return { next: 'progressing' };
    }
    const next = status.phase === 'healthy' ? 'healthy' : status.phase === 'failed' || status.phase === 'degraded' ? 'failed' : previous?.deadline && Date.now() > Date.parse(previous.deadline) ? 'failed' : 'progressing';
    const reason = next === 'failed' ? (status.phase === 'failed' || status.phase === 'degraded' ? `the rollout is ${status.phase}: ${status.message}` : `the rollout did not become healthy by ${previous?.deadline} (${status.message})`) : undefined;
    const rolloutState = {
      kind: rollout.kind, phase: status.phase, message: status.message,
      ...(status.desiredReplicas !== undefined ? { desiredReplicas: status.desiredReplicas } : {}),
      ...(status.updatedReplicas !== undefined ? { updatedReplicas: status.updatedReplicas } : {}),
      ...(status.readyReplicas !== undefined ? { readyReplicas: status.readyReplicas } : {}),
      ...(status.images ? { images: [...status.images] } : {}),
      ...(previous?.startedAt ? { startedAt: previous.startedAt } : {}),
      ...(previous?.deadline ? { deadline: previous.deadline } : {}),
    };
    // A line on the timeline when what it says changes; the record (and its live topic) on every check.
    const changed = previous?.message !== status.message || previous?.phase !== status.phase;
    if (changed) await transition(record.id, { rollout: rolloutState }, { message: `${rollout.kind}: ${status.message}`, stage: 'rollout', severity: next === 'failed' ? 'error' : 'info' });
    return { next, ...(reason ? { reason } : {}) };
  },

  async finalize(record) {
    const now = new Date();
    const isScale = record.operation === 'scale';
    const isRestart = record.operation === 'restart';
    await recordDeployment(record.service, record.environment, {
      ...(isScale || isRestart ? {} : { imageTag: record.imageTag ?? undefined }),
      ...(isScale ? { replicas: record.replicas ?? undefined } : {}),
      lastDeployedAt: now.toISOString(),
      lastDeployedBy: record.initiatedBy,
      ...(record.gitCommit ? { gitCommit: record.gitCommit } : {}),
    }, record.initiatedBy);
    // What it was verified with here: the next environment's dependency check compares with it.
    const verifiedWith = isScale || isRestart ? record.verifiedWith ?? null : await dependencyVersions(record.service, record.environment);
    const canary = record.canary?.status === 'running' || record.canary?.status === 'paused'
      ? { ...record.canary, status: 'passed' as const, decision: record.canary.decision?.outcome === 'promoted' ? record.canary.decision : { outcome: 'promoted' as const, reason: `${record.canary.checks.length} checks, ${record.canary.failedChecks} failed (threshold ${record.canary.config.threshold})`, at: now.toISOString() } }
      : record.canary;
    await transition(record.id, {
      status: 'succeeded', stage: 'done', completedAt: now.toISOString(),
      durationMs: now.getTime() - Date.parse(record.createdAt), verifiedWith, ...(canary ? { canary } : {}),
    }, { message: `${record.service} ${record.environment} ${isScale ? `runs ${record.replicas} replicas` : isRestart ? 'restarted' : `runs ${record.imageTag}`}: the catalog says so`, stage: 'catalog' });
    await releaseEnvironment(record.service, record.environment, record.id);
    await tell(record, 'deployment.succeeded', `Deployed: ${record.service} ${record.environment} ${isScale ? `at ${record.replicas} replicas` : isRestart ? 'restarted' : `runs ${record.imageTag}`}`, `${record.operation} by ${record.initiatedBy} succeeded in ${Math.round((now.getTime() - Date.parse(record.createdAt)) / 1000)} s.`, now);
    return {};
  },

  async 'analysis-start'(record): Promise<AnalysisAnswer> {
    if (record.status === 'cancelling') return { next: 'cancel', intervalSeconds: 1 };
    if (record.canary && record.canary.status !== 'pending') return { next: record.canary.status === 'skipped' ? 'skip' : 'wait', intervalSeconds: record.canary.config.intervalSeconds };
    const settings = await canarySettings(record.service);
    const { metrics } = deploymentsDeps();
    const skipped = record.operation === 'scale' || record.operation === 'restart' ? `${record.operation} keeps the version: nothing new to analyze`
      : record.fast ? 'a fast rollback: no analysis (an incident\'s way out)'
        : !settings.enabled ? `canary analysis is off for ${record.service}`
          : !metrics ? 'no metrics source is configured (APOLLO_METRICS): no analysis' : undefined;
    if (skipped) {
      await transition(record.id, { canary: { status: 'skipped', config: settings.config, checks: [], failedChecks: 0, skipped, ...(metrics ? { metrics: metrics.kind } : {}) } }, { message: `canary analysis skipped: ${skipped}`, stage: 'analysis' });
      return { next: 'skip', intervalSeconds: 1 };
    }
    const config = settings.config;
    const startedAt = Date.parse(record.startedAt ?? record.createdAt);
    // The baseline: the version before it, over as long a stretch before the deployment began as the analysis takes.
    const span = Math.max(config.intervalSeconds * config.iterations, 60) * 1000;
    const from = new Date(startedAt - span);
    const to = new Date(startedAt);
    let baseline: Canary['baseline'] = null;
    let note = '';
    try {
      const sample = await metrics!.sample({ ...targetOf(record), ...(record.previousImageTag ? { version: record.previousImageTag } : {}), from, to });
      baseline = sample.requests > 0 ? { ...sample, version: record.previousImageTag ?? null, from: from.toISOString(), to: to.toISOString() } : null;
      if (!baseline) note = `; no traffic before it (${record.previousImageTag ? `${record.previousImageTag} served none` : 'a first deploy'}): judged on the thresholds alone`;
    } catch (error) {
      note = `; the baseline could not be read (${(error as Error).message}): judged on the thresholds alone`;
    }
    const canary: Canary = { status: 'running', metrics: metrics!.kind, config, baseline, checks: [], failedChecks: 0, startedAt: new Date().toISOString() };
    const base = baseline ? `baseline ${record.previousImageTag ?? 'before'}: error rate ${((baseline.errorRate ?? 0) * 100).toFixed(2)} %, p99 ${baseline.p99Ms === null ? '?' : Math.round(baseline.p99Ms)} ms` : 'no baseline';
    const guarded = await transition(record.id, { status: 'analyzing', stage: 'analysis', canary }, {
      message: `canary analysis of ${record.imageTag}: ${config.iterations} checks every ${config.intervalSeconds} s, ${config.threshold} failed ${config.onFailure === 'pause' ? 'pause it for a human' : 'roll it back'} (success rate ≥ ${(config.minSuccessRate * 100).toFixed(1)} %, p99 ≤ ${config.maxP99Ms} ms); ${base}${note}; from ${metrics!.kind}`,
      stage: 'analysis',
    }, new Date(), { unlessCancelling: true }).catch((error: unknown) => {
      if (error instanceof CancelledMeanwhile) return undefined;
      throw error;
    });
    return guarded ? { next: 'wait', intervalSeconds: config.intervalSeconds } : { next: 'cancel', intervalSeconds: 1 };
  },

  async analyze(record): Promise<AnalysisAnswer> {
    const canary = record.canary;
    if (!canary || canary.status !== 'running') throw new Error(`deployment ${record.id} has no running canary analysis`);
    const interval = canary.config.intervalSeconds;
    if (record.status === 'cancelling') return { next: 'cancel', intervalSeconds: interval };
    const now = new Date();
    const from = new Date(Math.max(now.getTime() - interval * 1000, Date.parse(canary.startedAt ?? record.createdAt) - interval * 1000));
    let sample;
    try {
      sample = await deploymentsDeps().metrics!.sample({ ...targetOf(record), ...(record.imageTag ? { version: record.imageTag } : {}), from, to: now });
    } catch (error) {
      sample = { error: (error as Error).message };
    }
    const check = judge(canary.config, canary.baseline, now, sample);
    const checks = [...canary.checks, check];
    const failedChecks = canary.failedChecks + (check.passed ? 0 : 1);
    const n = checks.length;
    const failed = failedChecks >= canary.config.threshold;
    const done = !failed && n >= canary.config.iterations;
    // A rollback's own canary never rolls back again (to the version it left): a human decides.
    const onFailure = record.operation === 'rollback' ? 'pause' : canary.config.onFailure;
    await transition(record.id, { canary: { ...canary, checks, failedChecks } }, {
      message: `check ${n}/${canary.config.iterations}: ${describeCheck(check, canary.config, canary.baseline)} — ${check.passed ? 'passed' : `failed (${check.reasons.join('; ')}); ${failedChecks} of ${canary.config.threshold} allowed`}`,
      stage: 'analysis', severity: check.passed ? 'info' : 'warn',
    }, now);
    return { next: failed ? onFailure : done ? 'pass' : 'continue', intervalSeconds: interval };
  },

  async 'canary-pause'(record, event) {
    if (!event.taskToken) throw new Error('canary-pause needs the task token');
    if (record.status === 'cancelling') throw cancelled(record);
    const canary = record.canary!;
    const reason = failureSummary(canary);
    const first = record.status !== 'paused';
    if (!first) {
      // A retried step: the new token is the one to answer.
      await updateDeployment(record.id, { canaryTaskToken: event.taskToken });
      return {};
    }
    await transition(record.id, {
      status: 'paused', canaryTaskToken: event.taskToken,
      canary: { ...canary, status: 'paused', decision: { outcome: 'paused', reason, at: new Date().toISOString() } },
    }, { message: `paused for a human: the canary failed (${reason}); promote it or roll it back (it rolls back by itself after ${Math.round(deploymentSettings().approvalTimeoutSeconds / 60)} min)`, stage: 'analysis', severity: 'warn' }, new Date(), { unlessCancelling: true });
    if (first) await tell(record, 'deployment.failed', `Paused: the canary of ${record.service} ${record.imageTag} in ${record.environment} failed`, `${reason}. Promote it or roll it back.`, new Date());
    return {};
  },

  async 'canary-rollback'(record) {
    const canary = record.canary;
    const now = new Date();
    if (record.status !== 'rolled_back') {
      const decidedBy = canary?.decision?.outcome === 'rolled_back' ? canary.decision : undefined;
      const reason = decidedBy ? decidedBy.reason
        : canary?.status === 'paused' ? `nobody promoted it or rolled it back in time; ${canary.decision?.reason ?? failureSummary(canary)}`
          : canary ? failureSummary(canary) : 'its canary failed';
      await transition(record.id, {
        status: 'rolled_back', stage: 'rollback', completedAt: now.toISOString(), durationMs: now.getTime() - Date.parse(record.createdAt), error: `canary failed: ${reason}`,
        ...(canary ? { canary: { ...canary, status: 'failed', decision: { outcome: 'rolled_back', reason, at: decidedBy?.at ?? now.toISOString(), ...(decidedBy?.by ? { by: decidedBy.by } : {}) } } } : {}),
      }, { message: `canary failed: ${reason}; rolling back to ${record.previousImageTag}`, stage: 'analysis', severity: 'error' }, now);
      await releaseEnvironment(record.service, record.environment, record.id);
      await tell(record, 'deployment.failed', `Rolled back: ${record.service} ${record.imageTag} in ${record.environment}`, `The canary failed: ${reason}. Apollo rolls back to ${record.previousImageTag}.`, now);
    }
    if (record.canary?.rollbackDeploymentId) return {};
    const current = await requireDeployment(record.id, true);
    let rollbackId: string | undefined;
    try {
      rollbackId = (await autoRollback(current, `automatic rollback: the canary of ${record.imageTag} (deployment ${record.id}) failed`)).id;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Asked already (this step ran twice), or someone else is deploying there now.
      const [latest] = (await listDeployments({ service: record.service, environment: record.environment }, 1)).items;
      const mine = latest ? await requireDeployment(latest.id) : undefined;
      if (mine?.rollbackOf === record.id) rollbackId = mine.id;
      else {
        await appendTimeline(current, [{ message: `could not roll back by itself: ${error.message}; roll back by hand`, stage: 'rollback', severity: 'error' }]);
        return {};
      }
    }
    const latest = await requireDeployment(record.id, true);
    await transition(record.id, { canary: { ...latest.canary!, rollbackDeploymentId: rollbackId } }, { message: `rollback ${rollbackId} puts ${record.previousImageTag} back (fast: no analysis)`, stage: 'rollback' });
    return {};
  },

  async revert(record) {
    const { gitops, rollout } = deploymentsDeps();
    const pr = record.gitops?.pullRequest;
    let revertCommit: string | undefined;
    if (record.initiatedVia === 'gitops') {
      // A change made in Git by someone else: cancelling stops following it; Git is theirs to change back.
    } else if (pr && pr.state === 'open') {
      await outside(`closing pull request #${pr.number}`, () => gitops.closePullRequest(pr.number, `Cancelled in Apollo by ${record.cancel?.by ?? 'someone'}${record.cancel?.reason ? `: ${record.cancel.reason}` : ''}`));
    } else if (record.gitCommit && record.operation !== 'restart') {
      // Git was changed: put the previous state back, as a commit of its own (idempotent by its own id).
      const back = record.operation === 'scale' ? { replicas: record.previousReplicas ?? undefined } : { imageTag: record.previousImageTag ?? undefined };
      if (Object.values(back).some((v) => v !== undefined)) {
        const done = await outside(`putting ${record.environment} back on ${gitops.repository}`, () => gitops.commit({
          ...changeRequest(record), set: back, deploymentId: `${record.id}-revert`,
          title: `revert ${record.service} ${record.environment} to ${back.imageTag ?? `${back.replicas} replicas`} (cancelled deployment ${record.id})`,
        }));
        revertCommit = done.commitSha;
        await outside(`asking ${rollout.kind} to sync`, () => rollout.sync(targetOf(record), done.commitSha));
      }
    }
    const now = new Date();
    await closeDeploymentApproval(record, 'cancelled', `the deployment was cancelled by ${record.cancel?.by ?? 'someone'}${record.cancel?.reason ? `: ${record.cancel.reason}` : ''}`);
    await transition(record.id, {
      ...(record.approval?.status === 'pending' ? { approval: { ...record.approval, status: 'cancelled' } } : {}),
      status: 'cancelled', stage: 'done', completedAt: now.toISOString(), durationMs: now.getTime() - Date.parse(record.createdAt),
      ...(pr ? { gitops: { ...record.gitops!, pullRequest: { ...pr, state: pr.state === 'open' ? 'closed' : pr.state }, ...(revertCommit ? { revertCommit } : {}) } } : revertCommit ? { gitops: { ...record.gitops!, revertCommit } } : {}),
    }, {
      message: `cancelled by ${record.cancel?.by ?? 'someone'}${record.cancel?.reason ? `: ${record.cancel.reason}` : ''}${pr?.state === 'open' ? `; pull request #${pr.number} closed` : revertCommit ? `; ${record.environment} put back to ${record.operation === 'scale' ? `${record.previousReplicas} replicas` : record.previousImageTag} (${revertCommit.slice(0, 7)})` : ''}`,
      stage: 'revert',
    }, now);
    await releaseEnvironment(record.service, record.environment, record.id);
    return {};
  },

  async rejected(record, event) {
    if (record.approval?.id) {
      const approval = await readApproval(record.approval.id, true);
      await updateDeployment(record.id, { approval: { ...record.approval, status: 'rejected', decidedBy: (approval?.decisions ?? []).map((d) => d.principal) } });
    }
    await closePullRequestQuietly(record, `Rejected in Apollo: ${event.error?.Cause ?? ''}`);
    const now = new Date();
    await transition(record.id, { status: 'rejected', stage: 'done', completedAt: now.toISOString(), durationMs: now.getTime() - Date.parse(record.createdAt), error: `rejected: ${event.error?.Cause ?? 'no reason given'}` }, { message: `rejected: ${event.error?.Cause ?? ''}`, stage: 'approval', severity: 'warn' }, now);
    await releaseEnvironment(record.service, record.environment, record.id);
    return {};
  },

  async 'approval-expired'(record) {
    await closeDeploymentApproval(record, 'expired');
    if (record.approval) await updateDeployment(record.id, { approval: { ...record.approval, status: 'expired' } });
    await closePullRequestQuietly(record, 'Nobody approved it in time; closed by Apollo.');
    const now = new Date();
    await transition(record.id, { status: 'expired', stage: 'done', completedAt: now.toISOString(), durationMs: now.getTime() - Date.parse(record.createdAt), error: 'nobody approved it in time' }, { message: 'the approval expired: nobody decided in time; deploy again to ask again', stage: 'approval', severity: 'warn' }, now);
    await releaseEnvironment(record.service, record.environment, record.id);
    return {};
  },

  async fail(record, event) {
    const reason = event.check?.next === 'failed' && event.check.reason ? event.check.reason : describeError(event.error);
    await closePullRequestQuietly(record, `The deployment failed in Apollo: ${reason}`);
    await closeDeploymentApproval(record, 'cancelled', `the deployment failed: ${reason}`);
    if (record.approval?.status === 'pending') await updateDeployment(record.id, { approval: { ...record.approval, status: 'cancelled' } });
    const now = new Date();
    if (!isEnded(record.status)) {
      await transition(record.id, { status: 'failed', completedAt: now.toISOString(), durationMs: now.getTime() - Date.parse(record.createdAt), error: reason }, { message: `failed at ${record.stage}: ${reason}`, severity: 'error' }, now);
      await tell(record, 'deployment.failed', `Failed: ${record.operation} ${record.service} ${record.environment}`, reason, now);
    }
    await releaseEnvironment(record.service, record.environment, record.id);
    return {};
  },
};

/** The error a waiting state's Catch sends to Revert. */
function cancelled(record: DeploymentRecord): Error {
  const error = new Error(`cancelled by ${record.cancel?.by ?? 'someone'}${record.cancel?.reason ? `: ${record.cancel.reason}` : ''}`);
  error.name = 'Apollo.Cancelled';
  return error;
}

/** The person who asked hears how it ended (a change made in Git has nobody in Apollo to tell). */
async function tell(record: DeploymentRecord, kind: 'deployment.succeeded' | 'deployment.failed', title: string, body: string, at: Date): Promise<void> {
  if (record.initiatedVia === 'gitops') return;
  await notify([record.initiatedBy], { kind, title, body: body.slice(0, 1000), link: `/deployments/${record.id}`, resource: { type: 'deployment', id: record.id } }, at);
}

function describeError(error: DeploymentStepEvent['error']): string {
  if (!error) return 'unknown error';
  let cause = error.Cause ?? '';
  try {
    // A Lambda's error arrives as JSON ({ errorType, errorMessage, trace }): its message is what people read.
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) cause = parsed.errorMessage;
  } catch { /* a plain cause */ }
  return `${cause || error.Error || 'unknown error'}`.slice(0, 2000);
}

async function closePullRequestQuietly(record: DeploymentRecord, comment: string): Promise<void> {
  const pr = record.gitops?.pullRequest;
  if (!pr || pr.state !== 'open') return;
  try {
    await deploymentsDeps().gitops.closePullRequest(pr.number, comment);
    await updateDeployment(record.id, { gitops: { ...record.gitops!, pullRequest: { ...pr, state: 'closed' } } });
  } catch (error) {
    await appendTimeline(record, [{ message: `could not close pull request #${pr.number}: ${(error as Error).message}; close it by hand`, severity: 'warn' }]);
  }
}

/**
 * An execution that ended without its steps saying so (stopped from the console, timed out, an internal
 * failure: the EventBridge rule infra/workflows.ts sets up): a record still under way ends failed, saying so,
 * and frees its environment. A normal end finds the record ended and does nothing.
 */
async function executionEnded(event: { readonly execution?: string; readonly status?: string }): Promise<unknown> {
  const record = event.execution ? await requireDeployment(event.execution, true).catch(() => undefined) : undefined;
  if (!record || isEnded(record.status)) return {};
  const now = new Date();
  const reason = `its workflow execution ended ${event.status ?? 'unexpectedly'} at ${record.stage} without finishing it; deploy or roll back again`;
  await closeDeploymentApproval(record, 'cancelled', `the deployment failed: ${reason}`);
  await transition(record.id, { status: 'failed', completedAt: now.toISOString(), durationMs: now.getTime() - Date.parse(record.createdAt), error: reason }, { message: reason, severity: 'error' }, now);
  await releaseEnvironment(record.service, record.environment, record.id);
  await tell(record, 'deployment.failed', `Failed: ${record.operation} ${record.service} ${record.environment}`, reason, now);
  return {};
}

export async function runStep(event: DeploymentStepEvent): Promise<unknown> {
  if (event.step === 'execution-ended') return executionEnded(event as unknown as { execution?: string; status?: string });
  const impl = STEPS[event.step];
  if (!impl) throw new Error(`unknown deployment step ${event.step}`);
  await loadDeploymentsDeps();
  const record = await requireDeployment(event.deploymentId, true);
  return impl(record, event);
}
