/**
 * JIRA issue events through the local runtime: the LOCAL FAKE JIRA it starts sends them, signed with the
 * integration secret jira_webhook_secret (X-Hub-Signature), to POST /api/v1/webhooks/jira; and the JIRA
 * executor reaches that fake with the runtime's own configuration (APOLLO_JIRA_URL, the egress allowlist,
 * the integration secrets).
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIntegrationSecrets } from '#functions/requests/adapters/local-secrets';
import { IntegrationBreakers } from '#functions/requests/actions/breaker';
import { jiraExecutor } from '#functions/requests/actions/jira';
import { fetchChecked, startHarness, type Harness } from './harness.ts';

let h: Harness;
let secret: string;
let auth: string;
beforeAll(async () => {
  h = await startHarness();
  secret = (await memoryIntegrationSecrets.get('jira_webhook_secret'))!;
  const email = (await memoryIntegrationSecrets.get('jira_email'))!;
  const token = (await memoryIntegrationSecrets.get('jira_api_token'))!;
  auth = `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;
});
afterAll(async () => { await h.close(); });

const hookUrl = () => `${h.runtime.url}/api/v1/webhooks/jira`;

function deliver(body: string, identifier: string, signature: string | null = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`): Promise<Response> {
  return fetchChecked(hookUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-atlassian-webhook-identifier': identifier, ...(signature === null ? {} : { 'x-hub-signature': signature }) },
    body,
  });
}

const issueEvent = (key: string, at = Date.now()) => JSON.stringify({ timestamp: at, webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic', issue: { id: '10001', key, fields: { status: { name: 'Done' } } } });

describe('JIRA webhooks', () => {
  it('reach Apollo from the local fake JIRA, signed; an issue no request waits for is answered 200, not matched', async () => {
    // Prepare
    const fake = h.runtime.jira!;

    // Act
    const created = await fetch(`${fake.url}/rest/api/3/issue`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'not from Apollo' } }),
    });
    const { key } = await created.json() as { key: string };
    fake.addComment(key, 'seen');
    await fake.settled();

    // Assess
    const sent = fake.deliveries.filter((d) => d.key === key);
    expect(sent.map((d) => [d.event, d.status, d.attempts])).toEqual([['jira:issue_created', 200, 1], ['comment_created', 200, 1]]);
    for (const d of sent) {
      expect(JSON.parse(d.response)).toEqual({ delivery: d.identifier, matched: false, woken: false, duplicate: false, reason: `no request waits for ${key}` });
    }
  });

  it('refuses an event with a bad or missing signature (401)', async () => {
    const body = issueEvent('OPS-404');

    const bad = await deliver(body, 'bad-sig', `sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}`);
    const missing = await deliver(body, 'no-sig', null);

    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: { code: 'Unauthorized', message: 'invalid signature', details: [] }, requestId: expect.any(String) });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'Unauthorized', message: 'invalid signature' } });
  });

  it('refuses a signed event dated past the 7 days replays are recognised for (401): its replay could not be told apart', async () => {
    const body = issueEvent('OPS-808', Date.now() - 8 * 86_400_000);

    const stale = await deliver(body, 'stale');

    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { code: 'Unauthorized', message: expect.stringMatching(/^stale delivery: it happened at .*, more than 7 days ago/) } });
  });

  it('refuses a signed delivery from an address outside APOLLO_WEBHOOK_SOURCES_JIRA (403), and takes it from one inside', async () => {
    const body = issueEvent('OPS-505');
    process.env.APOLLO_WEBHOOK_SOURCES_JIRA = '10.0.0.0/8, 192.0.2.7';
    try {
      const outside = await deliver(body, 'from-outside');
      expect(outside.status).toBe(403);
      expect(await outside.json()).toMatchObject({ error: { code: 'Forbidden', message: 'deliveries from 127.0.0.1 are not accepted (APOLLO_WEBHOOK_SOURCES_JIRA)' } });
      process.env.APOLLO_WEBHOOK_SOURCES_JIRA = '127.0.0.0/8';
      expect((await deliver(body, 'from-inside')).status).toBe(200);
    } finally {
      delete process.env.APOLLO_WEBHOOK_SOURCES_JIRA;
    }
  });

  it('answers the same X-Atlassian-Webhook-Identifier twice once: the second is a duplicate', async () => {
    // Prepare
    const body = issueEvent('OPS-777');
    const identifier = `twice-${Date.now()}`;

    // Act
    const first = await deliver(body, identifier);
    const second = await deliver(body, identifier);

    // Assess
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ delivery: identifier, matched: false, woken: false, duplicate: false, reason: 'no request waits for OPS-777' });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ delivery: identifier, matched: false, woken: false, duplicate: true, reason: 'this delivery was received before' });
  });

  it("a redelivery by the fake (JIRA's retry, same identifier) is a duplicate too", async () => {
    // Prepare
    const fake = h.runtime.jira!;
    const [issue] = fake.issues();
    fake.addComment(issue!.key, 'again');
    await fake.settled();
    const delivery = fake.deliveries.at(-1)!;

    // Act
    await fake.redeliver(delivery.identifier);

    // Assess
    expect(delivery.attempts).toBe(2);
    expect(JSON.parse(delivery.response)).toMatchObject({ delivery: delivery.identifier, duplicate: true });
  });
});

describe('the JIRA executor in the local runtime', () => {
  it('opens its ticket in the local fake JIRA with the runtime\'s URL, allowlist and secrets', async () => {
    // Prepare
    const executor = jiraExecutor({ secrets: memoryIntegrationSecrets, breakers: new IntegrationBreakers() });
    const run = {
      requestId: 'req-local-jira',
      action: { id: 'ticket', type: 'jira' as const, config: { project: 'OPS', issueType: 'Task', summary: 'Local ticket for {{request.requester}}' } },
      attempt: 1,
      idempotencyKey: 'req-local-jira/ticket/1',
      variables: { request: { id: 'req-local-jira', requester: 'ada' } },
      timeoutMs: 60_000,
    };

    // Act
    const result = await executor.start(run);
    await h.runtime.jira!.settled();

    // Assess
    expect(result).toMatchObject({ outcome: 'started', ref: { system: 'jira', url: `${h.runtime.jira!.url}/browse/${result.ref?.id}` } });
    expect(h.runtime.jira!.issue(result.ref!.id)!.summary).toBe('Local ticket for ada');
    expect(h.runtime.banner.some((line) => line.startsWith(`JIRA: a LOCAL FAKE JIRA Cloud at ${h.runtime.jira!.url}/`))).toBe(true);
  });
});
