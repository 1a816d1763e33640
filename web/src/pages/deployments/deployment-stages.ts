/**
 * A deployment's progress as steps (validate → pull request → approval → window → safeguards → commit or merge → sync → rollout →
 * canary analysis → catalog, or → rollback when its canary failed and Apollo rolled it back):
 * which ones it goes through, which is done, under way, waiting, failed or stopped, and how long each took. Read from
 * the record's status and stage and its timeline, whose lines name the stage they finish. Pure, so it is unit-tested.
 */
import type { Deployment } from '../../../../schemas/types.gen.ts';
import { isProductionEnvironment } from '../../../../shared/routes.ts';
import { cancelEffect, isEnded, type Stage } from './deployment-rules.ts';

export type StepState = 'done' | 'current' | 'waiting' | 'failed' | 'stopped' | 'skipped' | 'pending';

export interface Step {
  readonly stage: Stage;
  readonly label: string;
  readonly state: StepState;
  /** When it began: the end of the step before it (the deployment's creation for the first). */
  readonly startedAt?: string;
  /** When its last line was written (done, failed or stopped steps). */
  readonly endedAt?: string;
  /** How long it took, or has taken so far (the current step). */
  readonly durationMs?: number;
}

export const STAGE_LABEL: Record<Stage, string> = {
  validate: 'Validate', safeguards: 'Safeguards', pull_request: 'Pull request', approval: 'Approval', commit: 'Commit', merge: 'Merge', sync: 'Sync',
  rollout: 'Rollout', restart: 'Restart', catalog: 'Catalog', revert: 'Revert', window: 'Window', analysis: 'Canary analysis', rollback: 'Rollback', done: 'Done',
};

type StepSource = Pick<Deployment, 'operation' | 'environment' | 'status' | 'stage' | 'createdAt' | 'completedAt' | 'timeline'> &
  Partial<Pick<Deployment, 'approval' | 'gitops' | 'initiatedVia' | 'gitCommit' | 'canary'>>;

/** Whether it has (or had) a canary analysis to show: one that ran, or the status says it is in one; not a skipped one. */
const analysed = (d: Pick<StepSource, 'status' | 'canary'>): boolean =>
  (d.canary ? d.canary.status !== 'skipped' : false) || d.status === 'analyzing' || d.status === 'paused' || d.status === 'rolled_back';

type LabelSource = Pick<Deployment, 'operation' | 'status'> & Partial<Pick<Deployment, 'gitops' | 'initiatedVia' | 'gitCommit'>>;

/**
 * A stage's name on this deployment's page. The cancel's stage (`revert` in the record) is "Revert" only when Git is
 * put back (a revert commit, or one on its way); a cancel that closed a pull request or just stopped is "Cancel".
 */
export function stageLabel(stage: Stage, d: LabelSource): string {
  if (stage !== 'revert') return STAGE_LABEL[stage];
  if (d.gitops?.revertCommit) return STAGE_LABEL.revert;
  return !isEnded(d.status) && cancelEffect({ ...d, gitCommit: d.gitCommit ?? null, initiatedVia: d.initiatedVia ?? 'ui' }) === 'revert' ? STAGE_LABEL.revert : 'Cancel';
}

/** The stages this deployment goes through, in order (its Git mode read from what it did, else from its environment). */
export function stagesOf(d: StepSource): Stage[] {
  const seen = new Set<Stage>([...d.timeline.map((e) => e.stage), d.stage]);
  const approval = d.approval?.required === true || seen.has('approval');
  const withApproval = (stages: Stage[]): Stage[] => (approval ? stages : stages.filter((s) => s !== 'approval'));
  let stages: Stage[];
  if (d.operation === 'restart') {
    stages = withApproval(['validate', 'approval', 'restart', 'rollout', 'catalog']);
  } else {
    const pullRequest = d.gitops?.pullRequest !== undefined || seen.has('pull_request') || seen.has('merge') ||
      (!seen.has('commit') && d.stage === 'validate' && isProductionEnvironment(d.environment));
    stages = pullRequest
      ? withApproval(['validate', 'pull_request', 'approval', 'merge', 'sync', 'rollout', 'catalog'])
      : withApproval(['validate', 'approval', 'commit', 'sync', 'rollout', 'catalog']);
  }
  // The safeguards are checked again after the approval, before Git changes; they show once they said something.
  if (seen.has('safeguards') || d.status === 'refused') {
    const before = stages.findIndex((s) => s === 'commit' || s === 'merge' || s === 'restart');
    stages.splice(before < 0 ? stages.length : before, 0, 'safeguards');
  }
  // Queued outside its deployment window: the wait is a step of its own, before the safeguards pass it (or the Git change).
  if (seen.has('window') || d.status === 'queued') {
    const before = stages.findIndex((s) => s === 'safeguards' || s === 'commit' || s === 'merge' || s === 'restart');
    stages.splice(before < 0 ? stages.length : before, 0, 'window');
  }
  // The canary analysis runs after the rollout, before the catalog says it runs; a failed one ends in a rollback instead.
  const catalog = stages.indexOf('catalog');
  if (analysed(d)) stages.splice(catalog < 0 ? stages.length : catalog, 0, 'analysis');
  if (d.status === 'rolled_back') {
    if (catalog < 0) stages.push('rollback');
    else stages.splice(stages.indexOf('catalog'), 1, 'rollback');
  }
  if (seen.has('revert') || d.status === 'cancelling' || d.status === 'cancelled') stages.push('revert');
  return stages;
}

/** The index of the step the deployment stopped in (it ended without succeeding: record stage `done`). */
function stoppedAt(d: StepSource, stages: readonly Stage[]): number {
  // The cancel's line is written in the stage it was in; a rejection or expiry is the approval's, a refusal the safeguards'.
  if (d.status === 'rejected' || d.status === 'expired') return Math.max(0, stages.indexOf('approval'));
  if (d.status === 'refused' && stages.includes('safeguards')) return stages.indexOf('safeguards');
  const cancel = [...d.timeline].reverse().find((e) => e.status === 'cancelling');
  if (cancel && stages.includes(cancel.stage)) return stages.indexOf(cancel.stage);
  const reached = d.timeline.map((e) => stages.indexOf(e.stage)).filter((i) => i >= 0 && stages[i] !== 'revert');
  return reached.length ? Math.max(...reached) : 0;
}

export function deploymentSteps(d: StepSource, now = Date.now()): Step[] {
  const stages = stagesOf(d);
  const main = stages.filter((s) => s !== 'revert');
  const states = new Map<Stage, StepState>();
  if (d.status === 'succeeded') {
    for (const s of main) states.set(s, 'done');
  } else {
    const ended = d.stage === 'done' || d.status === 'failed' || d.status === 'cancelled' || d.status === 'refused' || d.status === 'rejected' || d.status === 'expired' || d.status === 'rolled_back';
    const at = d.stage !== 'done' && d.stage !== 'revert' && main.includes(d.stage) ? main.indexOf(d.stage) : stoppedAt(d, main);
    main.forEach((s, i) => {
      if (i < at) states.set(s, 'done');
      else if (i > at) states.set(s, ended || d.status === 'cancelling' ? 'skipped' : 'pending');
      else if (d.status === 'failed' || d.status === 'rejected' || d.status === 'expired') states.set(s, 'failed');
      else if (d.status === 'cancelled' || d.status === 'cancelling' || d.status === 'refused') states.set(s, 'stopped');
      else if (d.status === 'awaiting_approval' || d.status === 'paused' || d.status === 'queued') states.set(s, 'waiting');
      else states.set(s, 'current');
    });
  }
  if (d.status === 'rolled_back') {
    // The canary failed; the rollback step is Apollo asking for the rollback deployment (done once it has its id).
    main.forEach((s) => states.set(s, 'done'));
    states.set('analysis', 'failed');
    const couldNot = d.timeline.some((e) => e.stage === 'rollback' && e.severity === 'error');
    states.set('rollback', d.canary?.rollbackDeploymentId ? 'done' : couldNot ? 'failed' : 'current');
  }
  if (stages.includes('revert')) states.set('revert', d.status === 'cancelled' ? 'done' : d.status === 'cancelling' ? 'current' : d.status === 'failed' ? 'failed' : 'done');

  // Each line finishes (or advances) its stage: a step ends at its last line, the next begins there.
  const lastLine = new Map<Stage, string>();
  for (const e of d.timeline) if (!lastLine.has(e.stage) || lastLine.get(e.stage)! < e.at) lastLine.set(e.stage, e.at);
  let previousEnd: string | undefined = d.createdAt;
  return stages.map((stage): Step => {
    const state = states.get(stage) ?? 'pending';
    const base = { stage, label: stageLabel(stage, d), state };
    if (state === 'pending' || state === 'skipped') return base;
    const startedAt = previousEnd;
    if (state === 'current' || state === 'waiting') {
      const durationMs = startedAt ? Math.max(0, now - Date.parse(startedAt)) : undefined;
      return { ...base, ...(startedAt ? { startedAt } : {}), ...(durationMs !== undefined ? { durationMs } : {}) };
    }
    const endedAt = lastLine.get(stage) ?? (state === 'done' && stage === stages[stages.length - 1] ? d.completedAt ?? undefined : undefined);
    if (endedAt) previousEnd = endedAt;
    const durationMs = startedAt && endedAt ? Math.max(0, Date.parse(endedAt) - Date.parse(startedAt)) : undefined;
    return { ...base, ...(startedAt ? { startedAt } : {}), ...(endedAt ? { endedAt } : {}), ...(durationMs !== undefined ? { durationMs } : {}) };
  });
}

/** The share of the rollout done: updated and ready replicas of the desired (0 to 1 each), or null before it reports. */
export function rolloutShare(rollout: Deployment['rollout'] | undefined): { updated: number; ready: number } | null {
  if (!rollout || rollout.desiredReplicas === undefined) return null;
  const desired = rollout.desiredReplicas;
  if (desired <= 0) return { updated: 1, ready: 1 };
  const clamp = (n: number | undefined) => Math.max(0, Math.min(1, (n ?? 0) / desired));
  return { updated: clamp(rollout.updatedReplicas), ready: clamp(rollout.readyReplicas) };
}
