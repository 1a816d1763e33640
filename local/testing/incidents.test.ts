/**
 * Incidents over signed HTTP against the local runtime and its LOCAL FAKE PagerDuty: the demo alert arrives as a
 * signed v3 webhook and opens a critical incident on core-service prod with the HighErrorRate runbook, locking
 * prod for deploys (not for rollbacks; an operator may override with a reason); acknowledging and resolving in
 * Apollo go back to PagerDuty; the timeline joins the last deploy by its id; the postmortem is drafted from the
 * facts and edited with If-Match; who may do what; signatures (wrong, rotated, replayed); statistics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, IncidentRunbook, IncidentStats, IncidentTimeline, IncidentList, Postmortem } from '#schemas/index.ts';
import { memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { pagerDutySignature } from '#functions/incidents/adapters/pagerduty-signature';
import { seedDemoData } from '../seed.ts';
import { fetchChecked, startHarness, until, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
});
afterAll(async () => { await h.close(); });

const fake = () => h.runtime.pagerduty!;

/** The Apollo incident PagerDuty's incident became (once its webhook has been answered). */
async function incidentOf(pagerDutyId: string): Promise<Incident> {
  let found: Incident | undefined;
  await until(async () => {
    const { items } = (await h.client('viewer').call<IncidentList>('GET', '/api/v1/incidents', { query: { source: 'pagerduty', limit: 50 } })).body;
    found = items.find((i) => i.pagerduty?.incidentId === pagerDutyId);
    return Boolean(found);
  });
  return found!;
}

let demo: Incident;

describe('an incident from PagerDuty', () => {
  it('opens from the fake\'s signed webhook: critical on core-service prod, its team, the HighErrorRate runbook, prod locked', async () => {
    // Act
    const { incident: pd } = fake().trigger();
    demo = await incidentOf(pd.id);

    // Assess
    expect(demo).toMatchObject({
      title: 'HighErrorRate: core-service error rate above 5% in prod', severity: 'critical', status: 'triggered',
      source: { type: 'pagerduty', alertId: pd.id, alertName: 'HighErrorRate', number: pd.number },
      affectedServices: ['core-service'], affectedEnvironments: ['prod'], team: expect.any(String),
      runbook: { serviceId: 'core-service', trigger: 'HighErrorRate', title: 'High error rate' },
      locks: [{ service: 'core-service', environment: 'prod' }],
      pagerduty: { incidentId: pd.id, serviceId: 'PCORE01' },
      version: 1,
    });
    await fake().settled();
    const delivery = fake().deliveries.find((d) => d.incidentId === pd.id && d.eventType === 'incident.triggered')!;
    expect(JSON.parse(delivery.response)).toEqual({ delivery: delivery.id, duplicate: false, outcome: 'created', incidentId: demo.id });
    const runbook = (await h.client('viewer').call<IncidentRunbook>('GET', `/api/v1/incidents/${demo.id}/runbook`)).body;
    expect(runbook.runbook).toMatchObject({ serviceId: 'core-service', trigger: 'HighErrorRate', content: expect.stringContaining('HighErrorRate') });
  });

  it('answers a redelivery once, and a wrong signature 401', async () => {
    await fake().settled();
    const delivery = fake().deliveries.find((d) => d.incidentId === demo.pagerduty!.incidentId && d.eventType === 'incident.triggered')!;
    const secret = (await memoryIntegrationSecrets.get('pagerduty_webhook_secret'))!;
    const send = (signature: string, id = delivery.id) => fetchChecked(`${h.runtime.url}/api/v1/webhooks/pagerduty`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-id': id, 'x-pagerduty-signature': signature }, body: delivery.body,
    });
    const again = await send(pagerDutySignature(secret, delivery.body));
    expect(await again.json()).toEqual({ delivery: delivery.id, duplicate: true, outcome: 'unchanged', reason: 'this delivery was received before' });
    // Rotating: the old secret's signature beside the new one's; any that matches passes (a new id: not a redelivery).
    const rotated = await send(`${pagerDutySignature('an-old-secret', delivery.body)},${pagerDutySignature(secret, delivery.body)}`, `${delivery.id}-rotated`);
    expect(rotated.status).toBe(200);
    expect(await rotated.json()).toMatchObject({ duplicate: true });
    const wrong = await send(pagerDutySignature('not-the-secret', delivery.body), 'another-id');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe('invalid signature');
    // Signed, but dated past the 7 days a replay is recognised for: refused rather than opened again.
    const event = (JSON.parse(delivery.body) as { event: Record<string, unknown> }).event;
    const stale = JSON.stringify({ event: { ...event, id: `${String(event.id)}-stale`, occurred_at: new Date(Date.now() - 8 * 86_400_000).toISOString() } });
    const late = await fetchChecked(`${h.runtime.url}/api/v1/webhooks/pagerduty`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-id': 'stale-id', 'x-pagerduty-signature': pagerDutySignature(secret, stale) }, body: stale,
    });
    expect(late.status).toBe(401);
    expect(((await late.json()) as { error: { message: string } }).error.message).toMatch(/^stale delivery: it happened at .*, more than 7 days ago/);
  });

  it('locks prod against a deploy, not a rollback; an operator passes it with a reason', async () => {
    const operator = h.client('operator');
    const deploy = await operator.send('POST', '/api/v1/deployments', { body: { service: 'core-service', environment: 'prod', imageTag: '9.9.9', acknowledge: ['dependencies'] } });
    expect(deploy.status).toBe(409);
    expect(JSON.stringify(deploy.body)).toContain(`locked by incident ${demo.id}`);
    const preflight = (await operator.call<{ checks: Array<{ safeguard: string; outcome: string; override?: string; overridden?: string }> }>('POST', '/api/v1/deployments/preflight', {
      body: { operation: 'deploy', service: 'core-service', environment: 'prod', imageTag: '9.9.9', override: { reason: 'the fix for this very incident' }, acknowledge: ['dependencies'] },
    })).body;
    expect(preflight.checks.find((c) => c.safeguard === 'lock')).toMatchObject({ outcome: 'warn', override: 'operator', overridden: 'incident lock overridden by operator@apollo.local: the fix for this very incident' });
    const rollback = await operator.send('POST', '/api/v1/services/core-service/rollback', { body: { environment: 'prod', reason: 'back to the last good version' } });
    expect(rollback.status).toBe(201);
  });

  it('lets a viewer read, a developer comment, and only an operator acknowledge', async () => {
    expect((await h.client('viewer').send('POST', `/api/v1/incidents/${demo.id}/timeline`, { body: { content: 'seen' } })).status).toBe(403);
    expect((await h.client('developer').send('POST', `/api/v1/incidents/${demo.id}/acknowledge`, { body: {} })).status).toBe(403);
    const comment = await h.client('developer').send('POST', `/api/v1/incidents/${demo.id}/timeline`, { body: { content: 'Pool stats show 10/10 active.' } });
    expect(comment.status).toBe(201);
    expect(comment.body).toMatchObject({ type: 'comment', actor: 'developer@apollo.local', content: 'Pool stats show 10/10 active.' });
  });

  it('acknowledges in Apollo and in PagerDuty, as the operator; PagerDuty\'s echo changes nothing', async () => {
    const acked = (await h.client('operator').call<Incident>('POST', `/api/v1/incidents/${demo.id}/acknowledge`, { body: { note: 'looking' } })).body;
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'operator@apollo.local', assignee: expect.any(String), pagerduty: { syncError: null } });
    expect(fake().incident(demo.pagerduty!.incidentId)).toMatchObject({ status: 'acknowledged' });
    await fake().settled();
    const echo = fake().deliveries.find((d) => d.incidentId === demo.pagerduty!.incidentId && d.eventType === 'incident.acknowledged')!;
    expect(JSON.parse(echo.response)).toMatchObject({ outcome: 'unchanged', incidentId: demo.id });
    // Again: no change, no new entry.
    const again = (await h.client('operator').call<Incident>('POST', `/api/v1/incidents/${demo.id}/acknowledge`, { body: {} })).body;
    expect(again.version).toBe((await h.client('viewer').call<Incident>('GET', `/api/v1/incidents/${demo.id}`)).body.version);
  });

  it('joins the timeline: the alert, the changes, the comment, and the deployments of core-service prod by id', async () => {
    const { items, window } = (await h.client('viewer').call<IncidentTimeline>('GET', `/api/v1/incidents/${demo.id}/timeline`)).body;
    expect(Date.parse(window.from)).toBe(Date.parse(demo.createdAt) - 3_600_000);
    const types = items.map((i) => i.type);
    expect(types).toEqual(expect.arrayContaining(['alert', 'status_change', 'comment', 'deployment', 'action']));
    const deployments = items.filter((i) => i.type === 'deployment');
    // The last deployment before it (demo history), and the rollback made during it.
    expect(deployments.some((d) => d.at < demo.createdAt)).toBe(true);
    expect(deployments.some((d) => d.metadata?.operation === 'rollback' && d.at >= demo.createdAt)).toBe(true);
    for (const d of deployments) expect(d.ref).toEqual({ kind: 'deployment', id: expect.any(String), href: `/api/v1/deployments/${d.ref.id}` });
    expect([...items].sort((a, b) => a.at.localeCompare(b.at))).toEqual(items);
  });

  it('resolves: the lock is lifted, PagerDuty resolved; a deploy goes through the lock again', async () => {
    const resolved = (await h.client('operator').call<Incident>('POST', `/api/v1/incidents/${demo.id}/resolve`, { body: { note: 'rolled back' } })).body;
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'operator@apollo.local', locks: [] });
    expect(fake().incident(demo.pagerduty!.incidentId)).toMatchObject({ status: 'resolved' });
    // The note went to PagerDuty too; its annotation webhook coming back adds nothing.
    await fake().settled();
    const annotated = fake().deliveries.filter((d) => d.incidentId === demo.pagerduty!.incidentId && d.eventType === 'incident.annotated');
    // (the acknowledgement's note "looking", then this one)
    expect(annotated.map((d) => (JSON.parse(d.response) as { outcome: string }).outcome)).toEqual(['unchanged', 'unchanged']);
    const { items } = (await h.client('viewer').call<IncidentTimeline>('GET', `/api/v1/incidents/${demo.id}/timeline`)).body;
    expect(items.filter((i) => i.content.includes('rolled back') && i.type === 'comment')).toEqual([]);
    const preflight = (await h.client('operator').call<{ checks: Array<{ safeguard: string; outcome: string }> }>('POST', '/api/v1/deployments/preflight', { body: { operation: 'deploy', service: 'core-service', environment: 'prod', imageTag: '9.9.9' } })).body;
    expect(preflight.checks.find((c) => c.safeguard === 'lock')).toMatchObject({ outcome: 'pass' });
    expect((await h.client('operator').send('POST', `/api/v1/incidents/${demo.id}/acknowledge`, { body: {} })).status).toBe(409);
  });

  it('drafts the postmortem from the facts, then edits it with If-Match (412 when stale)', async () => {
    const operator = h.client('operator');
    const draft = await operator.send('POST', `/api/v1/incidents/${demo.id}/postmortem`, { body: {} });
    expect(draft.status).toBe(201);
    const postmortem = draft.body as Postmortem;
    expect(postmortem).toMatchObject({ incidentId: demo.id, status: 'draft', generatedByAI: false, version: 1, summary: expect.stringContaining('core-service in prod') });
    expect(postmortem.rootCause).toMatch(/^To be confirmed\. The last change before it began: core-service prod /);
    expect(postmortem.timeline.length).toBeGreaterThan(3);
    expect((await operator.send('POST', `/api/v1/incidents/${demo.id}/postmortem`, { body: {} })).status).toBe(409);
    const edited = await operator.send('PUT', `/api/v1/incidents/${demo.id}/postmortem`, { body: { rootCause: 'A connection leak in the report export.', status: 'final' }, headers: { 'if-match': String(draft.headers.get('etag')) } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ rootCause: 'A connection leak in the report export.', status: 'final', version: 2, updatedBy: 'operator@apollo.local' });
    const stale = await operator.send('PUT', `/api/v1/incidents/${demo.id}/postmortem`, { body: { summary: 'x' }, headers: { 'if-match': String(draft.headers.get('etag')) } });
    expect(stale.status).toBe(412);
    expect((await h.client('viewer').call<Incident>('GET', `/api/v1/incidents/${demo.id}`)).body.hasPostmortem).toBe(true);
  });
});

describe('the local demo alert (the Incidents page\'s button)', () => {
  it('fires the fake PagerDuty\'s HighErrorRate on core-service, answering with the incident Apollo opened; again while open: folded into it', async () => {
    const fire = async () => {
      const response = await fetchChecked(`${h.runtime.url}/local/pagerduty/trigger`, { method: 'POST' });
      expect(response.status).toBe(201);
      return await response.json() as { pagerDuty: { id: string }; deduplicated: boolean; apollo: { outcome: string; incidentId: string } | null };
    };
    const first = await fire();
    expect(first).toMatchObject({ deduplicated: false, apollo: { outcome: 'created', incidentId: expect.any(String) } });
    const incident = (await h.client('viewer').call<Incident>('GET', `/api/v1/incidents/${first.apollo!.incidentId}`)).body;
    expect(incident).toMatchObject({ status: 'triggered', severity: 'critical', affectedServices: ['core-service'], pagerduty: { incidentId: first.pagerDuty.id } });
    const again = await fire();
    expect(again).toMatchObject({ deduplicated: true, pagerDuty: { id: first.pagerDuty.id } });
    await h.client('operator').call('POST', `/api/v1/incidents/${incident.id}/resolve`, { body: {} });
  });
});

describe('incidents declared by hand', () => {
  it('refuses an unknown service with its path, and unknown fields', async () => {
    const operator = h.client('operator');
    const unknown = await operator.send('POST', '/api/v1/incidents', { body: { title: 'Broken', severity: 'high', affectedServices: ['core-service', 'no-such-service'] } });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/body/affectedServices/1', message: 'no-such-service is not a registered service' }]);
    expect((await operator.send('POST', '/api/v1/incidents', { body: { title: 'Broken', severity: 'high', affectedServices: ['core-service'], priority: 1 } })).status).toBe(400);
  });

  it('moves along, reopens, and counts in the statistics', async () => {
    const operator = h.client('operator');
    const created = await operator.send('POST', '/api/v1/incidents', { body: { title: 'billing-service: slow invoices', severity: 'medium', affectedServices: ['billing-service'] } });
    expect(created.status).toBe(201);
    const incident = created.body as Incident;
    expect(incident).toMatchObject({ status: 'triggered', source: { type: 'manual' }, locks: [], affectedEnvironments: ['prod'] });
    const moved = await operator.send('PUT', `/api/v1/incidents/${incident.id}`, { body: { status: 'investigating', severity: 'high' }, headers: { 'if-match': created.headers.get('etag')! } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'investigating', severity: 'high', acknowledgedBy: 'operator@apollo.local', investigatingAt: expect.any(String) });
    expect((await operator.send('PUT', `/api/v1/incidents/${incident.id}`, { body: { severity: 'low' }, headers: { 'if-match': created.headers.get('etag')! } })).status).toBe(412);
    await operator.call('POST', `/api/v1/incidents/${incident.id}/resolve`, { body: {} });
    const reopened = (await operator.call<Incident>('POST', `/api/v1/incidents/${incident.id}/reopen`, { body: { note: 'back again' } })).body;
    expect(reopened).toMatchObject({ status: 'triggered', reopenCount: 1, resolvedAt: null });

    const open = (await h.client('viewer').call<IncidentList>('GET', '/api/v1/incidents', { query: { status: 'open', service: 'billing-service' } })).body;
    expect(open.items.map((i) => i.id)).toContain(incident.id);
    const stats = (await h.client('viewer').call<IncidentStats>('GET', '/api/v1/incidents/stats')).body;
    expect(stats.count).toBeGreaterThanOrEqual(2);
    expect(stats.bySeverity.map((b) => b.key)).toEqual(expect.arrayContaining(['critical', 'high']));
    expect(stats.byService.find((b) => b.key === 'core-service')).toMatchObject({ count: expect.any(Number), mttrSeconds: expect.any(Number) });
    expect(stats.perWeek.length).toBeGreaterThanOrEqual(13);
  });
});
