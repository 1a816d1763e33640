/**
 * What the local runtime does at start about work a crash cut off (found by `npm run reliability`'s crash group,
 * which kills `npm start` for real): each context's start-up sweep, run here against what a crash leaves behind.
 * - a deployment whose execution is gone ends failed saying it was interrupted, its environment free: the same tag
 *   deployed again succeeds, finding Git already says so (no second commit);
 * - an AI turn a session says runs ends (an Interrupted error frame, then end), its transcript kept, and the session
 *   takes the next message (it answered 409 "is answering" for good);
 * - a discovery sync still `running` ends failed saying so, and a new sync is a new run (it joined the dead one);
 * - an audit intent still pending gets the errorCode Interrupted (its outcome was never recorded).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AiSession, AiSessionDetail, AuditEntry, Deployment, DiscoveryJob, DiscoverySyncAccepted } from '#schemas/index.ts';
import { auditLog } from '#lib/audit-log';
import { DESCRIPTORS } from '#functions/contexts';
import { endInterruptedTurns } from '../../functions/ai/interrupted.ts';
import { beginTurn, keepFrame } from '../../functions/ai/records.ts';
import { explainInterruptedIntents } from '../../functions/audit/interrupted.ts';
import { markInterruptedDeployments } from '../../functions/deployments/interrupted.ts';
import { createJob, discoveryRuns } from '../../functions/services/discovery-jobs.ts';
import { invokeJob } from '../scheduler.ts';
import { seedDemoData } from '../seed.ts';
import { deploymentApi } from './deployment-api.ts';
import { setEnv, startHarness, until, type Harness } from './harness.ts';
import { startLocalWorkflows, type LocalWorkflows } from '../workflows.ts';

let h: Harness;
/** The executions after the "restart" (the runtime's own were closed with everything they ran). */
let restarted: LocalWorkflows | undefined;
// Two pods rolled one every 3 s: the rollout is under way when its execution is stopped; one quick canary check after.
const ENV = { APOLLO_DEPLOY_POLL_SECONDS: '1', APOLLO_ARGOCD_SIM_POD_MS: '3000', APOLLO_CANARY_INTERVAL_S: '1', APOLLO_CANARY_ITERATIONS: '1' };
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  restoreEnv = setEnv(ENV);
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
});
afterAll(async () => {
  await restarted?.close();
  await h?.close();
  restoreEnv?.();
});

const { api, reaches, get } = deploymentApi(() => h);

it('a deployment whose execution was lost mid-rollout ends interrupted, frees its environment, and deploying the tag again succeeds without a second commit', async () => {
  // Prepare: a deployment rolling out; then its execution is gone as a restart loses it (the engines closed, nothing
  // told, and new ones started).
  const created = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v7.7.7', reason: 'crash recovery test' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await until(async () => (await get(created.body.id)).stage === 'rollout', 20_000);
  await h.runtime.workflows.close();
  restarted = startLocalWorkflows(DESCRIPTORS);
  expect((await get(created.body.id)).status).toBe('in_progress');
  const refused = await api('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v7.7.7' });
  expect(refused.status).toBe(409);

  // Act
  const marked = await markInterruptedDeployments();

  // Assess: ended saying so, the environment free; the same tag again finds Git says so already and runs to its end.
  expect(marked).toBe(1);
  const ended = await get(created.body.id);
  expect(ended).toMatchObject({ status: 'failed', error: expect.stringMatching(/^interrupted: .*Git holds v7\.7\.7 since [0-9a-f]{7}\. Deploy v7\.7\.7 again to finish it$/) });
  expect(ended.timeline.at(-1)!.message).toMatch(/^failed at rollout: interrupted/);
  const again = await api<Deployment>('developer', 'POST', '/api/v1/deployments', { service: 'core-service', environment: 'staging', imageTag: 'v7.7.7' });
  expect(again.status, JSON.stringify(again.body)).toBe(201);
  const done = await reaches(again.body.id, ['succeeded'], 40_000);
  expect(done.timeline.map((l) => l.message)).toContain(`apps/core-service/staging/values.yaml already says so: nothing to commit (at ${ended.gitCommit!.slice(0, 7)})`);
  expect(await markInterruptedDeployments()).toBe(0);
}, 90_000);

it('an AI turn left running by a crash is ended with its transcript kept, and the session takes the next message', async () => {
  // Prepare: a session whose turn began (its question kept) and whose runner is gone.
  const session = (await h.client('developer').call<AiSession>('POST', '/api/v1/ai/sessions', { body: { title: 'crash' } })).body;
  const turnId = '01J000000000000000000TURN1';
  const { firstSeq } = await beginTurn(session.id, turnId, 200, new Date().toISOString());
  await keepFrame(session.id, { type: 'user', turnId, seq: firstSeq, at: new Date().toISOString(), text: 'why is it slow?', by: session.owner });
  const busy = await h.client('developer').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'hello?' } });
  expect(busy.status).toBe(409);

  // Act
  expect(await endInterruptedTurns()).toBe(1);

  // Assess
  const detail = (await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
  expect(detail.turn.status).toBe('idle');
  expect(detail.transcript.map((f) => f.type)).toEqual(['user', 'error', 'end']);
  expect(detail.transcript[1]).toMatchObject({ type: 'error', code: 'Interrupted', retryable: true, turnId });
  expect(detail.transcript[2]).toMatchObject({ type: 'end', stopReason: 'error', turnId });
  const next = await h.client('developer').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'hello?' } });
  expect(next.status, JSON.stringify(next.body)).toBe(202);
  await until(async () => (await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body.turn.status === 'idle');
  expect(await endInterruptedTurns()).toBe(0);
});

it('a discovery sync left running by a crash ends interrupted, and a new sync is a new run', async () => {
  // Prepare: a sync that began and whose runner is gone.
  const job = await createJob({ trigger: 'manual', org: 'apollo-demo', requestedBy: 'admin@apollo.local' });
  await discoveryRuns.save({ ...job, status: 'running', startedAt: new Date().toISOString() });

  // Act
  const lost = await discoveryRuns.markInterrupted('Apollo restarted');

  // Assess
  expect(lost.map((j) => j.id)).toEqual([job.id]);
  const read = (await h.client('admin').call<DiscoveryJob>('GET', `/api/v1/discovery/jobs/${job.id}`)).body;
  expect(read).toMatchObject({ status: 'failed', error: 'interrupted: its run was lost part-way (Apollo restarted); start it again', finishedAt: expect.any(String) });
  const next = (await h.client('admin').call<DiscoverySyncAccepted>('POST', '/api/v1/discovery/sync', { body: {} })).body.job;
  expect(next.id).not.toBe(job.id);
  await until(async () => !['queued', 'running'].includes((await h.client('admin').call<DiscoveryJob>('GET', `/api/v1/discovery/jobs/${next.id}`)).body.status), 20_000);
});

it('an audit intent left pending by a crash is marked Interrupted; one with its outcome is left as it is', async () => {
  // Prepare
  const intent = { actor: 'alice@apollo.local', actorType: 'user', action: 'teams.create', resourceType: 'team', resourceId: 'crash', requestId: 'r-crash' } as const;
  const cut = await auditLog.recordIntent(intent);
  const whole = await auditLog.recordIntent({ ...intent, requestId: 'r-whole' });
  await auditLog.recordOutcome(whole, { outcome: 'succeeded', statusCode: 201 });

  // Act
  const marked = await explainInterruptedIntents();

  // Assess
  expect(marked).toBe(1);
  const read = async (id: string) => (await h.client('admin').call<AuditEntry>('GET', `/api/v1/audit/${id}`)).body;
  expect(await read(cut)).toMatchObject({ outcome: 'pending', errorCode: 'Interrupted' });
  expect(await read(whole)).toMatchObject({ outcome: 'succeeded', statusCode: 201 });
  expect((await read(whole)).errorCode).toBeUndefined();
  expect(await explainInterruptedIntents()).toBe(0);
});

it('in AWS the audit-sweep job marks the intents pending 20 minutes after they were written, and leaves younger ones to finish', async () => {
  // Prepare: two intents whose Lambda never wrote their outcome (the sweep's clock is moved on instead of waiting).
  const intent = { actor: 'alice@apollo.local', actorType: 'user', action: 'teams.create', resourceType: 'team', resourceId: 'timeout', requestId: 'r-timeout' } as const;
  const first = await auditLog.recordIntent(intent);
  const second = await auditLog.recordIntent({ ...intent, requestId: 'r-timeout-2' });
  const read = async (id: string) => (await h.client('admin').call<AuditEntry>('GET', `/api/v1/audit/${id}`)).body;

  // Act
  const now = (await invokeJob('audit-sweep')) as { marked: number };
  const tenMinutesOn = await explainInterruptedIntents(new Date(Date.now() + 10 * 60_000), 20 * 60_000);
  const stillYoung = (await read(first)).errorCode;
  const twentyFiveMinutesOn = await explainInterruptedIntents(new Date(Date.now() + 25 * 60_000), 20 * 60_000);

  // Assess
  expect([now.marked, tenMinutesOn, stillYoung]).toEqual([0, 0, undefined]);
  expect(twentyFiveMinutesOn).toBe(2);
  expect(await read(first)).toMatchObject({ outcome: 'pending', errorCode: 'Interrupted' });
  expect(await read(second)).toMatchObject({ outcome: 'pending', errorCode: 'Interrupted' });
});
