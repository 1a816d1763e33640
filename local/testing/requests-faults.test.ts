/**
 * Requests when what they depend on misbehaves (issue 24, faults), end to end through the local runtime on the real
 * ASL: an action whose target answers 503 with Retry-After waits that long before its next attempt; a step that
 * DynamoDB throttles fails the request saying so; and when even recording that failure is throttled, the failed
 * execution is told to the steps (the local `<machine>-ended` rule) and the request is marked interrupted, not left
 * in progress, and its retry completes it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from '#schemas/index.ts';
import { dynamoClient } from '#lib/table';
import { putVersion } from '../../functions/offerings/adapters/dynamo-store.ts';
import type { OfferingDocument } from '../../functions/offerings/shapes.ts';
import { startHarness, type Harness } from './harness.ts';
import { requestsApi } from './requests-helpers.ts';

let h: Harness;
let target: Server;
let targetUrl = '';
/** The answers the target gives, in order (then 201 `{}`). */
const script: Array<{ status: number; headers?: Record<string, string> }> = [];
const env = { ...process.env };
const { api, submit, reaches } = requestsApi(() => h);

/** How many of each write to throttle next, as DynamoDB answers once the SDK's retries are spent: an attempt's record, a failure's. */
const throttle = { attempts: 0, metaUpdates: 0 };
const THROTTLER = 'requestsFaultsThrottler';

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
  Object.assign(process.env, { APOLLO_FAULTS_TEST_URL: targetUrl, APOLLO_TEMPLATE_ENV: 'APOLLO_FAULTS_TEST_URL', APOLLO_EGRESS_ALLOW: `${targetUrl}/` });
  h = await startHarness();
  await h.client('admin').send('POST', '/api/v1/teams', { body: { id: 'platform', name: 'Platform' } });
  await h.client('admin').send('PUT', '/api/v1/teams/platform/members/developer@apollo.local', { body: {} });
  const source = (id: string) => ({ repo: 'apollo-test/catalog', path: `catalog/${id}.yaml`, sha: `sha-${id}`, ownerTeam: 'platform' });
  await putVersion(offering('faults-retry-after', { maxAttempts: 2, backoff: 'fixed', interval: '1s' }) as unknown as OfferingDocument, source('faults-retry-after'));
  await putVersion(offering('faults-throttled', { maxAttempts: 1 }) as unknown as OfferingDocument, source('faults-throttled'));
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
