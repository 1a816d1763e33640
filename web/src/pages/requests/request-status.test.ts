import { describe, expect, it } from 'vitest';
import {
  ACTION_LABEL, actionsTally, fieldText, formatDuration, isEnded, isLocalFake, isMoving, isUndoing, mayRate, progressText, REQUEST_STATES, requestFiltersFromSearch,
  requestListQuery, scopeFromTabId, scopeTabId, scoreText, searchFromRequestFilters, STATUS_INTENT, STATUS_LABEL, type ActionState,
} from './request-status.ts';

describe('status colours and words', () => {
  it('gives every status a colour: people and undoing amber, work blue, done green, failed red, stopped or removed grey', () => {
    expect(REQUEST_STATES.map((s) => [s, STATUS_INTENT[s]])).toEqual([
      ['submitted', 'none'], ['validating', 'none'], ['awaiting_approval', 'warning'], ['queued', 'primary'], ['in_progress', 'primary'], ['rolling_back', 'warning'],
      ['completed', 'success'], ['failed', 'danger'], ['cancelled', 'none'], ['interrupted', 'warning'], ['deprovisioning', 'warning'], ['deprovisioned', 'none'],
    ]);
    expect(REQUEST_STATES.map((s) => STATUS_LABEL[s])).toEqual([
      'submitted', 'validating', 'awaiting approval', 'queued', 'in progress', 'rolling back', 'completed', 'failed', 'cancelled', 'interrupted', 'deprovisioning', 'deprovisioned',
    ]);
    expect(ACTION_LABEL.rolled_back).toBe('rolled back');
  });

  it('knows which statuses end a run, undo, and move', () => {
    expect(REQUEST_STATES.filter(isEnded)).toEqual(['completed', 'failed', 'cancelled', 'interrupted', 'deprovisioned']);
    expect(REQUEST_STATES.filter(isUndoing)).toEqual(['rolling_back', 'deprovisioning']);
    expect(REQUEST_STATES.filter(isMoving)).toEqual(['queued', 'in_progress', 'rolling_back', 'deprovisioning']);
  });

  it('tallies the actions as the progress bar counts them: a skipped one is no work to do', () => {
    const of = (...statuses: ActionState[]) => actionsTally(statuses.map((status) => ({ status })));
    expect(of('succeeded', 'skipped', 'succeeded')).toBe('2 of 2 done, 1 skipped');
    expect(of('succeeded', 'running', 'skipped')).toBe('1 of 2 done, 1 skipped');
    expect(of('rolled_back', 'failed')).toBe('0 of 2 done, 1 rolled back');
    expect(of('succeeded', 'succeeded', 'pending')).toBe('2 of 3 done');
    expect(of('skipped', 'skipped')).toBe('nothing to do, 2 skipped');
  });

  it('puts the progress bar in words: how far on its way, or how much of its work an ended request did', () => {
    expect(progressText({ status: 'in_progress', progress: 42 })).toBe('42% of the way');
    expect(progressText({ status: 'failed', progress: 0 })).toBe('failed with 0% of its work done');
    expect(progressText({ status: 'cancelled', progress: 67 })).toBe('cancelled with 67% of its work done');
    expect(progressText({ status: 'completed', progress: 95 })).toBe('completed');
    expect(progressText({ status: 'deprovisioned', progress: 100 })).toBe('completed, then deprovisioned');
  });

  it('reads durations', () => {
    expect(formatDuration(840)).toBe('840 ms');
    expect(formatDuration(2400)).toBe('2.4 s');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(undefined)).toBe('—');
  });

  it('shows field values, masked secrets as sent', () => {
    expect(fieldText('••••')).toBe('••••');
    expect(fieldText(300)).toBe('300');
    expect(fieldText(['a', 'b'])).toBe('a, b');
    expect(fieldText({ a: 1 })).toBe('{"a":1}');
    expect(fieldText('')).toBe('—');
  });
});

describe('isLocalFake (an action that called the local runtime serving this page)', () => {
  it('is the same host, or a loopback name on the same port', () => {
    expect(isLocalFake('127.0.0.1:3000', '127.0.0.1:3000')).toBe(true);
    expect(isLocalFake('localhost:3000', '127.0.0.1:3000')).toBe(true);
    expect(isLocalFake('[::1]:3000', 'localhost:3000')).toBe(true);
    expect(isLocalFake('127.0.0.1:4000', '127.0.0.1:3000')).toBe(false);
    expect(isLocalFake('dns.example.com', 'apollo.example.com')).toBe(false);
    expect(isLocalFake('apollo.example.com', 'apollo.example.com')).toBe(true);
    expect(isLocalFake(undefined, '127.0.0.1:3000')).toBe(false);
  });
});

describe('the list in the URL', () => {
  it('round-trips scope and filters, drops what it does not know', () => {
    const filters = { scope: { kind: 'team', team: 'growth' }, status: 'completed', offering: 'dns-record' } as const;
    expect(searchFromRequestFilters(filters)).toBe('?scope=team&team=growth&status=completed&offering=dns-record');
    expect(requestFiltersFromSearch(searchFromRequestFilters(filters))).toEqual(filters);
    expect(requestFiltersFromSearch('')).toEqual({ scope: { kind: 'mine' } });
    expect(requestFiltersFromSearch('?scope=team&status=nope')).toEqual({ scope: { kind: 'mine' } });
    expect(requestFiltersFromSearch('?scope=all')).toEqual({ scope: { kind: 'all' } });
    expect(requestFiltersFromSearch('?status=rolling_back')).toEqual({ scope: { kind: 'mine' }, status: 'rolling_back' });
    expect(searchFromRequestFilters({ scope: { kind: 'mine' } })).toBe('');
  });

  it('asks the API with the scope and filters', () => {
    expect(requestListQuery({ scope: { kind: 'team', team: 'growth' }, status: 'failed' })).toEqual({ scope: 'team', team: 'growth', status: 'failed' });
    expect(requestListQuery({ scope: { kind: 'all' }, offering: 'dns-record' })).toEqual({ scope: 'all', offering: 'dns-record' });
  });

  it('names scope tabs', () => {
    for (const scope of [{ kind: 'mine' }, { kind: 'all' }, { kind: 'team', team: 'growth' }] as const) expect(scopeFromTabId(scopeTabId(scope))).toEqual(scope);
  });
});

describe('rating', () => {
  it('is for the requester alone, once the request completed', () => {
    const request = { requester: 'Dana@apollo.local', status: 'completed' as const };
    expect(mayRate(request, 'dana@apollo.local')).toBe(true);
    expect(mayRate({ ...request, status: 'deprovisioned' }, 'dana@apollo.local')).toBe(true);
    expect(mayRate({ ...request, status: 'in_progress' }, 'dana@apollo.local')).toBe(false);
    expect(mayRate({ ...request, status: 'failed' }, 'dana@apollo.local')).toBe(false);
    expect(mayRate(request, 'operator@apollo.local')).toBe(false);
    expect(mayRate(request, undefined)).toBe(false);
    expect([1, 4, 5].map(scoreText)).toEqual(['1 of 5 (poor)', '4 of 5 (very good)', '5 of 5 (great)']);
  });
});
