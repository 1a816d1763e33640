import type { InfiniteData } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { Deployment, DeploymentList, DeploymentSummary } from '../../../../schemas/types.gen.ts';
import { applyChange, asDeploymentChange, asLockChange, changesDetail, mergeTimeline, upsertHistory, type DeploymentChange, type TimelineEntry } from './deployment-live.ts';

const ID = '01JDEPLOY00000000000000000A';
const summary = (over: Partial<DeploymentSummary> = {}): DeploymentSummary => ({
  id: ID, operation: 'deploy', service: 'core-service', environment: 'staging', imageTag: 'v1.5.0', status: 'in_progress', stage: 'rollout',
  initiatedBy: 'dana@apollo.local', initiatedVia: 'ui', createdAt: '2026-11-25T10:00:00.000Z', updatedAt: '2026-11-25T10:00:05.000Z', ...over,
});
const detail = (over: Partial<Deployment> = {}): Deployment => ({
  ...summary(), gitops: { kind: 'GitHub (LOCAL FAKE)', repository: 'apollo-demo/gitops', path: 'p', diff: '+x' }, timeline: [], canCancel: true, canRollback: false,
  rollout: { kind: 'SIMULATED Argo CD', phase: 'progressing', message: '1/3', desiredReplicas: 3, updatedReplicas: 1, readyReplicas: 1 }, ...over,
});
const entry = (at: string, message: string, stage: TimelineEntry['stage'] = 'rollout'): TimelineEntry => ({ at, stage, message, severity: 'info' });

describe('a deployment.changed frame', () => {
  it('is taken only with a deployment\u2019s shape (and this one\u2019s id)', () => {
    expect(asDeploymentChange(summary(), ID)).not.toBeNull();
    expect(asDeploymentChange(summary())).not.toBeNull();
    expect(asDeploymentChange(summary({ id: 'OTHER' }), ID)).toBeNull();
    expect(asDeploymentChange({ id: ID, status: 'succeeded' }, ID)).toBeNull();
    expect(asDeploymentChange('nonsense')).toBeNull();
    expect(asDeploymentChange(null)).toBeNull();
  });

  it('moves the page in place: summary and rollout, keeping what only the detail has; an older frame changes nothing', () => {
    const rollout = { kind: 'SIMULATED Argo CD', phase: 'healthy' as const, message: '3/3', desiredReplicas: 3, updatedReplicas: 3, readyReplicas: 3 };
    const change: DeploymentChange = { ...summary({ status: 'succeeded', stage: 'done', updatedAt: '2026-11-25T10:00:09.000Z' }), rollout };
    const next = applyChange(detail(), change);
    expect(next).toMatchObject({ status: 'succeeded', stage: 'done', rollout, gitops: detail().gitops, canCancel: true });
    expect(next).not.toHaveProperty('entry');
    const late = applyChange(detail({ updatedAt: '2026-11-25T10:00:10.000Z' }), change);
    expect(late.status).toBe('in_progress');
  });

  it('says when the detail is worth reading again', () => {
    expect(changesDetail(undefined, summary())).toBe(true);
    expect(changesDetail(detail(), summary())).toBe(false);
    expect(changesDetail(detail(), { ...summary(), entry: entry('2026-11-25T10:00:06.000Z', '2/3') })).toBe(false);
    expect(changesDetail(detail(), summary({ status: 'succeeded' }))).toBe(true);
    expect(changesDetail(detail(), summary({ stage: 'catalog' }))).toBe(true);
    expect(changesDetail(detail({ stage: 'merge' }), { ...summary({ stage: 'merge' }), entry: entry('2026-11-25T10:00:06.000Z', 'merged', 'merge') })).toBe(true);
    // A canary check's line: the checks live on the detail only.
    expect(changesDetail(detail({ status: 'analyzing', stage: 'analysis' }), { ...summary({ status: 'analyzing', stage: 'analysis' }), entry: entry('2026-11-25T10:00:07.000Z', 'check 2/3', 'analysis') })).toBe(true);
  });
});

describe('the timeline', () => {
  it('adds the live lines the read did not have, once, oldest first', () => {
    const a = entry('2026-11-25T10:00:01.000Z', 'a');
    const b = entry('2026-11-25T10:00:02.000Z', 'b');
    const c = entry('2026-11-25T10:00:02.000Z', 'c');
    expect(mergeTimeline([a, b], [c, b, a])).toEqual([a, b, c]);
    expect(mergeTimeline([c], [a])).toEqual([a, c]);
  });
});

describe('the history', () => {
  const pages = (...items: DeploymentSummary[][]): InfiniteData<DeploymentList, string | undefined> => ({
    pages: items.map((i, n) => ({ items: i, nextCursor: n < items.length - 1 ? `c${n}` : null })), pageParams: items.map((_, n) => (n ? `c${n - 1}` : undefined)),
  });

  it('moves a deployment in place, wherever its page', () => {
    const other = summary({ id: 'B', updatedAt: '2026-11-25T09:00:00.000Z' });
    const data = pages([summary({ id: 'C' })], [summary(), other]);
    const next = upsertHistory(data, summary({ status: 'succeeded', updatedAt: '2026-11-25T10:00:09.000Z' }), {});
    expect(next!.pages[1]!.items.map((i) => [i.id, i.status])).toEqual([[ID, 'succeeded'], ['B', 'in_progress']]);
    expect(next!.pages[0]).toBe(data.pages[0]);
  });

  it('puts a new one on top when the filters take it, and leaves the list alone otherwise', () => {
    const data = pages([summary()]);
    const fresh = summary({ id: 'NEW', environment: 'prod', createdAt: '2026-11-25T11:00:00.000Z', updatedAt: '2026-11-25T11:00:00.000Z' });
    expect(upsertHistory(data, fresh, {})!.pages[0]!.items.map((i) => i.id)).toEqual(['NEW', ID]);
    expect(upsertHistory(data, { ...fresh, entry: entry('2026-11-25T11:00:00.000Z', 'x') } as DeploymentChange, {})!.pages[0]!.items[0]).not.toHaveProperty('entry');
    expect(upsertHistory(data, fresh, { environment: 'staging' })).toBe(data);
    // A late frame does not set it back.
    expect(upsertHistory(data, summary({ status: 'pending', updatedAt: '2026-11-25T09:59:00.000Z' }), {})).toBe(data);
    expect(upsertHistory(undefined, fresh, {})).toBeUndefined();
  });
});

describe('lock frames', () => {
  it('takes a lock.changed frame\'s data, and nothing shaped otherwise (a deployment\'s summary is not one)', () => {
    expect(asLockChange({ service: 'core-service', environment: 'staging', locked: true, reason: 'migration' })).toEqual({ service: 'core-service', environment: 'staging', locked: true, reason: 'migration' });
    expect(asLockChange({ service: 'core-service', environment: 'staging', locked: false })?.locked).toBe(false);
    expect(asLockChange(summary())).toBeNull();
    expect(asLockChange(null)).toBeNull();
    expect(asDeploymentChange({ service: 'core-service', environment: 'staging', locked: true })).toBeNull();
  });
});
