/**
 * Requests when what they depend on misbehaves (issue 24, faults), end to end through the local runtime on the real
 * ASL: an action whose target answers 503 with Retry-After waits that long before its next attempt, and so does a
 * Terraform action whose start Terraform refuses with 429; a Terraform run that ended before a check that came
 * after the action's deadline completes the request; a manual request's ticket JIRA could not open is opened by a
 * later check; a step that DynamoDB throttles fails the request saying so; and when even recording that failure is
 * throttled, the failed execution is told to the steps (the local `<machine>-ended` rule) and the request is marked
 * interrupted, not left in progress, and its retry completes it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from '#schemas/index.ts';
import { dynamoClient } from '#lib/table';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { startHarness, until, type Harness } from './harness.ts';
import { requestsApi } from './requests-helpers.ts';

let h: Harness;
let target: Server;
let targetUrl = '';
/** Before the fake Terraform: refuses the next `refusals` calls with 429 and Retry-After 3, forwards the others. */
let gate: Server;
let gateUrl = '';
const gated = { refusals: 0, calls: [] as number[] };
/** The answers the target gives, in order (then 201 `{}`). */
const script: Array<{ status: number; headers?: Record<string, string> }> = [];
const env = { ...process.env };
const { api, submit, reaches } = requestsApi(() => h);

/** How many of each write to throttle next, as DynamoDB answers once the SDK's retries are spent: an attempt's record, a failure's. */
const throttle = { attempts: 0, metaUpdates: 0 };
const THROTTLER = 'requestsFaultsThrottler';

const terraformOffering = (id: string, action: Record<string, unknown>) => ({
  schemaVersion: '2.0',
  metadata: { id, name: id, description: 'Faults test.', category: 'bench', owner: 'platform', version: '1.0.0' },
  presentation: { fields: [{ id: 'label', type: 'string', label: 'Label' }] },
  fulfillment: { type: 'automated', actions: [{ id: 'provision', name: 'Provision', type: 'terraform', ...action }] },
});

const offering = (id: string, retry: Record<string, unknown>) => ({
  schemaVersion: '2.0',
  metadata: { id, name: id, description: 'Faults test.', category: 'bench', owner: 'platform', version: '1.0.0' },
  presentation: { fields: [{ id: 'label', type: 'string', label: 'Label' }] },
  fulfillment: { type: 'automated', actions: [{ id: 'call', name: 'Call', type: 'rest', retry, config: { method: 'POST', url: '{{env.APOLLO_FAULTS_TEST_URL}}/things', body: { r: '{{request.id}}' } } }] },
});

beforeAll(async () => {
  target = createServer((req, res) => {
    req.resume();
    const next = script.shift() ?? { status: 201 };
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end('{}');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  gate = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      gated.calls.push(Date.now());
      if (gated.refusals > 0) {
        gated.refusals--;
        res.writeHead(429, { 'content-type': 'application/vnd.api+json', 'retry-after': '3' }).end('{"errors":[{"status":"429","title":"Too many requests"}]}');
        return;
      }
      const headers = Object.fromEntries(['authorization', 'content-type', 'accept'].flatMap((name) => (req.headers[name] ? [[name, String(req.headers[name])]] : [])));
      void fetch(`${h.runtime.terraform!.url}${req.url}`, { method: req.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (answer) => { res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer())); });
    });
  });
  await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
  gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
  Object.assign(process.env, { APOLLO_FAULTS_TEST_URL: targetUrl, APOLLO_TEMPLATE_ENV: 'APOLLO_FAULTS_TEST_URL', APOLLO_EGRESS_ALLOW: `${targetUrl}/,${gateUrl}/` });
  h = await startHarness();
  await h.client('admin').send('POST', '/api/v1/teams', { body: { id: 'platform', name: 'Platform' } });
  await h.client('admin').send('PUT', '/api/v1/teams/platform/members/developer@apollo.local', { body: {} });
  const source = (id: string) => ({ repo: 'apollo-test/catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam: 'platform' });
  await putVersion(offering('faults-retry-after', { maxAttempts: 2, backoff: 'fixed', interval: '1s' }) as unknown as OfferingDocument, source('faults-retry-after'));
  await putVersion(offering('faults-throttled', { maxAttempts: 1 }) as unknown as OfferingDocument, source('faults-throttled'));
  // The gate's host stands for a Terraform Enterprise address (the catalog's schema wants https; the gate is loopback).
  await putVersion(terraformOffering('faults-terraform-busy', { timeout: '30s', retry: { maxAttempts: 2, backoff: 'fixed', interval: '1s' }, config: { host: gateUrl, organization: 'faults', workspace: 'faults-busy' } }) as unknown as OfferingDocument, source('faults-terraform-busy'));
  await putVersion(terraformOffering('faults-terraform-late', { timeout: '2s', config: { organization: 'faults', workspace: 'faults-late' } }) as unknown as OfferingDocument, source('faults-terraform-late'));
  await putVersion({
    schemaVersion: '2.0',
    metadata: { id: 'faults-jira-manual', name: 'faults-jira-manual', description: 'Faults test.', category: 'bench', owner: 'platform', version: '1.0.0' },
    presentation: { fields: [{ id: 'label', type: 'string', label: 'Label' }] },
    fulfillment: { type: 'manual', jira: { project: 'OPS', issueType: 'Task', summary: 'Faults {{fields.label}}' } },
  } as unknown as OfferingDocument, source('faults-jira-manual'));
  // Before the SDK's retries: what throws here is what a handler sees once they are spent.
  dynamoClient.middlewareStack.add((next, context) => async (args) => {
    const input = JSON.stringify((args as { input?: unknown }).input ?? {});
    if (context.commandName === 'PutItemCommand' && input.includes('ACT#') && throttle.attempts > 0) {
      throttle.attempts--;
      throw new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: {} });
    }
    if (context.commandName === 'UpdateItemCommand' && input.includes('"failed"') && throttle.metaUpdates > 0) {
      throttle.metaUpdates--;
      throw new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: {} });
    }
    return next(args);
  }, { step: 'initialize', name: THROTTLER });
}, 60_000);

afterAll(async () => {
  dynamoClient.middlewareStack.remove(THROTTLER);
  await h.close();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
  gate.closeAllConnections();
  await new Promise((resolve) => gate.close(resolve));
  for (const name of ['APOLLO_FAULTS_TEST_URL', 'APOLLO_TEMPLATE_ENV', 'APOLLO_EGRESS_ALLOW']) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
});

describe('requests under faults', () => {
  it('waits what the target\'s Retry-After says before the next attempt, longer than the policy\'s 1 s', async () => {
    // Prepare
    script.push({ status: 503, headers: { 'retry-after': '3' } });

    // Act
    const id = await submit('faults-retry-after', { label: 'retry-after' });
    const done = await reaches(id, ['completed', 'failed'], 20_000);

    // Assess
    expect(done.status, done.error?.message).toBe('completed');
    const [first, second] = done.actions[0]!.attempts;
    expect(Date.parse(second!.startedAt) - Date.parse(first!.endedAt!)).toBeGreaterThanOrEqual(2_900);
    expect(done.timeline.map((e) => e.message)).toContain(`Call: attempt 1 failed (POST ${targetUrl}/things answered 503: {}; retry after 3 s (Retry-After)); retrying in 3 s`);
  }, 30_000);

  it("waits what Terraform's Retry-After says when it refuses a start (429), longer than the policy's 1 s", async () => {
    // Prepare
    gated.refusals = 1;
    gated.calls.length = 0;

    // Act
    const id = await submit('faults-terraform-busy', { label: 'busy' });
    const done = await reaches(id, ['completed', 'failed'], 30_000);

    // Assess
    expect(done.status, done.error?.message).toBe('completed');
    expect(gated.calls[1]! - gated.calls[0]!).toBeGreaterThanOrEqual(2_900);
    expect(done.timeline.map((e) => e.message)).toContain('Provision: attempt 1 did not start (Terraform (reading workspace faults/faults-busy) answered 429: {"errors":[{"status":"429","title":"Too many requests"}]}; retry after 3 s (Retry-After))');
  }, 40_000);

  it("completes a Terraform action whose run ended before a check that came after the action's deadline (Terraform is asked first)", async () => {
    // Prepare: no notification wakes the wait (no public URL), so the first check is the 15 s poll, after the 2 s deadline.
    const publicUrl = process.env.APOLLO_PUBLIC_URL;
    delete process.env.APOLLO_PUBLIC_URL;

    try {
      // Act
      const id = await submit('faults-terraform-late', { label: 'late' });
      const done = await reaches(id, ['completed', 'failed'], 30_000);

      // Assess
      expect(done.status, done.error?.message).toBe('completed');
      expect(done.actions[0]!.attempts).toHaveLength(1);
      expect(h.runtime.terraform!.listRuns('faults-late').map((r) => r.status)).toEqual(['applied']);
    } finally {
      process.env.APOLLO_PUBLIC_URL = publicUrl;
    }
  }, 40_000);

  it("opens a manual request's ticket JIRA could not open (503) at a later check, once, saying so meanwhile", async () => {
    // Prepare
    const jira = h.runtime.jira!;
    jira.failNext('/rest/api/3/search/jql', 503, 1, 'POST');

    // Act
    const id = await submit('faults-jira-manual', { label: 'later' });
    let opened = (await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body;
    await until(async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      opened = (await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body;
      return !!opened.manual?.ticket;
    }, 15_000);

    // Assess
    expect(opened.status).toBe('in_progress');
    expect(opened.timeline.map((e) => e.message)).toContainEqual(expect.stringMatching(/^the JIRA ticket could not be created \(JIRA \(.*\) \(search for the ticket by its idempotency label\) answered 503: .*\): trying again in 5 s; meanwhile a person ends the request from its page$/));
    expect(jira.issues().filter((i) => i.summary === 'Faults later').map((i) => i.key)).toEqual([opened.manual!.ticket!.key]);
  }, 30_000);

  it('fails a request whose step DynamoDB throttles, saying so', async () => {
    throttle.attempts = 1;
    const id = await submit('faults-throttled', { label: 'throttled' });
    const failed = await reaches(id, ['failed', 'completed', 'interrupted'], 20_000);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toBe('an internal error stopped the fulfilment (AWS is throttling Apollo\'s requests (ProvisionedThroughputExceededException); retry the request)');
  }, 30_000);

  it('marks a request interrupted when even its failure cannot be recorded, and its retry completes it', async () => {
    // Prepare: the attempt's record and then the failure's are throttled; the execution fails.
    throttle.attempts = 1;
    throttle.metaUpdates = 1;

    // Act
    const id = await submit('faults-throttled', { label: 'interrupted' });
    const interrupted = await reaches(id, ['interrupted', 'failed', 'completed'], 20_000);
    const retried = await api('developer', 'POST', `/api/v1/requests/${id}/retry`, { confirm: true });
    const done = await reaches(id, ['completed', 'failed'], 20_000);

    // Assess
    expect(interrupted.status, interrupted.timeline.map((e) => e.message).join(' | ')).toBe('interrupted');
    expect(interrupted.timeline.at(-1)?.message).toMatch(/^interrupted: its run was lost while it was (queued|in progress) \(its execution \w+ ended failed\)/);
    expect(retried.status).toBe(200);
    expect((done as Request).status).toBe('completed');
  }, 40_000);
});
