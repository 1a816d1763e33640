import { describe, expect, it } from 'vitest';
import type { Incident, IncidentList } from '../../../../schemas/types.gen.ts';
import {
  actionsFor, affectedTargets, applyListChange, asIncidentChange, asListChange, asPostmortemChange, entryLink, filtersFromSearch, formatSeconds, incidentViewFromSearch,
  incidentWindow, locksText, newerIncident, observabilityHref, pickTarget, searchFromFilters, searchFromIncidentView, severityRows, statusBy, weekRows,
} from './incident-rules.ts';

const incident = (over: Partial<Incident> = {}): Incident => ({
  id: '01JINCIDENT', title: 'core-service: checkout errors', description: '', severity: 'critical', status: 'triggered',
  source: { type: 'pagerduty', alertName: 'HighErrorRate', url: 'https://acme.pagerduty.com/incidents/Q1', number: 42 },
  affectedServices: ['core-service'], affectedEnvironments: ['prod'], assignee: null, team: 'platform', runbook: null,
  locks: [{ service: 'core-service', environment: 'prod' }], createdAt: '2026-12-05T06:00:00.000Z', createdBy: 'pagerduty',
  updatedAt: '2026-12-05T06:00:00.000Z', version: 1, acknowledgedAt: null, acknowledgedBy: null, investigatingAt: null,
  resolvedAt: null, resolvedBy: null, reopenedAt: null, reopenCount: 0, hasPostmortem: false, ...over,
});

describe('the list\'s filters in the URL', () => {
  it('are read, written back in a fixed order, and keep the URL\'s other parameters', () => {
    const filters = filtersFromSearch('?source=pagerduty&team=platform&service=core-service&severity=critical&status=open&x=1');
    expect(filters).toEqual({ status: 'open', severity: 'critical', service: 'core-service', team: 'platform', source: 'pagerduty' });
    expect(searchFromFilters(filters)).toBe('?status=open&severity=critical&service=core-service&team=platform&source=pagerduty');
    expect(searchFromFilters({ status: 'resolved' }, '?x=1&status=open')).toBe('?x=1&status=resolved');
    expect(searchFromFilters({})).toBe('');
  });

  it('drop what the API would refuse', () => {
    expect(filtersFromSearch('?status=closed&severity=sev1&service=Core Service&source=email&team=')).toEqual({});
  });
});

describe('which actions a status and a role allow', () => {
  const operator = ['incidents:read', 'incidents:comment', 'incidents:manage'];
  it('move an incident forward only, and reopen a resolved one', () => {
    expect(actionsFor('triggered', operator).actions).toEqual(['acknowledge', 'investigate', 'resolve']);
    expect(actionsFor('acknowledged', operator).actions).toEqual(['investigate', 'resolve']);
    expect(actionsFor('investigating', operator).actions).toEqual(['resolve']);
    expect(actionsFor('resolved', operator).actions).toEqual(['reopen']);
  });

  it('are none without incidents:manage, and say why', () => {
    expect(actionsFor('triggered', ['incidents:read', 'incidents:comment'])).toEqual({ actions: [], why: expect.stringContaining('incidents:manage') });
  });
});

describe('an incident as the page says it', () => {
  it('names who moved it to its status, and when', () => {
    expect(statusBy(incident())).toEqual({ by: 'pagerduty', at: '2026-12-05T06:00:00.000Z' });
    expect(statusBy(incident({ status: 'acknowledged', acknowledgedBy: 'op@apollo.local', acknowledgedAt: '2026-12-05T06:05:00.000Z' }))).toEqual({ by: 'op@apollo.local', at: '2026-12-05T06:05:00.000Z' });
    expect(statusBy(incident({ status: 'resolved', resolvedBy: 'op@apollo.local', resolvedAt: '2026-12-05T07:00:00.000Z' }))).toEqual({ by: 'op@apollo.local', at: '2026-12-05T07:00:00.000Z' });
    expect(statusBy(incident({ reopenedAt: '2026-12-05T08:00:00.000Z', reopenCount: 1 }))).toEqual({ by: null, at: '2026-12-05T08:00:00.000Z' });
  });

  it('says the locks as people read them', () => {
    expect(locksText([{ service: 'core-service', environment: 'prod' }])).toEqual(['prod of core-service locked for deploys']);
    expect(locksText([{ service: 'core-service', environment: 'prod' }, { service: 'core-service', environment: 'staging' }, { service: 'payments', environment: 'prod' }]))
      .toEqual(['prod and staging of core-service locked for deploys', 'prod of payments locked for deploys']);
    expect(locksText([])).toEqual([]);
  });
});

describe('a timeline entry\'s link', () => {
  it('opens a deployment\'s or a request\'s page, an alert in its own console, and nothing for the incident itself', () => {
    expect(entryLink({ ref: { kind: 'deployment', id: '01JDEPLOY', href: '/api/v1/deployments/01JDEPLOY' } })).toEqual({ to: '/deployments/01JDEPLOY', external: false, label: 'Open the deployment' });
    expect(entryLink({ ref: { kind: 'request', id: 'r/1' } })).toEqual({ to: '/requests/r%2F1', external: false, label: 'Open the request' });
    expect(entryLink({ ref: { kind: 'secret', id: 'apollo/prod/core-service/db-password', href: '/api/v1/secrets/prod/core-service/db-password' } })).toEqual({ to: '/secrets/prod/core-service/db-password', external: false, label: 'Open the secret' });
    expect(entryLink({ ref: { kind: 'secret', id: 'not-apollo' } })).toBeNull();
    expect(entryLink({ ref: { kind: 'alert', id: 'Q1', url: 'https://acme.pagerduty.com/incidents/Q1' } })).toEqual({ to: 'https://acme.pagerduty.com/incidents/Q1', external: true, label: 'Open the alert' });
    expect(entryLink({ ref: { kind: 'alert', id: 'Q1', url: 'javascript:alert(1)' } })).toBeNull();
    expect(entryLink({ ref: { kind: 'timeline-entry', id: 'e1', href: '/api/v1/incidents/01JINCIDENT/timeline' } })).toBeNull();
  });
});

describe('the affected services\' metrics and logs', () => {
  it('are read from an hour before it began (as the timeline) to its resolution, or until now while open', () => {
    expect(incidentWindow(incident())).toEqual({ from: '2026-12-05T05:00:00.000Z' });
    expect(incidentWindow(incident({ status: 'resolved', resolvedAt: '2026-12-05T07:15:00.000Z' }))).toEqual({ from: '2026-12-05T05:00:00.000Z', to: '2026-12-05T07:15:00.000Z' });
    // Reopened: resolvedAt was cleared, and it is open again.
    expect(incidentWindow(incident({ status: 'triggered', resolvedAt: null }))).toEqual({ from: '2026-12-05T05:00:00.000Z' });
  });

  it('are each affected service in each affected environment it has', () => {
    const two = incident({ affectedServices: ['core-service', 'payments'], affectedEnvironments: ['prod', 'staging'] });
    expect(affectedTargets(two).map((t) => `${t.service}.${t.environment}`)).toEqual(['core-service.prod', 'core-service.staging', 'payments.prod', 'payments.staging']);
    const envs: Record<string, string[]> = { 'core-service': ['dev', 'staging', 'prod'], payments: ['prod'] };
    expect(affectedTargets(two, (s) => envs[s]).map((t) => `${t.service}.${t.environment}`)).toEqual(['core-service.prod', 'core-service.staging', 'payments.prod']);
    const targets = affectedTargets(two);
    expect(pickTarget(targets, 'payments.prod')).toEqual({ service: 'payments', environment: 'prod' });
    expect(pickTarget(targets, 'nope.prod')).toEqual({ service: 'core-service', environment: 'prod' });
    expect(pickTarget([], undefined)).toBeUndefined();
  });

  it('link to /observability with the same service, environment, view and window', () => {
    const target = { service: 'core-service', environment: 'prod' };
    expect(observabilityHref(target, { from: '2026-12-05T05:30:00.000Z', to: '2026-12-05T07:15:00.000Z' }, 'metrics'))
      .toBe('/observability?service=core-service&environment=prod&view=metrics&from=2026-12-05T05%3A30%3A00.000Z&to=2026-12-05T07%3A15%3A00.000Z');
    expect(observabilityHref(target, { from: '2026-12-05T05:30:00.000Z' }, 'logs')).toBe('/observability?service=core-service&environment=prod&from=2026-12-05T05%3A30%3A00.000Z');
  });

  it('the page\'s tab and target are in its URL', () => {
    expect(incidentViewFromSearch('?tab=metrics&target=core-service.prod')).toEqual({ tab: 'metrics', target: 'core-service.prod' });
    expect(incidentViewFromSearch('?tab=secrets')).toEqual({ tab: 'timeline' });
    expect(searchFromIncidentView({ tab: 'logs', target: 'core-service.prod' })).toBe('?tab=logs&target=core-service.prod');
    expect(searchFromIncidentView({ tab: 'postmortem', target: 'core-service.prod' })).toBe('?tab=postmortem');
    expect(searchFromIncidentView({ tab: 'timeline' })).toBe('');
  });
});

describe('live frames', () => {
  const page = (items: Incident[]) => ({ pages: [{ items, nextCursor: null } as IncidentList], pageParams: [undefined] });

  it('the list\'s change moves a loaded incident in place; one not loaded leaves the pages as they are', () => {
    const data = page([incident(), incident({ id: 'other' })]);
    const change = asListChange({ id: '01JINCIDENT', status: 'acknowledged', severity: 'high', affectedServices: ['core-service'], title: 'renamed' })!;
    const next = applyListChange(data, change);
    expect(next.pages[0]!.items[0]).toMatchObject({ status: 'acknowledged', severity: 'high', title: 'renamed' });
    expect(next.pages[0]!.items[1]).toBe(data.pages[0]!.items[1]);
    expect(applyListChange(data, { ...change, id: 'new' })).toBe(data);
    expect(asListChange({ id: 'x', status: 'closed', severity: 'high' })).toBeNull();
    expect(asListChange('nonsense')).toBeNull();
  });

  it('an incident\'s change is the incident and its new entries (or one entry), for this incident only', () => {
    const entry = { id: 'e1', at: '2026-12-05T06:05:00.000Z', type: 'comment', actor: 'dev@apollo.local', content: 'looking', ref: { kind: 'timeline-entry', id: 'e1' } };
    expect(asIncidentChange({ incident: incident({ version: 2 }), entries: [entry] }, '01JINCIDENT')).toEqual({ incident: incident({ version: 2 }), entries: [entry] });
    expect(asIncidentChange({ ...incident({ version: 2 }), entry }, '01JINCIDENT')).toEqual({ incident: incident({ version: 2 }), entries: [entry] });
    expect(asIncidentChange({ incident: incident(), entries: [] }, 'another')).toBeNull();
    expect(asIncidentChange(null, '01JINCIDENT')).toBeNull();
  });

  it('a postmortem\'s frame is its version and status; an incident\'s frame is not one', () => {
    expect(asPostmortemChange({ postmortem: { version: 3, status: 'final' } })).toEqual({ version: 3, status: 'final' });
    expect(asPostmortemChange({ incident: incident(), entries: [] })).toBeNull();
    expect(asPostmortemChange({ postmortem: { version: '3', status: 'final' } })).toBeNull();
    expect(asIncidentChange({ postmortem: { version: 3, status: 'final' } }, '01JINCIDENT')).toBeNull();
  });

  it('a late frame does not undo a newer read', () => {
    const newer = incident({ version: 3, status: 'investigating' });
    expect(newerIncident(newer, incident({ version: 2 }))).toBe(newer);
    expect(newerIncident(incident({ version: 2 }), newer)).toBe(newer);
    expect(newerIncident(undefined, newer)).toBe(newer);
  });
});

describe('MTTA and MTTR shaped for the charts', () => {
  it('weeks oldest first with MTTR in minutes; none resolved is a gap, not zero', () => {
    const rows = weekRows([
      { weekStart: '2026-11-30T00:00:00.000Z', count: 3, mttrSeconds: 5400 },
      { weekStart: '2026-11-23T00:00:00.000Z', count: 1, mttrSeconds: null },
    ]);
    expect(rows.map((r) => [r.weekStart.slice(0, 10), r.count, r.mttrMinutes])).toEqual([['2026-11-23', 1, null], ['2026-11-30', 3, 90]]);
  });

  it('every severity, most severe first', () => {
    const rows = severityRows([{ key: 'low', count: 2, mttaSeconds: 60, mttrSeconds: 600 }, { key: 'critical', count: 1, mttaSeconds: 30, mttrSeconds: 1800 }]);
    expect(rows.map((r) => [r.key, r.count])).toEqual([['critical', 1], ['high', 0], ['medium', 0], ['low', 2]]);
  });

  it('durations as people read them', () => {
    expect([formatSeconds(null), formatSeconds(42), formatSeconds(600), formatSeconds(5400), formatSeconds(3 * 86_400)]).toEqual(['—', '42 s', '10 min', '1.5 h', '3 days']);
  });
});
