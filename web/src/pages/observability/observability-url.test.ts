import { describe, expect, it } from 'vitest';
import { changeState, defaultEnvironment, insightsQueryOf, rangeOf, searchFromState, serviceSearchOf, serviceTabFromSearch, stateFromSearch, traceHref, windowKey, windowOf } from './observability-url.ts';

describe('observability URL state', () => {
  it('reads the state from the URL and writes it back in a fixed order, defaults left out', () => {
    const state = stateFromSearch('?q=HikariCP&level=error&environment=prod&service=core-service&view=metrics&range=6h&trace=1-abc-def');
    expect(state).toEqual({ service: 'core-service', environment: 'prod', range: '6h', view: 'metrics', level: 'ERROR', q: 'HikariCP', trace: '1-abc-def' });
    expect(searchFromState(state)).toBe('?service=core-service&environment=prod&range=6h&view=metrics&level=ERROR&q=HikariCP&trace=1-abc-def');
    expect(searchFromState(stateFromSearch(''))).toBe('');
  });

  it('falls back on what it does not understand', () => {
    expect(stateFromSearch('?service=Not A Slug&range=2y&view=graphs&level=LOUD&trace=<script>')).toEqual({ range: '1h', view: 'logs' });
  });

  it('a new service forgets the environment and the open trace; emptied fields are dropped', () => {
    const state = stateFromSearch('?service=core-service&environment=prod&trace=abc&q=x');
    expect(changeState(state, { service: 'payments' })).toEqual({ service: 'payments', range: '1h', view: 'logs', q: 'x' });
    expect(changeState(state, { q: '' })).toEqual({ service: 'core-service', environment: 'prod', range: '1h', view: 'logs', trace: 'abc' });
    expect(changeState(state, { service: 'payments', environment: 'staging' }).environment).toBe('staging');
  });

  it('the range ends now', () => {
    const now = Date.parse('2026-12-05T06:00:00Z');
    expect(rangeOf('15m', now)).toEqual({ from: '2026-12-05T05:45:00.000Z', to: '2026-12-05T06:00:00.000Z', fromMs: now - 900_000, toMs: now });
  });

  it('shows prod first, then staging, dev, else the first by name', () => {
    expect(defaultEnvironment(['dev', 'staging', 'prod'])).toBe('prod');
    expect(defaultEnvironment(['dev', 'staging'])).toBe('staging');
    expect(defaultEnvironment(['qa', 'perf'])).toBe('perf');
    expect(defaultEnvironment([])).toBeUndefined();
  });
});

describe('the service page\'s Logs and Metrics tabs in the URL', () => {
  it('name the tab first and keep the observability state without the service (the page is the service\'s)', () => {
    const state = stateFromSearch('?service=core-service&environment=prod&range=6h&level=ERROR&q=HikariCP&trace=abc');
    expect(serviceSearchOf('logs', state)).toBe('?tab=logs&environment=prod&range=6h&level=ERROR&q=HikariCP');
    expect(serviceSearchOf('metrics', stateFromSearch(''))).toBe('?tab=metrics');
    expect(serviceSearchOf('overview', state)).toBe('');
    expect(serviceTabFromSearch('?tab=logs&environment=prod')).toBe('logs');
    expect(serviceTabFromSearch('?tab=secrets')).toBe('overview');
  });

  it('a log line\'s trace opens on the Observability page\'s Traces view', () => {
    const state = stateFromSearch('?service=core-service&environment=prod&q=HikariCP&level=ERROR');
    expect(traceHref(state, '1-5f-abc')).toBe('/observability?service=core-service&environment=prod&view=traces&trace=1-5f-abc');
  });
});

describe('a CloudWatch deep link\'s query', () => {
  it('carries the level and every word of the text filter, regex characters escaped', () => {
    expect(insightsQueryOf({ level: 'ERROR', q: 'HikariPool-1 a.b' }))
      .toBe('fields @timestamp, @message | filter @message like /ERROR/ | filter @message like /HikariPool-1/ | filter @message like /a\\.b/ | sort @timestamp desc | limit 200');
    expect(insightsQueryOf({})).toBe('fields @timestamp, @message | sort @timestamp desc | limit 200');
  });
});

describe('a fixed window (an incident\'s) instead of the range', () => {
  it('is read from the URL, written back and kept by the service page\'s tabs and a trace link', () => {
    const state = stateFromSearch('?service=core-service&environment=prod&from=2026-12-05T05:30:00Z&to=2026-12-05T07:00:00.000Z');
    expect(state).toEqual({ service: 'core-service', environment: 'prod', range: '1h', view: 'logs', from: '2026-12-05T05:30:00.000Z', to: '2026-12-05T07:00:00.000Z' });
    expect(searchFromState(state)).toBe('?service=core-service&environment=prod&from=2026-12-05T05%3A30%3A00.000Z&to=2026-12-05T07%3A00%3A00.000Z');
    expect(serviceSearchOf('metrics', state)).toBe('?tab=metrics&environment=prod&from=2026-12-05T05%3A30%3A00.000Z&to=2026-12-05T07%3A00%3A00.000Z');
    expect(traceHref(state, 'abc')).toContain('from=2026-12-05T05%3A30%3A00.000Z');
  });

  it('may be open-ended (an incident still open): it ends now', () => {
    const now = Date.parse('2026-12-05T08:00:00Z');
    const state = stateFromSearch('?from=2026-12-05T05:30:00Z');
    expect(state.to).toBeUndefined();
    expect(windowOf(state, now)).toEqual({ from: '2026-12-05T05:30:00.000Z', to: '2026-12-05T08:00:00.000Z', fromMs: Date.parse('2026-12-05T05:30:00Z'), toMs: now });
    expect(windowKey(state)).toBe('2026-12-05T05:30:00.000Z..now');
    expect(windowKey(stateFromSearch('?range=6h'))).toBe('6h');
  });

  it('is dropped when it makes no sense, and when a range is picked', () => {
    expect(stateFromSearch('?from=yesterday').from).toBeUndefined();
    expect(stateFromSearch('?from=2026-12-05T07:00:00Z&to=2026-12-05T06:00:00Z').from).toBeUndefined();
    expect(stateFromSearch('?to=2026-12-05T06:00:00Z').to).toBeUndefined();
    const state = stateFromSearch('?service=core-service&from=2026-12-05T05:30:00Z&to=2026-12-05T07:00:00Z');
    expect(changeState(state, { range: '6h' })).toEqual({ service: 'core-service', range: '6h', view: 'logs' });
    expect(changeState(state, { q: 'timeout' }).from).toBe('2026-12-05T05:30:00.000Z');
    expect(windowOf(stateFromSearch('?range=15m'), Date.parse('2026-12-05T06:00:00Z'))).toEqual(rangeOf('15m', Date.parse('2026-12-05T06:00:00Z')));
  });
});
