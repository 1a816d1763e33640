import { describe, expect, it } from 'vitest';
import type { Request } from '../../../../schemas/types.gen.ts';
import { applyChange, asRequestChange, changesDetail, mergeTimeline, type RequestChange, type TimelineEntry } from './request-live.ts';

const line = (at: string, message: string, over: Partial<TimelineEntry> = {}): TimelineEntry => ({ at: `2026-11-25T10:00:${at}.000Z`, message, severity: 'info', kind: 'log', ...over });

const request: Request = {
  id: '01R', offering: { id: 'dns-record', name: 'DNS record', version: '1.0.0' }, requester: 'dana@apollo.local', team: 'growth', priority: 'normal',
  status: 'awaiting_approval', progress: 0, fulfillment: 'automated', currentAction: null, approvalId: '01A', createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:01.000Z', completedAt: null, eta: null, error: null, fields: {}, note: null, message: 'Waiting for approval',
  actions: [], outputs: {}, timeline: [], nextSteps: [], approval: null,
};

const change = (over: Partial<RequestChange>): RequestChange => ({
  id: '01R', status: 'queued', progress: 0, currentAction: null, eta: null, message: 'Approved', updatedAt: '2026-11-25T10:00:05.000Z', ...over,
});

describe('mergeTimeline', () => {
  it('appends live lines the detail does not have, oldest first, without doubling those it has', () => {
    const base = [line('01', 'submitted'), line('02', 'validated')];
    const live = [line('02', 'validated'), line('04', 'approved'), line('03', 'waiting')];
    expect(mergeTimeline(base, live).map((e) => e.message)).toEqual(['submitted', 'validated', 'waiting', 'approved']);
  });

  it('keeps lines of the same instant in the order they were written', () => {
    const base = [line('01', 'a'), line('01', 'b')];
    expect(mergeTimeline(base, [line('01', 'c'), line('01', 'a')]).map((e) => e.message)).toEqual(['a', 'b', 'c']);
  });

  it('tells lines apart by action and kind, not only by text', () => {
    const merged = mergeTimeline([line('01', 'attempt 1 failed', { action: 'create_record' })], [line('01', 'attempt 1 failed', { action: 'announce' })]);
    expect(merged).toHaveLength(2);
  });
});

describe('applyChange', () => {
  it('updates status, progress, action, ETA and message in place', () => {
    const running = { id: 'create_record', name: 'Create the record', index: 0, attempt: 1 };
    expect(applyChange(request, change({ status: 'in_progress', progress: 50, currentAction: running, eta: '2026-11-25T10:05:00.000Z' }))).toEqual({
      ...request, status: 'in_progress', progress: 50, currentAction: running, eta: '2026-11-25T10:05:00.000Z', message: 'Approved', updatedAt: '2026-11-25T10:00:05.000Z',
    });
  });

  it('ignores a frame older than what the page shows, or of another request', () => {
    expect(applyChange(request, change({ updatedAt: '2026-11-25T10:00:00.500Z' }))).toBe(request);
    expect(applyChange(request, change({ id: '01X' }))).toBe(request);
  });

  it('accepts only frames of this request', () => {
    expect(asRequestChange(change({}), '01R')).not.toBeNull();
    expect(asRequestChange(change({}), '01X')).toBeNull();
    expect(asRequestChange({ id: '01R' }, '01R')).toBeNull();
    expect(asRequestChange(null, '01R')).toBeNull();
  });
});

describe('changesDetail (read the detail again)', () => {
  const running = { id: 'create_record', name: 'Create', index: 0, attempt: 1 };
  it('on a new status, another action or attempt, or an attempt logged', () => {
    expect(changesDetail(request, change({ status: 'queued' }))).toBe(true);
    expect(changesDetail(request, change({ status: 'awaiting_approval' }))).toBe(false);
    const inProgress = { ...request, status: 'in_progress' as const, currentAction: running };
    expect(changesDetail(inProgress, change({ status: 'in_progress', currentAction: running }))).toBe(false);
    expect(changesDetail(inProgress, change({ status: 'in_progress', currentAction: { ...running, attempt: 2 } }))).toBe(true);
    expect(changesDetail(inProgress, change({ status: 'in_progress', currentAction: { ...running, id: 'announce', index: 1 } }))).toBe(true);
    expect(changesDetail(inProgress, change({ status: 'in_progress', currentAction: running, entry: line('05', 'create_record succeeded (201)', { kind: 'action' }) }))).toBe(true);
    expect(changesDetail(undefined, change({}))).toBe(true);
  });
});
