import { describe, expect, it } from 'vitest';
import { changeState, defaultEnvironment, insightsQueryOf, rangeOf, searchFromState, serviceSearchOf, serviceTabFromSearch, stateFromSearch, traceHref } from './observability-url.ts';

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
