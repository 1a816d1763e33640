import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakePagerDuty } from '../../../local/fakes/pagerduty-server.ts';
import { failure, startTestServer, type TestServer } from '../../requests/actions/test-server.ts';
import { parsePagerDutyWebhook } from '../pagerduty-events.ts';
import {
  PagerDutyClient, PagerDutyKeyRejectedError, PagerDutyNotConfiguredError, PagerDutyNotFoundError, PagerDutyRateLimitedError, PagerDutyRejectedError, PagerDutyUnavailableError,
} from './pagerduty-rest.ts';

const KEY = 'u+rest-client-key';

let fake: FakePagerDuty;
let receiver: TestServer;
let client: PagerDutyClient;

beforeAll(async () => {
  receiver = await startTestServer();
  receiver.route('POST', '/hooks', () => ({ status: 202 }));
  fake = await FakePagerDuty.start({ apiKey: KEY, webhookSecrets: ['s'], webhookUrl: `${receiver.url}/hooks`, webhookRetryMs: 5 });
  client = new PagerDutyClient({ baseUrl: `${fake.url}/`, apiKey: KEY });
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
});


describe('PagerDutyClient against the local fake PagerDuty', () => {
  it('acknowledges and resolves an incident as the From user, and PagerDuty tells Apollo back by webhook', async () => {
    // Prepare
    const { incident } = fake.trigger();
    await fake.settled();
    receiver.received.length = 0;

    // Act
    const acked = await client.setStatus(incident.id, 'acknowledged', 'dana@example.com');
    const resolved = await client.setStatus(incident.id, 'resolved', 'dana@example.com');
    await fake.settled();

    // Assess
    expect(acked).toEqual({
      id: incident.id,
      number: incident.number,
      title: 'HighErrorRate: core-service error rate above 5% in prod',
      status: 'acknowledged',
      urgency: 'high',
      priority: null,
      htmlUrl: `${fake.url}/#${incident.id}`,
      incidentKey: 'HighErrorRate/core-service/prod',
      serviceId: 'PCORE01',
      serviceSummary: 'core-service (prod)',
      assignees: [{ id: 'PRESP01', summary: 'Local Responder' }],
      partial: false,
    });
    expect(resolved).toMatchObject({ id: incident.id, status: 'resolved', assignees: [] });
    expect(fake.incident(incident.id)).toMatchObject({ status: 'resolved', lastStatusChangeBy: { email: 'dana@example.com' } });
    expect(fake.requests.slice(-2)).toEqual([`PUT /incidents/${incident.id}`, `PUT /incidents/${incident.id}`]);
    expect(receiver.received.map((r) => parsePagerDutyWebhook(JSON.parse(r.body))).map((s) => [s.kind, s.agent?.summary])).toEqual([['acknowledged', 'dana'], ['resolved', 'dana']]);
  });

  it('adds a note and reads the incident', async () => {
    // Prepare
    const { incident } = fake.trigger({ title: 'Latency p99 above 2 s', incidentKey: 'latency/rest-test' });

    // Act
    const note = await client.addNote(incident.id, 'Apollo: rolled back core-service to v41.', 'dana@example.com');
    const read = await client.getIncident(incident.id);

    // Assess
    expect(note).toEqual({ id: expect.stringMatching(/^P/), content: 'Apollo: rolled back core-service to v41.', createdAt: expect.any(String), user: { id: expect.stringMatching(/^PU/), summary: 'dana' } });
    expect(fake.incident(incident.id)!.notes.map((n) => n.content)).toEqual(['Apollo: rolled back core-service to v41.']);
    expect(read).toMatchObject({ id: incident.id, title: 'Latency p99 above 2 s', status: 'triggered', incidentKey: 'latency/rest-test' });
  });

  it('says the API key is rejected on 401 and 403, and that none is configured', async () => {
    const { incident } = fake.trigger({ title: 'Key', incidentKey: 'key/rest-test' });
    const wrong = new PagerDutyClient({ baseUrl: fake.url, apiKey: 'nope', apiKeySource: 'the integration secret pagerduty_api_key' });
    const rejected = await failure(wrong.getIncident(incident.id));
    expect(rejected).toBeInstanceOf(PagerDutyKeyRejectedError);
    expect(rejected).toMatchObject({ code: 'ServiceUnavailable', status: 401, pagerDutyCode: 2006, message: `PagerDuty rejected the API key (the integration secret pagerduty_api_key) for GET /incidents/${incident.id}: 401 Authentication failed` });
    fake.failNext(`/incidents/${incident.id}`, 403, 1, 'PUT');
    expect(await failure(client.setStatus(incident.id, 'acknowledged', 'dana@example.com'))).toMatchObject({ name: 'PagerDutyKeyRejectedError', status: 403 });
    const none = new PagerDutyClient({ baseUrl: fake.url, apiKey: async () => undefined, apiKeySource: 'the integration secret pagerduty_api_key' });
    expect(await failure(none.getIncident(incident.id))).toMatchObject({ name: 'PagerDutyNotConfiguredError', message: 'PagerDuty is not configured: no API key (the integration secret pagerduty_api_key)' });
    expect(await failure(none.getIncident(incident.id))).toBeInstanceOf(PagerDutyNotConfiguredError);
  });

  it('says an incident PagerDuty does not have is not found (404)', async () => {
    const missing = await failure(client.setStatus('QNOSUCHTHING1', 'resolved', 'dana@example.com'));
    expect(missing).toBeInstanceOf(PagerDutyNotFoundError);
    expect(missing).toMatchObject({ code: 'NotFound', status: 404, pagerDutyCode: 2100, message: 'PagerDuty has no incident QNOSUCHTHING1 (Not Found)' });
  });

  it("passes PagerDuty's refusal on (no From user, an incident already resolved) as PagerDutyRejectedError", async () => {
    const { incident } = fake.trigger({ title: 'Refused', incidentKey: 'refused/rest-test' });
    const noFrom = await failure(client.addNote(incident.id, 'x', ''));
    expect(noFrom).toBeInstanceOf(PagerDutyRejectedError);
    expect(noFrom).toMatchObject({ code: 'Unprocessable', status: 400, pagerDutyCode: 1028 });
    fake.resolve(incident.id);
    expect(await failure(client.setStatus(incident.id, 'acknowledged', 'dana@example.com'))).toMatchObject({ status: 400, pagerDutyCode: 2001, errors: ['Incident Already Resolved'], message: `PagerDuty refused PUT /incidents/${incident.id}: 400 Invalid Input Provided: Incident Already Resolved` });
  });

  it('waits out one 429 (Retry-After, or PagerDuty’s ratelimit-reset) and tries again; a second 429 is PagerDutyRateLimitedError', async () => {
    // Prepare
    const { incident } = fake.trigger({ title: 'Busy', incidentKey: 'busy/rest-test' });
    fake.failNext(`/incidents/${incident.id}`, 429, 1, 'GET', { 'retry-after': '1' });

    // Act
    const started = Date.now();
    const read = await client.getIncident(incident.id);
    const waited = Date.now() - started;
    fake.failNext(`/incidents/${incident.id}`, 429, 2, 'PUT', { 'ratelimit-reset': '0' });
    const limited = await failure(client.setStatus(incident.id, 'acknowledged', 'dana@example.com'));
    fake.failNext(`/incidents/${incident.id}`, 429, 1, 'GET', { 'retry-after': '60' });
    const tooLong = await failure(client.getIncident(incident.id));

    // Assess
    expect(read.id).toBe(incident.id);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(limited).toBeInstanceOf(PagerDutyRateLimitedError);
    expect(limited).toMatchObject({ code: 'TooManyRequests', status: 429, retryAfterSeconds: 0 });
    expect(tooLong).toMatchObject({ name: 'PagerDutyRateLimitedError', retryAfterSeconds: 60, message: `PagerDuty is rate limiting Apollo (GET /incidents/${incident.id}): try again in 60 s` });
    expect(fake.incident(incident.id)!.status).toBe('triggered');
    expect(fake.requests.filter((r) => r === `PUT /incidents/${incident.id}`)).toHaveLength(2);
  });

  it('says PagerDuty is unavailable on a 5xx (not retried: a write may have happened), a refused connection or a timeout', async () => {
    const { incident } = fake.trigger({ title: 'Down', incidentKey: 'down/rest-test' });
    fake.failNext(`/incidents/${incident.id}/notes`, 502, 1, 'POST');
    const bad = await failure(client.addNote(incident.id, 'x', 'dana@example.com'));
    expect(bad).toBeInstanceOf(PagerDutyUnavailableError);
    expect(bad).toMatchObject({ code: 'ServiceUnavailable', status: 502 });
    expect(fake.requests.filter((r) => r === `POST /incidents/${incident.id}/notes`)).toHaveLength(1);

    // Nothing listens on a port just freed.
    const spare: Server = createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const port = (spare.address() as AddressInfo).port;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    const refused = await failure(new PagerDutyClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY }).getIncident(incident.id));
    expect(refused).toMatchObject({ name: 'PagerDutyUnavailableError', status: 0, message: `PagerDuty could not be reached (GET /incidents/${incident.id}): connection refused` });

    const slow = await startTestServer();
    slow.route('GET', `/incidents/${incident.id}`, () => ({ status: 200, body: { incident: {} }, delayMs: 500 }));
    const timedOut = await failure(new PagerDutyClient({ baseUrl: slow.url, apiKey: KEY, timeoutMs: 100 }).getIncident(incident.id));
    await slow.close();
    expect(timedOut).toMatchObject({ name: 'PagerDutyUnavailableError', message: `PagerDuty did not answer GET /incidents/${incident.id} within 0.1 s` });
  });

  it('ends a call by its deadline: a slow answer, a 429 whose wait would pass it, and no time left at all', async () => {
    // Prepare: the client's own timeout (10 s) is longer than the deadline; a second 429 would not be waited out in time.
    const { incident } = fake.trigger({ title: 'Deadline', incidentKey: 'deadline/rest-test' });
    const slow = await startTestServer();
    slow.route('PUT', `/incidents/${incident.id}`, () => ({ status: 200, body: { incident: { id: incident.id } }, delayMs: 3_000 }));
    const patient = new PagerDutyClient({ baseUrl: slow.url, apiKey: KEY });

    // Act
    let started = Date.now();
    const timedOut = await failure(patient.setStatus(incident.id, 'acknowledged', 'dana@example.com', { deadline: Date.now() + 300 }));
    const timedOutMs = Date.now() - started;
    await slow.close();
    fake.failNext(`/incidents/${incident.id}`, 429, 1, 'PUT', { 'retry-after': '2' });
    started = Date.now();
    const limited = await failure(client.setStatus(incident.id, 'acknowledged', 'dana@example.com', { deadline: Date.now() + 1_000 }));
    const limitedMs = Date.now() - started;
    const late = await failure(client.addNote(incident.id, 'too late', 'dana@example.com', { deadline: Date.now() - 1 }));

    // Assess
    expect(timedOut).toMatchObject({ name: 'PagerDutyUnavailableError', status: 0, message: `PagerDuty did not answer PUT /incidents/${incident.id} within 0.3 s` });
    expect(timedOutMs).toBeLessThan(1_000);
    expect(limited).toMatchObject({ name: 'PagerDutyRateLimitedError', retryAfterSeconds: 2, message: `PagerDuty is rate limiting Apollo (PUT /incidents/${incident.id}): try again in 2 s` });
    expect(limitedMs).toBeLessThan(500);
    expect(late).toMatchObject({ name: 'PagerDutyUnavailableError', message: `PagerDuty was not asked POST /incidents/${incident.id}/notes: the time Apollo waits for PagerDuty ran out before it` });
    expect(fake.requests.filter((r) => r.endsWith(`/incidents/${incident.id}`) || r.endsWith(`/incidents/${incident.id}/notes`))).toEqual([`PUT /incidents/${incident.id}`]);
    expect(fake.incident(incident.id)!.status).toBe('triggered');
  });

  it('sends exactly the headers and body PagerDuty documents (through an injected fetch)', async () => {
    // Prepare
    const seen: { url: string; init: RequestInit }[] = [];
    const recording: typeof fetch = async (url, init) => {
      seen.push({ url: String(url), init: init! });
      return new Response(JSON.stringify({ incident: { id: 'Q1ABCDEF2GHIJ', incident_number: 7, title: 't', status: 'resolved', urgency: 'low', service: { id: 'PCORE01', summary: 'core-service (prod)' }, assignments: [], priority: { id: 'P', summary: 'P2' } } }), { status: 200, headers: { 'content-type': 'application/json' } });
    };

    // Act
    const result = await new PagerDutyClient({ apiKey: KEY, fetch: recording }).setStatus('Q1ABCDEF2GHIJ', 'resolved', 'dana@example.com');

    // Assess
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('https://api.pagerduty.com/incidents/Q1ABCDEF2GHIJ');
    expect(seen[0]!.init).toMatchObject({
      method: 'PUT',
      headers: { authorization: `Token token=${KEY}`, accept: 'application/vnd.pagerduty+json;version=2', 'content-type': 'application/json', from: 'dana@example.com' },
      body: '{"incident":{"type":"incident_reference","status":"resolved"}}',
    });
    expect(result).toMatchObject({ number: 7, status: 'resolved', urgency: 'low', priority: 'P2' });
  });
});
