import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../../schemas/types.gen.ts';
import { deploymentSteps, rolloutShare, stageLabel, stagesOf } from './deployment-stages.ts';

type Line = Deployment['timeline'][number];
const at = (s: number) => new Date(Date.parse('2026-11-25T10:00:00.000Z') + s * 1000).toISOString();
const line = (s: number, stage: Line['stage'], message: string = stage, status?: Line['status']): Line => ({ at: at(s), stage, message, severity: 'info', ...(status ? { status } : {}) });

const staging = (over: Partial<Deployment> = {}): Deployment => ({
  id: '01JDEPLOY00000000000000000A', operation: 'deploy', service: 'core-service', environment: 'staging', imageTag: 'v1.5.0', previousImageTag: 'v1.4.4',
  status: 'in_progress', stage: 'sync', initiatedBy: 'dana@apollo.local', initiatedVia: 'ui', createdAt: at(0), updatedAt: at(5),
  approval: { required: false }, gitops: { kind: 'GitHub apollo-demo/gitops (LOCAL FAKE)', repository: 'apollo-demo/gitops', path: 'apps/core-service/staging/values.yaml' },
  timeline: [line(0, 'validate', 'asked'), line(1, 'validate', 'started'), line(3, 'commit', 'committed abc1234')],
  canCancel: true, canRollback: false, ...over,
});

const prod = (over: Partial<Deployment> = {}): Deployment => staging({
  operation: 'promote', environment: 'prod', fromEnvironment: 'staging', approval: { required: true, status: 'pending' }, status: 'awaiting_approval', stage: 'approval',
  gitops: { kind: 'GitHub (LOCAL FAKE)', repository: 'apollo-demo/gitops', path: 'apps/core-service/prod/values.yaml', pullRequest: { number: 7, url: 'http://x/pull/7', state: 'open' } },
  timeline: [line(0, 'validate', 'asked'), line(1, 'validate', 'started'), line(2, 'pull_request', 'opened #7'), line(3, 'approval', 'waiting', 'awaiting_approval')],
  ...over,
});

const states = (d: Deployment, now = Date.parse(at(10))) => deploymentSteps(d, now).map((s) => `${s.stage}:${s.state}`);

describe('the steps a deployment goes through', () => {
  it('commits directly outside production, through a pull request and an approval in it', () => {
    expect(stagesOf(staging())).toEqual(['validate', 'commit', 'sync', 'rollout', 'catalog']);
    expect(stagesOf(prod())).toEqual(['validate', 'pull_request', 'approval', 'merge', 'sync', 'rollout', 'catalog']);
    // A production deployment not started yet is expected to go through a pull request.
    expect(stagesOf(prod({ status: 'pending', stage: 'validate', gitops: null, timeline: [line(0, 'validate')] }))).toEqual(['validate', 'pull_request', 'approval', 'merge', 'sync', 'rollout', 'catalog']);
    expect(stagesOf(staging({ operation: 'restart', stage: 'restart', timeline: [] }))).toEqual(['validate', 'restart', 'rollout', 'catalog']);
    expect(stagesOf(staging({ status: 'cancelled', stage: 'done' }))).toContain('revert');
  });
});

describe('where it is', () => {
  it('marks what is done, the current step and what is to come, with durations from the timeline', () => {
    const steps = deploymentSteps(staging(), Date.parse(at(10)));
    expect(steps.map((s) => `${s.stage}:${s.state}`)).toEqual(['validate:done', 'commit:done', 'sync:current', 'rollout:pending', 'catalog:pending']);
    expect(steps[0]).toMatchObject({ startedAt: at(0), endedAt: at(1), durationMs: 1000 });
    expect(steps[1]).toMatchObject({ startedAt: at(1), endedAt: at(3), durationMs: 2000 });
    // The current step counts from the end of the one before it until now.
    expect(steps[2]).toMatchObject({ startedAt: at(3), durationMs: 7000 });
    expect(steps[3]!.durationMs).toBeUndefined();
  });

  it('stops at the safeguards when one refused it (a lock placed while it waited), the rest not run', () => {
    const refused = prod({
      status: 'refused', stage: 'safeguards', completedAt: at(9), error: 'core-service prod is locked by ops@apollo.local: migration',
      approval: { required: true, status: 'approved', decidedBy: ['admin@apollo.local'] },
      timeline: [...prod().timeline, line(8, 'approval', 'approved'), line(9, 'safeguards', 'refused: core-service prod is locked', 'refused')],
    });
    expect(stagesOf(refused)).toEqual(['validate', 'pull_request', 'approval', 'safeguards', 'merge', 'sync', 'rollout', 'catalog']);
    expect(states(refused)).toEqual(['validate:done', 'pull_request:done', 'approval:done', 'safeguards:stopped', 'merge:skipped', 'sync:skipped', 'rollout:skipped', 'catalog:skipped']);
    expect(stageLabel('safeguards', refused)).toBe('Safeguards');
    // Outside production it sits before the commit; one that passed them says nothing of them.
    expect(stagesOf(staging({ status: 'refused', stage: 'safeguards', timeline: [line(0, 'validate'), line(1, 'safeguards', 'refused: locked', 'refused')] })))
      .toEqual(['validate', 'safeguards', 'commit', 'sync', 'rollout', 'catalog']);
    expect(stagesOf(staging())).not.toContain('safeguards');
  });

  it('waits at the approval, in amber', () => {
    expect(states(prod())).toEqual(['validate:done', 'pull_request:done', 'approval:waiting', 'merge:pending', 'sync:pending', 'rollout:pending', 'catalog:pending']);
  });

  it('is all done once it succeeded, the catalog step ending at its line', () => {
    const done = prod({
      status: 'succeeded', stage: 'done', completedAt: at(20), approval: { required: true, status: 'approved', decidedBy: ['admin@apollo.local'] },
      timeline: [...prod().timeline, line(8, 'approval', 'approved'), line(9, 'merge'), line(10, 'sync'), line(15, 'rollout', 'healthy'), line(20, 'catalog')],
    });
    const steps = deploymentSteps(done);
    expect(steps.every((s) => s.state === 'done')).toBe(true);
    expect(steps.find((s) => s.stage === 'approval')).toMatchObject({ durationMs: 6000 });
    expect(steps.find((s) => s.stage === 'catalog')).toMatchObject({ durationMs: 5000, endedAt: at(20) });
  });

  it('fails where it failed, and the rest does not run', () => {
    expect(states(staging({ status: 'failed', stage: 'rollout', error: 'degraded' }))).toEqual(['validate:done', 'commit:done', 'sync:done', 'rollout:failed', 'catalog:skipped']);
  });

  it('fails at the approval when it was rejected or expired', () => {
    const rejected = prod({ status: 'rejected', stage: 'done', timeline: [...prod().timeline, line(6, 'approval', 'rejected')] });
    expect(states(rejected)).toEqual(['validate:done', 'pull_request:done', 'approval:failed', 'merge:skipped', 'sync:skipped', 'rollout:skipped', 'catalog:skipped']);
  });

  it('stops where it was cancelled and shows the revert', () => {
    const cancelling = staging({ status: 'cancelling', stage: 'rollout', timeline: [...staging().timeline, line(4, 'sync'), line(6, 'rollout', 'x cancels it', 'cancelling')] });
    expect(states(cancelling)).toEqual(['validate:done', 'commit:done', 'sync:done', 'rollout:stopped', 'catalog:skipped', 'revert:current']);
    const cancelled = staging({ status: 'cancelled', stage: 'done', timeline: [...cancelling.timeline, line(8, 'revert', 'put back')] });
    expect(states(cancelled)).toEqual(['validate:done', 'commit:done', 'sync:done', 'rollout:stopped', 'catalog:skipped', 'revert:done']);
  });

  it('calls the cancel "Revert" only when Git is put back', () => {
    const label = (d: Deployment) => deploymentSteps(d).find((s) => s.stage === 'revert')?.label;
    // A pull request only closed: nothing in Git changed.
    const closed = prod({ status: 'cancelled', stage: 'done', gitops: { ...prod().gitops!, pullRequest: { number: 7, url: 'http://x/pull/7', state: 'closed' } },
      timeline: [...prod().timeline, line(6, 'revert', 'cancelled by x; pull request #7 closed')] });
    expect(label(closed)).toBe('Cancel');
    expect(label(prod({ status: 'cancelling', timeline: [...prod().timeline, line(5, 'approval', 'x cancels it', 'cancelling')] }))).toBe('Cancel');
    // A commit being put back, then put back.
    const committed = staging({ gitCommit: 'abc1234', status: 'cancelling', stage: 'rollout', timeline: [...staging().timeline, line(6, 'rollout', 'x cancels it', 'cancelling')] });
    expect(label(committed)).toBe('Revert');
    expect(label({ ...committed, status: 'cancelled', stage: 'done', gitops: { ...committed.gitops!, revertCommit: 'def5678' } })).toBe('Revert');
    // Nothing written yet, or a change someone made in Git: it stops.
    expect(stageLabel('revert', staging({ status: 'cancelling' }))).toBe('Cancel');
    expect(stageLabel('revert', staging({ status: 'cancelling', gitCommit: 'abc1234', initiatedVia: 'gitops' }))).toBe('Cancel');
    expect(stageLabel('rollout', staging())).toBe('Rollout');
  });
});

type CanaryOf = NonNullable<Deployment['canary']>;
const canary = (over: Partial<CanaryOf> = {}): CanaryOf => ({
  status: 'running', metrics: 'LOCAL DEMO METRICS', config: { intervalSeconds: 1, iterations: 3, threshold: 2, minSuccessRate: 0.99, maxP99Ms: 500, onFailure: 'rollback' },
  baseline: null, checks: [], failedChecks: 0, startedAt: at(16), ...over,
});
const rolledOut = [...staging().timeline, line(4, 'sync'), line(15, 'rollout', 'healthy')];

describe('canary analysis and its rollback', () => {
  it('shows a "Canary analysis" step after the rollout while it runs, and a waiting one while paused for a human', () => {
    const analyzing = staging({ status: 'analyzing', stage: 'analysis', canary: canary(), timeline: [...rolledOut, line(16, 'analysis', 'canary analysis of v1.5.0')] });
    expect(stagesOf(analyzing)).toEqual(['validate', 'commit', 'sync', 'rollout', 'analysis', 'catalog']);
    expect(states(analyzing, Date.parse(at(20)))).toEqual(['validate:done', 'commit:done', 'sync:done', 'rollout:done', 'analysis:current', 'catalog:pending']);
    expect(deploymentSteps(analyzing).find((s) => s.stage === 'analysis')!.label).toBe('Canary analysis');
    const paused = { ...analyzing, status: 'paused' as const, canary: canary({ status: 'paused', failedChecks: 2 }) };
    expect(states(paused, Date.parse(at(20)))).toContain('analysis:waiting');
  });

  it('keeps the step once it passed, and shows none when the analysis was skipped', () => {
    const done = staging({ status: 'succeeded', stage: 'done', completedAt: at(20), canary: canary({ status: 'passed' }), timeline: [...rolledOut, line(16, 'analysis'), line(19, 'analysis', 'check 3/3'), line(20, 'catalog')] });
    expect(states(done)).toEqual(['validate:done', 'commit:done', 'sync:done', 'rollout:done', 'analysis:done', 'catalog:done']);
    expect(deploymentSteps(done).find((s) => s.stage === 'analysis')).toMatchObject({ startedAt: at(15), endedAt: at(19), durationMs: 4000 });
    const fast = staging({ operation: 'rollback', status: 'succeeded', stage: 'done', canary: canary({ status: 'skipped', skipped: 'a fast rollback' }), timeline: [...rolledOut, line(16, 'analysis', 'canary analysis skipped: a fast rollback'), line(17, 'catalog')] });
    expect(stagesOf(fast)).toEqual(['validate', 'commit', 'sync', 'rollout', 'catalog']);
  });

  it('fails the analysis and ends in a rollback (done once the rollback deployment is asked for) when the canary rolled it back', () => {
    const failed = canary({ status: 'failed', failedChecks: 2, decision: { outcome: 'rolled_back', reason: '2 of 2 checks failed', at: at(18) } });
    const asking = staging({
      status: 'rolled_back', stage: 'rollback', completedAt: at(18), error: 'canary failed: 2 of 2 checks failed', canary: failed,
      timeline: [...rolledOut, line(16, 'analysis'), line(18, 'analysis', 'canary failed: …; rolling back to v1.4.4')],
    });
    expect(stagesOf(asking)).toEqual(['validate', 'commit', 'sync', 'rollout', 'analysis', 'rollback']);
    expect(states(asking)).toEqual(['validate:done', 'commit:done', 'sync:done', 'rollout:done', 'analysis:failed', 'rollback:current']);
    const asked = { ...asking, canary: { ...failed, rollbackDeploymentId: '01JDEPLOY00000000000000000B' }, timeline: [...asking.timeline, line(19, 'rollback', 'rollback 01JDEPLOY00000000000000000B puts v1.4.4 back')] };
    expect(states(asked)).toEqual(['validate:done', 'commit:done', 'sync:done', 'rollout:done', 'analysis:failed', 'rollback:done']);
    expect(deploymentSteps(asked).at(-1)).toMatchObject({ label: 'Rollback', endedAt: at(19) });
    const couldNot = { ...asking, timeline: [...asking.timeline, { ...line(19, 'rollback', 'could not roll back by itself'), severity: 'error' as const }] };
    expect(states(couldNot).at(-1)).toBe('rollback:failed');
  });
});

describe('the rollout', () => {
  it('is a share of the desired replicas, clamped; nothing before it reports', () => {
    expect(rolloutShare({ kind: 'k', phase: 'progressing', message: '', desiredReplicas: 4, updatedReplicas: 2, readyReplicas: 1 })).toEqual({ updated: 0.5, ready: 0.25 });
    expect(rolloutShare({ kind: 'k', phase: 'progressing', message: '', desiredReplicas: 2, updatedReplicas: 3 })).toEqual({ updated: 1, ready: 0 });
    expect(rolloutShare({ kind: 'k', phase: 'healthy', message: '', desiredReplicas: 0 })).toEqual({ updated: 1, ready: 1 });
    expect(rolloutShare({ kind: 'k', phase: 'pending', message: '' })).toBeNull();
    expect(rolloutShare(null)).toBeNull();
  });
});

describe('queued for its deployment window', () => {
  const queued = (over: Partial<Deployment> = {}) => staging({
    status: 'queued', stage: 'window', timeline: [line(0, 'validate', 'asked'), line(1, 'validate', 'started'), line(2, 'window', 'queued: outside the deployment window')], ...over,
  });

  it('waits at a Window step before the Git change, in amber', () => {
    expect(stagesOf(queued())).toEqual(['validate', 'window', 'commit', 'sync', 'rollout', 'catalog']);
    expect(states(queued())).toEqual(['validate:done', 'window:waiting', 'commit:pending', 'sync:pending', 'rollout:pending', 'catalog:pending']);
    expect(deploymentSteps(queued()).find((s) => s.stage === 'window')!.label).toBe('Window');
  });

  it('keeps the step before the safeguards once the window opened, and waits there behind a production approval', () => {
    const opened = queued({ status: 'in_progress', stage: 'commit', timeline: [...queued().timeline, line(5, 'safeguards', 'the window opened; safeguards passed'), line(6, 'commit', 'committed')] });
    expect(stagesOf(opened)).toEqual(['validate', 'window', 'safeguards', 'commit', 'sync', 'rollout', 'catalog']);
    expect(states(opened)).toEqual(['validate:done', 'window:done', 'safeguards:done', 'commit:current', 'sync:pending', 'rollout:pending', 'catalog:pending']);
    const prodQueued = prod({ status: 'queued', stage: 'window', approval: { required: true, status: 'approved' }, timeline: [...prod().timeline, line(4, 'approval', 'approved'), line(5, 'window', 'queued')] });
    expect(stagesOf(prodQueued)).toEqual(['validate', 'pull_request', 'approval', 'window', 'merge', 'sync', 'rollout', 'catalog']);
    expect(states(prodQueued)).toContain('window:waiting');
  });

  it('shows no Window step for a deployment that never waited for one', () => {
    expect(stagesOf(staging())).not.toContain('window');
  });
});
