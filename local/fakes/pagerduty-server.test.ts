import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../functions/requests/actions/test-server.ts';
import { verifyPagerDutySignature } from '../../functions/incidents/adapters/pagerduty-signature.ts';
import { parsePagerDutyWebhook } from '../../functions/incidents/pagerduty-events.ts';
import { PAGERDUTY_API_URL_ENV } from '../../functions/incidents/adapters/pagerduty-rest.ts';
import { DEMO_TRIGGER, ensurePagerDutySecrets, FAKE_PAGERDUTY_TITLE, FakePagerDuty, PAGERDUTY_API_KEY_SECRET, PAGERDUTY_WEBHOOK_SECRET, startLocalPagerDuty } from './pagerduty-server.ts';

const KEY = 'u+fake-pagerduty-key';
const SECRETS = ['new-hook-secret', 'old-hook-secret'];
const ACCEPT = 'application/vnd.pagerduty+json;version=2';

let fake: FakePagerDuty;
let receiver: TestServer;
let answer = 202;

beforeAll(async () => {
  receiver = await startTestServer();
  receiver.route('POST', '/api/v1/webhooks/pagerduty', () => ({ status: answer, body: { ok: answer < 300 } }));
  fake = await FakePagerDuty.start({ apiKey: KEY, webhookSecrets: SECRETS, webhookUrl: `${receiver.url}/api/v1/webhooks/pagerduty`, webhookRetryMs: 5 });
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
beforeEach(() => {
  answer = 202;
  receiver.received.length = 0;
});

// A JSON answer read loosely: the assertions say its shape.
async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${fake.url}${path}`, { method, headers: { authorization: `Token token=${KEY}`, accept: ACCEPT, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const received = () => receiver.received.map((r) => ({ headers: r.headers, raw: r.body, body: JSON.parse(r.body) as { event: { event_type: string; agent: { id: string; type: string; summary: string } | null; data: Record<string, any> } } })); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the fake PagerDuty webhooks', () => {
  it('triggers the demo alert: a new incident and a signed incident.triggered webhook, as PagerDuty sends it', async () => {
    // Act
    const { incident, deduplicated } = fake.trigger();
    await fake.settled();

    // Assess
    expect(deduplicated).toBe(false);
    expect(incident).toMatchObject({ id: expect.stringMatching(/^Q[0-9A-Z]{12}$/), title: DEMO_TRIGGER.title, status: 'triggered', urgency: 'high', incidentKey: DEMO_TRIGGER.incidentKey, serviceId: 'PCORE01', serviceSummary: 'core-service (prod)' });
    const [got] = received();
    expect(received()).toHaveLength(1);
    expect(got!.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'PagerDuty-Webhook/V3.0', 'x-webhook-id': fake.deliveries.at(-1)!.id, 'x-webhook-subscription': 'PFAKE01' });
    const signatures = String(got!.headers['x-pagerduty-signature']).split(',');
    expect(signatures).toHaveLength(2);
    expect(verifyPagerDutySignature(['new-hook-secret'], got!.raw, signatures[0])).toBe(true);
    expect(verifyPagerDutySignature(['old-hook-secret'], got!.raw, signatures[1])).toBe(true);
    expect(verifyPagerDutySignature(['other'], got!.raw, String(got!.headers['x-pagerduty-signature']))).toBe(false);
    expect(parsePagerDutyWebhook(got!.body)).toEqual({
      eventId: expect.any(String),
      eventType: 'incident.triggered',
      kind: 'triggered',
      occurredAt: expect.any(String),
      incident: { id: incident.id, number: incident.number, title: DEMO_TRIGGER.title, status: 'triggered', urgency: 'high', priority: null, htmlUrl: `${fake.url}/#${incident.id}`, incidentKey: DEMO_TRIGGER.incidentKey, serviceId: 'PCORE01', serviceSummary: 'core-service (prod)', assignees: [{ id: 'PRESP01', summary: 'Local Responder' }], partial: false },
      agent: { id: 'PCORE01', type: 'service_reference', summary: 'core-service (prod)' },
    });
  });

  it('folds an alert with the key of an open incident into it (no new incident, no webhook), and numbers new incidents one up', async () => {
    // Prepare
    const first = fake.trigger({ title: 'DiskFull on db-1', serviceId: 'PDB0001', serviceSummary: 'db (prod)', urgency: 'low', incidentKey: 'DiskFull/db-1' }).incident;
    await fake.settled();
    receiver.received.length = 0;

    // Act
    const again = fake.trigger({ title: 'DiskFull on db-1 (again)', incidentKey: 'DiskFull/db-1' });
    fake.resolve(first.id);
    const after = fake.trigger({ title: 'DiskFull on db-1', incidentKey: 'DiskFull/db-1' });
    await fake.settled();

    // Assess
    expect(again).toEqual({ incident: first, deduplicated: true });
    expect(after.deduplicated).toBe(false);
    expect(after.incident.number).toBe(first.number + 1);
    expect(received().map((r) => r.body.event.event_type)).toEqual(['incident.resolved', 'incident.triggered']);
  });

  it('retries a delivery that got a 5xx or 429 twice with the same X-Webhook-Id, and redelivers on demand', async () => {
    // Prepare
    answer = 503;

    // Act
    const { incident } = fake.trigger({ title: 'Retry me' });
    await fake.settled();
    answer = 202;
    const delivery = fake.deliveries.at(-1)!;
    await fake.redeliver(delivery.id);

    // Assess
    expect(delivery).toMatchObject({ incidentId: incident.id, eventType: 'incident.triggered', attempts: 4, status: 202 });
    expect(receiver.received.map((r) => r.headers['x-webhook-id'])).toEqual([delivery.id, delivery.id, delivery.id, delivery.id]);
  });

  it('gives up on a 4xx at once (PagerDuty drops it)', async () => {
    answer = 400;
    fake.trigger({ title: 'Dropped' });
    await fake.settled();
    expect(fake.deliveries.at(-1)).toMatchObject({ attempts: 1, status: 400 });
  });
});

describe('the fake PagerDuty REST API', () => {
  it('wants the API key as Token token=…, and the v2 Accept header', async () => {
    const { incident } = fake.trigger({ title: 'Auth' });
    expect(await api('GET', `/incidents/${incident.id}`, undefined, { authorization: 'Token token=wrong' })).toMatchObject({ status: 401, body: { error: { message: 'Authentication failed', code: 2006 } } });
    expect((await api('GET', `/incidents/${incident.id}`, undefined, { authorization: `Bearer ${KEY}` })).status).toBe(401);
    expect((await api('GET', `/incidents/${incident.id}`, undefined, { accept: 'application/json' })).status).toBe(406);
    const ok = await api('GET', `/incidents/${incident.id}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-apollo-fake')).toBe('LOCAL FAKE');
  });

  it('acknowledges then resolves through PUT /incidents/{id} as the From user, each with its webhook naming that user', async () => {
    // Prepare
    const { incident } = fake.trigger({ title: 'Ack me' });
    await fake.settled();
    receiver.received.length = 0;
    const put = (status: string, from = 'dana@example.com') => api('PUT', `/incidents/${incident.id}`, { incident: { type: 'incident_reference', status } }, { from });

    // Act
    const ack = await put('acknowledged');
    const reack = await put('acknowledged');
    const resolved = await put('resolved', 'sam@example.com');
    const again = await put('acknowledged');
    const read = await api('GET', `/incidents/${incident.id}`);
    await fake.settled();

    // Assess
    expect(ack.status).toBe(200);
    expect(ack.body.incident).toMatchObject({ id: incident.id, type: 'incident', incident_number: incident.number, status: 'acknowledged', acknowledgements: [{ acknowledger: { type: 'user_reference', summary: 'dana' } }], last_status_change_by: { summary: 'dana' } });
    expect(reack.status).toBe(200);
    expect(resolved.body.incident).toMatchObject({ status: 'resolved', assignments: [], acknowledgements: [], resolved_at: expect.any(String) });
    expect(again).toMatchObject({ status: 400, body: { error: { message: 'Invalid Input Provided', code: 2001, errors: ['Incident Already Resolved'] } } });
    expect(read.body.incident.status).toBe('resolved');
    const events = received().map((r) => parsePagerDutyWebhook(r.body));
    expect(events.map((e) => [e.eventType, e.agent?.summary, e.agent?.type, e.incident?.status])).toEqual([
      ['incident.acknowledged', 'dana', 'user_reference', 'acknowledged'],
      ['incident.resolved', 'sam', 'user_reference', 'resolved'],
    ]);
  });

  it('refuses a write without From (400 as PagerDuty words it), with a malformed From, or with a body it does not take', async () => {
    const { incident } = fake.trigger({ title: 'No From' });
    expect(await api('PUT', `/incidents/${incident.id}`, { incident: { type: 'incident_reference', status: 'acknowledged' } })).toMatchObject({
      status: 400,
      body: { error: { message: 'You must specify a user\'s email address in the "From" header to perform this action', code: 2016 } },
    });
    expect((await api('POST', `/incidents/${incident.id}/notes`, { note: { content: 'x' } }, { from: 'not-an-email' })).body).toEqual({ error: { message: 'Malformed "From" header', code: 1028 } });
    expect((await api('PUT', `/incidents/${incident.id}`, { incident: { status: 'acknowledged' } }, { from: 'dana@example.com' })).status).toBe(400);
    expect((await api('PUT', `/incidents/${incident.id}`, { incident: { type: 'incident_reference', status: 'snoozed' } }, { from: 'dana@example.com' })).status).toBe(400);
    expect((await api('POST', `/incidents/${incident.id}/notes`, { note: { content: ' ' } }, { from: 'dana@example.com' })).status).toBe(400);
    expect(fake.incident(incident.id)!.status).toBe('triggered');
  });

  it('adds and lists notes (201 {note}), each with an incident.annotated webhook carrying its content', async () => {
    // Prepare
    const { incident } = fake.trigger({ title: 'Note me' });
    await fake.settled();
    receiver.received.length = 0;

    // Act
    const created = await api('POST', `/incidents/${incident.id}/notes`, { note: { content: 'Rolled back core-service to v41.' } }, { from: 'dana@example.com' });
    const listed = await api('GET', `/incidents/${incident.id}/notes`);
    await fake.settled();

    // Assess
    expect(created).toMatchObject({ status: 201, body: { note: { id: expect.stringMatching(/^P[0-9A-Z]{6}$/), content: 'Rolled back core-service to v41.', user: { type: 'user_reference', summary: 'dana' }, created_at: expect.any(String) } } });
    expect(listed.body.notes).toEqual([created.body.note]);
    expect(parsePagerDutyWebhook(received()[0]!.body)).toMatchObject({ kind: 'annotated', note: 'Rolled back core-service to v41.', incident: { id: incident.id, partial: true } });
  });

  it('lists incidents by status, key and service, paged; unknown ids are 404 Not Found (2100)', async () => {
    // Prepare
    const a = fake.trigger({ title: 'List A', serviceId: 'PLIST01', incidentKey: 'list-a' }).incident;
    const b = fake.trigger({ title: 'List B', serviceId: 'PLIST01', incidentKey: 'list-b' }).incident;
    fake.acknowledge(b.id);

    // Act
    const byService = await api('GET', '/incidents?service_ids[]=PLIST01&total=true');
    const acked = await api('GET', '/incidents?service_ids[]=PLIST01&statuses[]=acknowledged');
    const byKey = await api('GET', '/incidents?incident_key=list-a');
    const paged = await api('GET', '/incidents?service_ids[]=PLIST01&limit=1');
    const missing = await api('GET', '/incidents/QNOSUCHTHING1');

    // Assess
    expect(byService.body).toMatchObject({ limit: 25, offset: 0, total: 2, more: false });
    expect(byService.body.incidents.map((i: { id: string }) => i.id)).toEqual([a.id, b.id]);
    expect(acked.body.incidents.map((i: { id: string }) => i.id)).toEqual([b.id]);
    expect(byKey.body.incidents.map((i: { id: string }) => i.id)).toEqual([a.id]);
    expect(paged.body).toMatchObject({ limit: 1, total: null, more: true });
    expect(missing).toMatchObject({ status: 404, body: { error: { message: 'Not Found', code: 2100 } } });
  });
});

describe('the fake PagerDuty page', () => {
  it('shows the incidents with a trigger button and ack/resolve forms, and its forms act as the responder (303 back)', async () => {
    // Prepare
    receiver.received.length = 0;

    // Act
    const trigger = await fetch(`${fake.url}/_control/trigger`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: fake.url }, body: 'title=Page+%3Cb%3Ealert%3C%2Fb%3E' });
    const id = trigger.headers.get('location')!.slice(2);
    const html = await (await fetch(`${fake.url}/`)).text();
    const ack = await fetch(`${fake.url}/_control/incidents/${id}/acknowledge`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    const elsewhere = await fetch(`${fake.url}/_control/incidents/${id}/resolve`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, body: '' });
    const resolved = await fetch(`${fake.url}/_control/incidents/${id}/resolve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'pat@example.com' }) });
    const state = await (await fetch(`${fake.url}/_control/state`)).json() as { incidents: { id: string; status: string }[]; deliveries: { eventType: string; incidentId: string }[] };
    await fake.settled();

    // Assess
    expect(trigger.status).toBe(303);
    expect(html).toContain(`<title>${FAKE_PAGERDUTY_TITLE}</title>`);
    expect(html).toContain('LOCAL FAKE');
    expect(html).toContain('Trigger HighErrorRate on core-service');
    expect(html).toContain('Page &lt;b&gt;alert&lt;/b&gt;');
    expect(html).toContain(`action="/_control/incidents/${id}/acknowledge"`);
    expect([ack.status, ack.headers.get('location')]).toEqual([303, `/#${id}`]);
    expect(elsewhere.status).toBe(403);
    expect(resolved.status).toBe(200);
    expect(((await resolved.json()) as { incident: { status: string; last_status_change_by: { summary: string } } }).incident).toMatchObject({ status: 'resolved', last_status_change_by: { summary: 'pat' } });
    expect(state.incidents.find((i) => i.id === id)?.status).toBe('resolved');
    expect(state.deliveries.filter((d) => d.incidentId === id).map((d) => d.eventType)).toEqual(['incident.triggered', 'incident.acknowledged', 'incident.resolved']);
    expect(received().filter((r) => r.body.event.data.id === id).map((r) => [r.body.event.event_type, r.body.event.agent?.summary])).toEqual([
      ['incident.triggered', 'core-service (prod)'], ['incident.acknowledged', 'Local Responder'], ['incident.resolved', 'pat'],
    ]);
  });

  it('triggers the demo alert from JSON, and says so when it was folded into the open one', async () => {
    for (const open of fake.incidents().filter((i) => i.incidentKey === DEMO_TRIGGER.incidentKey && i.status !== 'resolved')) fake.resolve(open.id);
    const first = await fetch(`${fake.url}/_control/trigger`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const second = await fetch(`${fake.url}/_control/trigger`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const a = (await first.json()) as { incident: { id: string; title: string; urgency: string; incident_key: string; service: { id: string; summary: string } }; deduplicated: boolean };
    const b = (await second.json()) as { incident: { id: string }; deduplicated: boolean };
    expect([first.status, a.deduplicated, second.status, b.deduplicated]).toEqual([201, false, 200, true]);
    expect(b.incident.id).toBe(a.incident.id);
    expect(a.incident).toMatchObject({ title: 'HighErrorRate: core-service error rate above 5% in prod', urgency: 'high', incident_key: 'HighErrorRate/core-service/prod', service: { id: 'PCORE01', summary: 'core-service (prod)' } });
  });
});

describe('the local runtime PagerDuty', () => {
  it('keeps its API key and webhook secret in the integration secrets file, points Apollo at itself, and keeps incidents across restarts', async () => {
    // Prepare
    const home = mkdtempSync(join(tmpdir(), 'apollo-pd-'));
    const before = process.env[PAGERDUTY_API_URL_ENV];
    delete process.env[PAGERDUTY_API_URL_ENV];
    try {
      // Act
      const first = (await startLocalPagerDuty(home))!;
      const { incident } = first.trigger();
      await first.close();
      const second = (await startLocalPagerDuty(home))!;
      const secrets = JSON.parse(readFileSync(join(home, 'integration-secrets.json'), 'utf8')) as Record<string, string>;
      const again = await ensurePagerDutySecrets(home);

      // Assess
      expect(process.env[PAGERDUTY_API_URL_ENV]).toBe(second.url);
      expect(secrets[PAGERDUTY_API_KEY_SECRET]).toEqual(again.apiKey);
      expect(again.webhookSecrets).toEqual([secrets[PAGERDUTY_WEBHOOK_SECRET]]);
      expect(second.incident(incident.id)).toMatchObject({ title: DEMO_TRIGGER.title, status: 'triggered' });
      const res = await fetch(`${second.url}/incidents/${incident.id}`, { headers: { authorization: `Token token=${again.apiKey}`, accept: ACCEPT } });
      expect(res.status).toBe(200);
      await second.close();
    } finally {
      if (before === undefined) delete process.env[PAGERDUTY_API_URL_ENV];
      else process.env[PAGERDUTY_API_URL_ENV] = before;
      rmSync(home, { recursive: true, force: true });
    }
  });
});
