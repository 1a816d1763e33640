/**
 * Deployments kept live from their topics (ARCHITECTURE.md §5): `deployment:<id>` (event deployment.changed: the
 * summary, the rollout and the new timeline line as `entry`) moves a deployment's page in place; `deployments` (the
 * summary) moves the history, and its `lock.changed` says an environment was locked or unlocked. Pure, so it is
 * unit-tested.
 */
import type { InfiniteData } from '@tanstack/react-query';
import type { Deployment, DeploymentList, DeploymentSummary } from '../../../../schemas/types.gen.ts';
import type { HistoryFilters } from './deployment-queries.ts';
import { matchesHistory } from './deployment-rules.ts';
import { mergeTimeline as mergeLines } from '../../lib/timeline.ts';

export type TimelineEntry = Deployment['timeline'][number];

/** A deployment.changed frame's data. */
export type DeploymentChange = DeploymentSummary & { readonly rollout?: Deployment['rollout']; readonly entry?: TimelineEntry };

/** Whether a frame's data has the shape of a change of a deployment (of this one, when `id` is given): frames are data from the network. */
export function asDeploymentChange(data: unknown, id?: string): DeploymentChange | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Partial<DeploymentChange>;
  if (typeof d.id !== 'string' || (id !== undefined && d.id !== id)) return null;
  if (typeof d.status !== 'string' || typeof d.stage !== 'string' || typeof d.updatedAt !== 'string' || typeof d.service !== 'string') return null;
  return d as DeploymentChange;
}

const SUMMARY_KEYS = [
  'operation', 'service', 'environment', 'imageTag', 'previousImageTag', 'replicas', 'previousReplicas', 'fromEnvironment', 'status', 'stage',
  'initiatedBy', 'initiatedVia', 'reason', 'gitCommit', 'createdAt', 'updatedAt', 'completedAt', 'durationMs', 'error',
] as const;

/** The deployment with a frame's summary and rollout applied, unless the frame is older than what the page has (frames may be late). */
export function applyChange(deployment: Deployment, change: DeploymentChange): Deployment {
  if (change.id !== deployment.id || change.updatedAt < deployment.updatedAt) return deployment;
  const next: Record<string, unknown> = { ...deployment };
  for (const key of SUMMARY_KEYS) if (change[key] !== undefined) next[key] = change[key];
  if (change.rollout !== undefined) next.rollout = change.rollout;
  return next as unknown as Deployment;
}

/**
 * Whether a frame changes what only the detail says (the Git change, the approval, whether it can be cancelled or
 * rolled back, the canary's checks and decision, which frames do not carry), so it is worth reading again: a new
 * status or stage, or a line about Git, the approval, the canary analysis or its rollback.
 */
export function changesDetail(deployment: Pick<Deployment, 'status' | 'stage'> | undefined, change: DeploymentChange): boolean {
  if (!deployment) return true;
  if (deployment.status !== change.status || deployment.stage !== change.stage) return true;
  const stage = change.entry?.stage;
  return stage === 'pull_request' || stage === 'approval' || stage === 'commit' || stage === 'merge' || stage === 'revert' || stage === 'catalog' || stage === 'analysis' || stage === 'rollback';
}

/** One line's identity: lines carry no id, so their time, stage and text together. */
export const entryKey = (e: TimelineEntry): string => `${e.at}|${e.stage}|${e.message}`;

/** What the detail read plus the lines that arrived live and are not in it, oldest first (equal times keep their order). */
export const mergeTimeline = (base: readonly TimelineEntry[], live: readonly TimelineEntry[]): TimelineEntry[] => mergeLines(base, live, entryKey);

const summaryOf = (change: DeploymentChange): DeploymentSummary => {
  const { rollout: _rollout, entry: _entry, ...summary } = change;
  return summary;
};

/**
 * Puts a live summary into the history's cached pages: replaced where it is (unless the frame is older), or added on
 * top when it is new and the filters take it. Returns the data unchanged (the same object) when nothing changed.
 */
export function upsertHistory(
  data: InfiniteData<DeploymentList, string | undefined> | undefined,
  change: DeploymentChange,
  filters: HistoryFilters,
): InfiniteData<DeploymentList, string | undefined> | undefined {
  if (!data) return data;
  const summary = summaryOf(change);
  let found = false;
  let changed = false;
  const pages = data.pages.map((page) => {
    if (!page.items.some((i) => i.id === summary.id)) return page;
    found = true;
    return {
      ...page,
      items: page.items.map((item) => {
        if (item.id !== summary.id || summary.updatedAt < item.updatedAt) return item;
        changed = true;
        return { ...item, ...summary };
      }),
    };
  });
  if (!found) {
    if (!matchesHistory(summary, filters) || !pages[0]) return data;
    pages[0] = { ...pages[0], items: [summary, ...pages[0].items] };
    changed = true;
  }
  return changed ? { ...data, pages } : data;
}

export const LOCK_CHANGED = 'lock.changed';

/** A `lock.changed` frame's data: an environment was locked or unlocked. */
export interface LockChange {
  readonly service: string;
  readonly environment: string;
  readonly locked: boolean;
  readonly reason?: string;
}

export function asLockChange(data: unknown): LockChange | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Partial<LockChange>;
  if (typeof d.service !== 'string' || typeof d.environment !== 'string' || typeof d.locked !== 'boolean') return null;
  return d as LockChange;
}
