/**
 * Acknowledging or resolving an incident from PagerDuty while PagerDuty misbehaves, over signed HTTP against the
 * local runtime and its LOCAL FAKE PagerDuty: Apollo's change holds and the answer says PagerDuty was not told and
 * why; the whole sync (status and note) ends within APOLLO_PAGERDUTY_SYNC_TIMEOUT_SECONDS, inside the Lambda's
 * timeout; once PagerDuty answers, the same action again tells it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, IncidentTimeline } from '#schemas/index.ts';
import { memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { PagerDutyClient } from '#functions/incidents/adapters/pagerduty-rest';
import { configureIncidents, PAGERDUTY_API_KEY_SECRET, resetIncidentsDeps } from '#functions/incidents/deps';
import { startTestServer } from '../../functions/requests/actions/test-server.ts';
import { seedDemoData } from '../seed.ts';
import { setEnv, startHarness, type Harness } from './harness.ts';

let h: Harness;
let restoreEnv: () => void;
beforeAll(async () => {
  restoreEnv = setEnv({ APOLLO_PAGERDUTY_SYNC_TIMEOUT_SECONDS: '1' });
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
});
afterAll(async () => {
  await h.close();
  restoreEnv();
});

const fake = () => h.runtime.pagerduty!;
let alerts = 0;

/** A new alert from the fake PagerDuty on core-service prod, as Apollo opened it. */
async function opened(): Promise<Incident & { pagerduty: NonNullable<Incident['pagerduty']> }> {
  alerts++;
  const { incident } = fake().trigger({ title: `SyncFault${alerts}: core-service errors`, serviceSummary: 'core-service (prod)', incidentKey: `SyncFault${alerts}/core-service/prod` });
  await fake().settled();
  const delivery = fake().deliveries.find((d) => d.incidentId === incident.id && d.eventType === 'incident.triggered')!;
  const { incidentId } = JSON.parse(delivery.response) as { incidentId: string };
  return (await h.client('viewer').call<Incident>('GET', `/api/v1/incidents/${incidentId}`)).body as Incident & { pagerduty: NonNullable<Incident['pagerduty']> };
}

const apolloActions = async (id: string): Promise<string[]> => (await h.client('viewer').call<IncidentTimeline>('GET', `/api/v1/incidents/${id}/timeline`)).body.items
  .filter((e) => e.type === 'action' && e.actor === 'apollo').map((e) => e.content);

describe('PagerDuty misbehaving while an operator acts', () => {
  it('keeps the acknowledge when PagerDuty fails it, says why, and tells PagerDuty when the operator acknowledges again', async () => {
    // Prepare
    const incident = await opened();
    const pd = incident.pagerduty.incidentId;
    fake().failNext(`/incidents/${pd}`, 503, 1, 'PUT');

    // Act
    const failed = await h.client('operator').call<Incident>('POST', `/api/v1/incidents/${incident.id}/acknowledge`, { body: {} });
    const pagerDutyThen = fake().incident(pd)!.status;
    const again = await h.client('operator').call<Incident>('POST', `/api/v1/incidents/${incident.id}/acknowledge`, { body: {} });

    // Assess
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'operator@apollo.local', pagerduty: { syncError: expect.stringMatching(new RegExp(`^PagerDuty failed PUT /incidents/${pd}: 503`)) } });
    expect(pagerDutyThen).toBe('triggered');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'acknowledged', acknowledgedAt: failed.body.acknowledgedAt, pagerduty: { syncError: null } });
    expect(fake().incident(pd)!.status).toBe('acknowledged');
    expect(await apolloActions(incident.id)).toEqual([
      expect.stringMatching(new RegExp(`^could not acknowledge PagerDuty incident ${pd}: PagerDuty failed PUT`)),
      'acknowledged in PagerDuty as operator@apollo.local',
    ]);
  });

  it('ends the sync within its time, status and note together, saying the status went and the note did not', async () => {
    // Prepare: PagerDuty takes 0.6 s for the status and 5 s for the note; the sync has 1 s in all.
    const incident = await opened();
    const pd = incident.pagerduty.incidentId;
    const slow = await startTestServer();
    slow.route('PUT', `/incidents/${pd}`, () => ({ status: 200, body: { incident: { id: pd, status: 'acknowledged' } }, delayMs: 600 }));
    slow.route('POST', `/incidents/${pd}/notes`, () => ({ status: 201, body: { note: { id: 'PNOTE1', content: 'x' } }, delayMs: 5_000 }));
    configureIncidents({ pagerDuty: new PagerDutyClient({ baseUrl: slow.url, apiKey: async () => memoryIntegrationSecrets.get(PAGERDUTY_API_KEY_SECRET) }) });

    // Act
    const started = Date.now();
    const answer = await h.client('operator').call<Incident>('POST', `/api/v1/incidents/${incident.id}/acknowledge`, { body: { note: 'looking' } }).finally(() => resetIncidentsDeps());
    const took = Date.now() - started;
    await slow.close();

    // Assess
    expect(took).toBeLessThan(2_500);
    expect(answer.body).toMatchObject({ status: 'acknowledged', pagerduty: { syncError: expect.stringMatching(new RegExp(`^the note was not added: PagerDuty did not answer POST /incidents/${pd}/notes within 0\\.\\d s$`)) } });
    expect(await apolloActions(incident.id)).toEqual([expect.stringMatching(/^acknowledged in PagerDuty as operator@apollo\.local, but the note was not added: /)]);
  });
});
