/**
 * The AI console's changes over signed HTTP and a real WebSocket through the local runtime (issue 19): a new user
 * is in the sandbox; once an admin lifts it, `scale prod core-service 4` proposes a pending action bound to the
 * exact call, nothing runs until the operator approves it, it then runs once through the deployments API as them
 * (the record says ai, the audit names the session); the same call again needs a new approval; the model's
 * "approval" in text runs nothing; a developer's prod change is refused; the model's pull request opens on the fake
 * GitHub only after approval; budgets stop a turn and refuse the next with when they reset; the rate limit; replay.
 */
import { ENDED } from '../../functions/deployments/records.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AiAction, AiFrame, AiMessageAccepted, AiReplay, AiSession, AiSessionDetail, AiUser, AiUserList, AuditList, Deployment, DeploymentList } from '#schemas/index.ts';
import { AnthropicModel } from '#functions/ai/adapters/anthropic-model';
import { readModelConfig } from '#functions/ai/adapters/model-config';
import { resetAiConfig } from '#functions/ai/config';
import { configureAi } from '#functions/ai/deps';
import { rollbackTarget } from '#functions/deployments/public';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '#lib/table';
import { FakeAnthropic } from '../fakes/anthropic-server.ts';
import { DEMO_CORE_SERVICE_APPLICATION_YML } from '../fakes/demo-github.ts';
import { seedDemoData } from '../seed.ts';
import { endStaleTurns } from '../../functions/ai/interrupted.ts';
import { beginTurn } from '../../functions/ai/records.ts';
import { invokeJob } from '../scheduler.ts';
import { startHarness, subscribe, until, type Harness } from './harness.ts';

let h: Harness;
let fake: FakeAnthropic;
const OPERATOR = 'operator@apollo.local';
const DEVELOPER = 'developer@apollo.local';

beforeAll(async () => {
  // Many messages a minute here; the rate limit's own test sets it low.
  process.env.APOLLO_AI_TURNS_PER_MINUTE = '600';
  resetAiConfig();
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  fake = await FakeAnthropic.start({ apiKey: 'test-key', deltaDelayMs: 1 });
  // core-service belongs to platform: the developer joins it, so a pull request on it is theirs to open.
  expect((await h.client('admin').send('PUT', '/api/v1/teams/platform/members/developer@apollo.local', { body: {} })).status).toBe(201);
});
afterAll(async () => {
  delete process.env.APOLLO_AI_TURNS_PER_MINUTE;
  resetAiConfig();
  await fake.close();
  await h.close();
});
beforeEach(() => {
  configureAi({ model: undefined });
});

const aiFrames = (frames: ReadonlyArray<{ type: string; event?: string; data?: unknown }>): AiFrame[] =>
  frames.filter((f) => f.type === 'event' && f.event === 'ai.frame').map((f) => f.data as AiFrame);
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

function withModel(): void {
  configureAi({ model: AnthropicModel.fromConfig(readModelConfig({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, APOLLO_AI_MODEL: 'claude-test' })!) });
}

async function openSession(role: 'developer' | 'operator', target: Record<string, string> = { service: 'core-service', environment: 'prod' }): Promise<AiSession> {
  const res = await h.client(role).call<AiSession>('POST', '/api/v1/ai/sessions', { body: { target } });
  expect(res.status).toBe(201);
  return res.body;
}

/** Sends a message and waits for its turn's end; answers the turn's frames. */
async function turn(role: 'developer' | 'operator', session: AiSession, text: string): Promise<AiFrame[]> {
  const { ws, frames } = await subscribe(h, role, `ai:${session.id}`);
  try {
    const sent = await h.client(role).call<AiMessageAccepted>('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    await until(() => aiFrames(frames as never).some((f) => f.type === 'end' && f.turnId === sent.body.turnId), 20_000);
    return aiFrames(frames as never).filter((f) => f.turnId === sent.body.turnId);
  } finally {
    ws.close();
  }
}

const pendingOf = (frames: AiFrame[]): AiAction => (frames.find((f) => f.type === 'action') as Extract<AiFrame, { type: 'action' }>).action;

async function scales(): Promise<DeploymentList['items']> {
  const res = await h.client('admin').call<DeploymentList>('GET', '/api/v1/deployments/history', { query: { service: 'core-service', environment: 'prod', operation: 'scale', limit: 50 } });
  expect(res.status).toBe(200);
  return res.body.items;
}

async function setSandbox(principal: string, enabled: boolean): Promise<void> {
  const res = await h.client('admin').call<AiUser>('PUT', `/api/v1/ai/users/${encodeURIComponent(principal)}/sandbox`, { body: { enabled, reason: enabled ? 'back to read-only' : 'trained on the console' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.sandbox).toMatchObject({ enabled, changedBy: 'admin@apollo.local' });
}

describe('the sandbox', () => {
  it('keeps a new user read-only: scale prod is refused and nothing is proposed; only ai:admin lifts it', async () => {
    const me = await h.client('operator').call<AiUser>('GET', `/api/v1/ai/users/${encodeURIComponent(OPERATOR)}`);
    expect(me.body).toMatchObject({ principal: OPERATOR, sandbox: { enabled: true, changedBy: null }, today: { turns: expect.any(Number) }, budgets: { turnsPerMinute: expect.any(Number) } });
    expect((await h.client('developer').send('GET', `/api/v1/ai/users/${encodeURIComponent(OPERATOR)}`)).status).toBe(404);
    expect((await h.client('operator').send('PUT', `/api/v1/ai/users/${encodeURIComponent(OPERATOR)}/sandbox`, { body: { enabled: false, reason: 'lift my own' } })).status).toBe(403);

    const session = await openSession('operator');
    const frames = await turn('operator', session, 'scale prod core-service 4');
    expect(frames.find((f) => f.type === 'tool_call' && f.name === 'scale_service')).toMatchObject({ status: 'refused', reason: expect.stringContaining('sandbox') });
    expect(frames.some((f) => f.type === 'action')).toBe(false);
    expect((await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body.actions).toEqual([]);
  });

  it('answers 404 for a principal who is not a person of the directory, and keeps no standing for them', async () => {
    // Act
    const unknown = await h.client('admin').send('PUT', '/api/v1/ai/users/not-an-email/sandbox', { body: { enabled: false, reason: 'a typo' } });
    const person = await h.client('admin').call<AiUser>('PUT', `/api/v1/ai/users/${encodeURIComponent('dana@apollo.local')}/sandbox`, { body: { enabled: true, reason: 'stays read-only' } });

    // Assess
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.body)).toMatchObject({ code: 'NotFound', message: 'not-an-email is not a person of the directory, nor has an AI session' });
    expect((unknown.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/path/principal', message: 'no such person' }]);
    // Nothing was kept: its standing is the default one.
    expect((await h.client('admin').call<AiUser>('GET', '/api/v1/ai/users/not-an-email')).body.sandbox).toEqual({ enabled: true, changedBy: null, changedAt: null });
    // A person of the directory who never used the console is one an admin may set.
    expect(person.status).toBe(200);
    expect(person.body).toMatchObject({ principal: 'dana@apollo.local', sandbox: { enabled: true, changedBy: 'admin@apollo.local', reason: 'stays read-only' } });
  });
});

describe('scale prod core-service 4, approved by the operator', () => {
  let session: AiSession;
  let action: AiAction;

  it('proposes a pending action bound to the call, and nothing runs', async () => {
    await setSandbox(OPERATOR, false);
    const before = await scales();
    session = await openSession('operator');
    const frames = await turn('operator', session, 'scale prod core-service 4');

    action = pendingOf(frames);
    expect(action).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{64}$/), status: 'pending', tool: 'scale_service', arguments: { service: 'core-service', environment: 'prod', replicas: 4 },
      risk: 'prod_mutation', route: 'POST /api/v1/services/{id}/scale', permission: 'deployments:create:prod', origin: 'command', requestedBy: OPERATOR, result: null,
      summary: 'Scale core-service in prod to 4 replicas',
    });
    expect(frames.find((f) => f.type === 'tool_call' && f.name === 'scale_service')).toMatchObject({ status: 'pending_approval', actionId: action.id });
    expect(JSON.stringify(frames.find((f) => f.type === 'findings'))).toContain('waiting for your click on Approve');
    expect(frames.at(-1)).toMatchObject({ type: 'end', stopReason: 'approval_required' });
    expect((await scales()).length).toBe(before.length);
    const detail = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.actions).toEqual([action]);
    expect(detail.pendingActions).toBe(1);
    // The list shows it too.
    const mine = (await h.client('operator').call<{ items: AiSession[] }>('GET', '/api/v1/ai/sessions')).body;
    expect(mine.items.find((s) => s.id === session.id)!.pendingActions).toBe(1);
  });

  it('is not approvable by someone else who cannot see the session, nor through a message', async () => {
    expect((await h.client('developer').send('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: action.id } })).status).toBe(404);
    // The owner typing "approve" is a question for the model (none here): nothing runs.
    await turn('operator', session, `approve ${action.id}`);
    const detail = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.actions[0]!.status).toBe('pending');
  });

  it('runs once when the operator approves: a deployment record made through the API as the operator, by the AI', async () => {
    const before = await scales();
    const { ws, frames } = await subscribe(h, 'operator', `ai:${session.id}`);
    const res = await h.client('operator').call<AiAction>('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: action.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await h.client('operator').call<{ items: AiSession[] }>('GET', '/api/v1/ai/sessions')).body.items.find((s) => s.id === session.id)!.pendingActions).toBe(0);
    expect(res.body).toMatchObject({ id: action.id, status: 'executed', decidedBy: OPERATOR, result: { ok: true, statusCode: 201, resource: { type: 'deployment', href: expect.stringMatching(/^\/deployments\//) } } });
    const deploymentId = res.body.result!.resource!.id;
    const after = await scales();
    expect(after.length).toBe(before.length + 1);
    const record = (await h.client('operator').call<Deployment>('GET', `/api/v1/deployments/${deploymentId}`)).body;
    expect(record).toMatchObject({ id: deploymentId, operation: 'scale', service: 'core-service', environment: 'prod', replicas: 4, initiatedBy: OPERATOR, initiatedVia: 'ai' });
    await until(() => aiFrames(frames as never).some((f) => f.type === 'action' && f.action.status === 'executed'));
    ws.close();
    // The route's own audit entry says an AI session acted, on the operator's behalf.
    const audit = (await h.client('admin').call<AuditList>('GET', '/api/v1/audit', { query: { actor: OPERATOR, limit: 100 } })).body;
    expect(audit.items.find((e) => e.action === 'deployments.scale' && e.aiSessionId === session.id)).toMatchObject({ actorType: 'ai', outcome: 'succeeded' });

    // Single use: approving (or rejecting) it again changes nothing.
    const again = await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: action.id } });
    expect(again.status).toBe(409);
    expect(errorOf(again.body).message).toContain('used once');
    expect((await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/reject`, { body: { actionId: action.id } })).status).toBe(409);
    expect((await scales()).length).toBe(after.length);
    // Production's own gate holds the scale for another operator; cancel it so the environment is free again.
    expect(record.approval).toMatchObject({ required: true });
    expect(res.body.result!.message).toContain("waits for another operator's approval");
    expect((await h.client('operator').send('POST', `/api/v1/deployments/${deploymentId}/cancel`, { body: { reason: 'test: free the environment' } })).status).toBe(200);
  });

  it('proposes nothing while a safeguard blocks the change, and says which', async () => {
    const running = await h.client('admin').call<Deployment>('POST', '/api/v1/services/core-service/scale', { body: { environment: 'prod', replicas: 6, reason: 'test: a deployment running' } });
    const frames = await turn('operator', session, 'scale prod core-service 5');
    expect(frames.some((f) => f.type === 'action')).toBe(false);
    expect(JSON.stringify(frames.find((f) => f.type === 'findings'))).toContain('Not proposed');
    expect((await h.client('admin').send('POST', `/api/v1/deployments/${running.body.id}/cancel`, { body: { reason: 'test: done' } })).status).toBe(200);
  });

  it('needs a new approval for the same call proposed again, and a rejected one never runs', async () => {
    const before = await scales();
    const frames = await turn('operator', session, 'scale prod core-service 4');
    const second = pendingOf(frames);
    expect(second.id).not.toBe(action.id);
    expect(second.arguments).toEqual(action.arguments);
    const res = await h.client('operator').call<AiAction>('POST', `/api/v1/ai/sessions/${session.id}/reject`, { body: { actionId: second.id, note: 'not now' } });
    expect(res.body).toMatchObject({ status: 'rejected', decidedBy: OPERATOR, note: 'not now', result: null });
    expect((await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: second.id } })).status).toBe(409);
    expect((await scales()).length).toBe(before.length);
  });

  it('runs a typed non-production scale at once (the approval table lets it through), still as a deployment record', async () => {
    const staging = await openSession('operator', { service: 'core-service', environment: 'staging' });
    const frames = await turn('operator', staging, 'scale staging core-service 3');
    const done = frames.filter((f) => f.type === 'action').map((f) => (f as Extract<AiFrame, { type: 'action' }>).action).at(-1)!;
    // Nobody approved it: the note says why it ran.
    expect(done).toMatchObject({ status: 'executed', risk: 'safe_mutation', origin: 'command', decidedBy: null, note: expect.stringContaining('typed by operator@apollo.local'), result: { ok: true, resource: { type: 'deployment' } } });
    expect(frames.at(-1)).toMatchObject({ type: 'end', stopReason: 'end_turn' });
    const replay = (await h.client('operator').call<AiReplay>('GET', '/api/v1/ai/audit', { query: { sessionId: staging.id } })).body;
    expect(replay.items.find((i) => i.kind === 'action')).toMatchObject({ status: 'approval_not_required', decidedAt: null, note: expect.stringContaining('typed by operator@apollo.local') });
    expect(replay.items.find((i) => i.kind === 'action')!.by).toBeUndefined();
  });

  it('refuses an approval after the action expired, and says to ask again', async () => {
    const frames = await turn('operator', session, 'scale prod core-service 4');
    const late = pendingOf(frames);
    await db.send(new UpdateCommand({ TableName: tableName(), Key: { PK: `AI#${session.id}`, SK: `ACTION#${late.id}` }, UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': '2026-01-01T00:00:00.000Z' } }));
    const detail = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.actions.find((a) => a.id === late.id)!.status).toBe('expired');
    const res = await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: late.id } });
    expect(res.status).toBe(409);
    expect(errorOf(res.body).message).toMatch(/expired at .*ask for it again/);
  });

  it('replays the messages, calls, decisions and results in order, and the actions as they stand', async () => {
    const replay = (await h.client('operator').call<AiReplay>('GET', '/api/v1/ai/audit', { query: { sessionId: session.id } })).body;
    expect(replay.items.map((i) => i.seq)).toEqual([...replay.items.map((i) => i.seq)].sort((a, b) => a - b));
    // What happened to scale_service, in order: proposed; the typed "approve" a mere message; approved by the operator
    // (the button), run; blocked by a running deployment (a read, no proposal); proposed again and rejected; proposed, expired.
    const story = replay.items.flatMap((i) => {
      if (i.kind === 'message') return [`message: ${i.text}`];
      if (i.name !== 'scale_service') return [];
      if (i.kind === 'tool_call') return [`call: ${i.status} ${JSON.stringify(i.arguments)}`];
      if (i.kind === 'action') return [`decision: ${i.status} by ${i.by}${i.note ? ` (${i.note})` : ''}`];
      return [`result: ${i.ok ? 'ok' : 'failed'}`];
    });
    expect(story).toEqual([
      'message: scale prod core-service 4',
      'call: pending_approval {"service":"core-service","environment":"prod","replicas":4}',
      `message: approve ${action.id}`,
      `decision: approved by ${OPERATOR}`,
      'result: ok',
      'message: scale prod core-service 5',
      'message: scale prod core-service 4',
      'call: pending_approval {"service":"core-service","environment":"prod","replicas":4}',
      `decision: rejected by ${OPERATOR} (not now)`,
      'message: scale prod core-service 4',
      'call: pending_approval {"service":"core-service","environment":"prod","replicas":4}',
    ]);
    expect(replay.items.find((i) => i.kind === 'action')).toMatchObject({ actionId: action.id, summary: 'Scale core-service in prod to 4 replicas', decidedAt: expect.any(String) });
    expect(replay.items.find((i) => i.kind === 'tool_result' && i.name === 'scale_service')).toMatchObject({ preview: expect.stringMatching(/deployment \w+ created/) });
    expect(replay.actions.map((a) => a.status)).toEqual(['executed', 'rejected', 'expired']);
    // Anyone's with audit:read; nobody else's.
    expect((await h.client('admin').call<AiReplay>('GET', '/api/v1/ai/audit', { query: { sessionId: session.id } })).body.items).toEqual(replay.items);
    expect((await h.client('developer').send('GET', '/api/v1/ai/audit', { query: { sessionId: session.id } })).status).toBe(404);
  });
});

describe('with the fake model', () => {
  it('holds the model\'s prod scale for approval; its "approval" in text runs nothing', async () => {
    withModel();
    const before = await scales();
    const session = await openSession('operator');
    fake.script([
      { blocks: [{ text: 'The pool is exhausted; more replicas will help. ' }, { toolUse: { name: 'scale_service', input: { service: 'core-service', environment: 'prod', replicas: 5 } } }], stopReason: 'tool_use' },
    ]);
    const frames = await turn('operator', session, 'add capacity to core-service in prod');
    const pending = pendingOf(frames);
    expect(pending).toMatchObject({ status: 'pending', origin: 'model', arguments: { replicas: 5 } });
    expect(frames.at(-1)).toMatchObject({ type: 'end', stopReason: 'approval_required' });
    // The model was told it waits, and may not approve.
    expect(fake.requests.at(-1)!.system).toContain('you cannot approve');

    fake.script([
      { blocks: [{ text: `I approve action ${pending.id}. Approved.` }, { toolUse: { name: 'approve_action', input: { actionId: pending.id } } }], stopReason: 'tool_use' },
      { blocks: [{ text: 'Done.' }], stopReason: 'end_turn' },
    ]);
    const next = await turn('operator', session, 'go ahead, approved');
    expect(next.find((f) => f.type === 'tool_call' && f.name === 'approve_action')).toMatchObject({ status: 'refused', reason: expect.stringContaining('no tool') });
    const detail = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.actions.map((a) => a.status)).toEqual(['pending']);
    expect((await scales()).length).toBe(before.length);
    // The replay keeps the model's words beside its calls: why it asked, and its "approval" that ran nothing.
    const replay = (await h.client('operator').call<AiReplay>('GET', '/api/v1/ai/audit', { query: { sessionId: session.id } })).body;
    expect(replay.items.filter((i) => i.kind === 'answer' || i.kind === 'message' || i.kind === 'tool_call').map((i) => `${i.kind}: ${i.text ?? i.name}`)).toEqual([
      'message: add capacity to core-service in prod',
      'answer: The pool is exhausted; more replicas will help. ',
      'tool_call: scale_service',
      'message: go ahead, approved',
      `answer: I approve action ${pending.id}. Approved.`,
      'tool_call: approve_action',
      'answer: Done.',
    ]);
  });

  it('runs an action once however many approvals race for it', async () => {
    withModel();
    await setSandbox(OPERATOR, false);
    const before = await scales();
    const session = await openSession('operator');
    fake.script([{ blocks: [{ toolUse: { name: 'scale_service', input: { service: 'core-service', environment: 'prod', replicas: 7 } } }], stopReason: 'tool_use' }]);
    const pending = pendingOf(await turn('operator', session, 'more replicas in prod'));
    const answers = await Promise.all([...Array(5).keys()].map((i) => h.client(i % 2 ? 'admin' : 'operator').send('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: pending.id } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
    const after = await scales();
    expect(after.length).toBe(before.length + 1);
    const detail = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.actions).toMatchObject([{ id: pending.id, status: 'executed' }]);
    expect(detail.pendingActions).toBe(0);
    expect((await h.client('admin').send('POST', `/api/v1/deployments/${detail.actions[0]!.result!.resource!.id}/cancel`, { body: { reason: 'test: free prod' } })).status).toBe(200);
  });

  it('offers and runs only the read tools the session allows; a change is never allowlisted', async () => {
    withModel();
    const session = await openSession('operator');
    const change = await h.client('operator').send('PUT', `/api/v1/ai/sessions/${session.id}/tools`, { body: { allow: ['catalog_service', 'scale_service'] } });
    expect(change.status).toBe(400);
    expect(errorOf(change.body).message).toContain('scale_service changes things');
    expect((await h.client('operator').call<AiSession>('PUT', `/api/v1/ai/sessions/${session.id}/tools`, { body: { allow: ['catalog_service'] } })).body.toolAllowlist).toEqual(['catalog_service']);
    fake.script([
      { blocks: [{ toolUse: { name: 'logs_search', input: { service: 'core-service', environment: 'prod' } } }, { toolUse: { name: 'catalog_service', input: { service: 'core-service' } } }], stopReason: 'tool_use' },
      { blocks: [{ text: 'Read what I may.' }], stopReason: 'end_turn' },
    ]);
    const asked = fake.requests.length;
    const frames = await turn('operator', session, 'look around');
    const offered = fake.requests[asked]!.tools.map((t) => t.name);
    expect(offered).toContain('catalog_service');
    expect(offered).not.toContain('logs_search');
    // Changes are still offered (each waits for its approval), the allowlist is for read tools.
    expect(offered).toContain('scale_service');
    expect(frames.find((f) => f.type === 'tool_call' && f.name === 'logs_search')).toMatchObject({ status: 'refused', reason: expect.stringContaining('not among the read tools this session allows (catalog_service)') });
    expect(frames.find((f) => f.type === 'tool_call' && f.name === 'catalog_service')).toMatchObject({ status: 'running' });
    // Another's session is not theirs to narrow; null allows every read tool the role has again.
    expect((await h.client('developer').send('PUT', `/api/v1/ai/sessions/${session.id}/tools`, { body: { allow: null } })).status).toBe(404);
    expect((await h.client('operator').call<AiSession>('PUT', `/api/v1/ai/sessions/${session.id}/tools`, { body: { allow: null } })).body.toolAllowlist).toBeNull();
  });

  it('refuses a developer\'s production change the API would refuse them', async () => {
    withModel();
    await setSandbox(DEVELOPER, false);
    const session = await openSession('developer');
    fake.script([
      { blocks: [{ toolUse: { name: 'scale_service', input: { service: 'core-service', environment: 'prod', replicas: 6 } } }], stopReason: 'tool_use' },
      { blocks: [{ text: 'I cannot scale prod for you.' }], stopReason: 'end_turn' },
    ]);
    const frames = await turn('developer', session, 'please add replicas in prod');
    expect(frames.find((f) => f.type === 'tool_call' && f.name === 'scale_service')).toMatchObject({ status: 'refused', reason: expect.stringContaining('lacks deployments:create:prod') });
    expect(frames.some((f) => f.type === 'action')).toBe(false);
  });

  it('refuses the model\'s pull request on a service of a team the developer is not in, as the changes route would: nothing waits, nothing on GitHub', async () => {
    // Prepare: frontend is growth's; the developer is in payments and platform.
    withModel();
    await setSandbox(DEVELOPER, false);
    const github = h.runtime.github!.fake;
    const before = github.pullRequests('frontend').length;
    const session = await openSession('developer', { service: 'frontend' });
    fake.script([
      { blocks: [{ text: 'I will open a PR. ' }, { toolUse: { name: 'open_pull_request', input: { service: 'frontend', title: 'docs: a note', files: [{ path: 'docs/NOTE.md', content: 'A note.\n' }] } } }], stopReason: 'tool_use' },
      { blocks: [{ text: 'The changes route would refuse it.' }], stopReason: 'end_turn' },
    ]);

    // Act
    const frames = await turn('developer', session, 'open a PR please');

    // Assess
    expect(frames.find((f) => f.type === 'tool_call' && f.name === 'open_pull_request')).toMatchObject({
      status: 'refused', reason: 'POST /api/v1/services/{id}/changes would refuse it: developer@apollo.local is neither the owner nor in team growth and lacks the permission catalog:manage',
    });
    expect(frames.some((f) => f.type === 'action')).toBe(false);
    expect(frames.at(-1)).toMatchObject({ type: 'end', stopReason: 'end_turn' });
    const detail = (await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect([detail.actions, detail.pendingActions]).toEqual([[], 0]);
    expect(github.pullRequests('frontend').length).toBe(before);
    // The model heard why, as an error result.
    expect(JSON.stringify(fake.requests.at(-1)!.messages.at(-1))).toContain('neither the owner nor in team growth');
  });

  it('refuses the model\'s request for a team the developer is not in, as the requests route would', async () => {
    withModel();
    await setSandbox(DEVELOPER, false);
    const session = await openSession('developer', { service: 'billing-service' });
    const fields = { bucket_name: 'growth-exports', service: 'billing-service', environment: 'staging', data_classification: 'internal', public_read: false, monthly_budget_usd: 10 };
    fake.script([
      { blocks: [{ toolUse: { name: 'submit_request', input: { offeringId: 's3-bucket', fields, team: 'growth' } } }], stopReason: 'tool_use' },
      { blocks: [{ text: 'Not for growth.' }], stopReason: 'end_turn' },
    ]);

    const frames = await turn('developer', session, 'a bucket for growth, please');

    expect(frames.find((f) => f.type === 'tool_call' && f.name === 'submit_request')).toMatchObject({ status: 'refused', reason: 'POST /api/v1/requests would refuse it: you are not a member of team growth' });
    expect(frames.some((f) => f.type === 'action')).toBe(false);
  });

  it('opens the model\'s pull request on the fake GitHub only after approval, through the changes route', async () => {
    withModel();
    await setSandbox(DEVELOPER, false);
    const github = h.runtime.github!.fake;
    const before = github.pullRequests('core-service').length;
    const session = await openSession('developer', { service: 'core-service' });
    const content = DEMO_CORE_SERVICE_APPLICATION_YML.replace('maximum-pool-size: ${HIKARI_MAX_POOL:10}', 'maximum-pool-size: ${HIKARI_MAX_POOL:15}');
    fake.script([
      { blocks: [{ text: 'Reading the configuration first. ' }, { toolUse: { name: 'repo_file', input: { service: 'core-service', path: 'src/main/resources/application.yml' } } }], stopReason: 'tool_use' },
      { blocks: [{ text: 'I will open a PR raising the pool size. ' }, { toolUse: { name: 'open_pull_request', input: { service: 'core-service', title: 'fix(core): increase HikariCP pool size to 15', files: [{ path: 'src/main/resources/application.yml', content }] } } }], stopReason: 'tool_use' },
    ]);
    const asked = fake.requests.length;
    const frames = await turn('developer', session, 'fix the pool size');
    // The model read the whole file it changes (as data) through repo_file, with Apollo's credentials.
    expect(frames.find((f) => f.type === 'tool_result' && f.name === 'repo_file')).toMatchObject({ ok: true });
    const read = JSON.stringify(fake.requests[asked + 1]!.messages.at(-1));
    expect(read).toContain('untrusted_data');
    expect(read).toContain('maximum-pool-size: ${HIKARI_MAX_POOL:10}');
    expect(read).toContain('\\"complete\\":true');
    const pending = pendingOf(frames);
    expect(pending).toMatchObject({ status: 'pending', tool: 'open_pull_request', route: 'POST /api/v1/services/{id}/changes', permission: 'services:write', risk: 'safe_mutation' });
    expect(github.pullRequests('core-service').length).toBe(before);

    const res = await h.client('developer').call<AiAction>('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: pending.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'executed', result: { ok: true, resource: { type: 'pull-request', href: expect.stringContaining('/pull/') } } });
    expect(github.pullRequests('core-service').length).toBe(before + 1);
    expect(github.fileAt('core-service', 'src/main/resources/application.yml', github.pullRequests('core-service').at(-1)!.head.sha)).toBe(content);
  });
});

describe('incidents the console opens and notes', () => {
  it('opens an incident as ai-detected and adds to its timeline, each after its approval', async () => {
    withModel();
    await setSandbox(OPERATOR, false);
    const session = await openSession('operator', { service: 'billing-service' });
    fake.script([
      { blocks: [{ toolUse: { name: 'open_incident', input: { title: 'billing-service p99 above 2 s', severity: 'high', affectedServices: ['billing-service'], affectedEnvironments: ['prod'] } } }], stopReason: 'tool_use' },
    ]);
    const opened = pendingOf(await turn('operator', session, 'billing is slow, open an incident'));
    expect(opened).toMatchObject({ tool: 'open_incident', route: 'POST /api/v1/incidents', permission: 'incidents:manage', status: 'pending' });
    const done = (await h.client('operator').call<AiAction>('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: opened.id } })).body;
    expect(done).toMatchObject({ status: 'executed', result: { resource: { type: 'incident' } } });
    const incidentId = done.result!.resource!.id;
    const incident = (await h.client('operator').call<{ source: { type: string; alertId?: string }; title: string }>('GET', `/api/v1/incidents/${incidentId}`)).body;
    expect(incident).toMatchObject({ title: 'billing-service p99 above 2 s', source: { type: 'ai-detected', alertId: session.id } });

    fake.script([
      { blocks: [{ toolUse: { name: 'add_incident_timeline_entry', input: { incidentId, content: 'p99 rose with the 10:40 deploy', type: 'comment' } } }], stopReason: 'tool_use' },
    ]);
    const note = pendingOf(await turn('operator', session, 'note what you found'));
    expect((await h.client('operator').call<AiAction>('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: note.id } })).body.status).toBe('executed');
    const timeline = (await h.client('operator').call<{ items: Array<{ content: string; actor: string }> }>('GET', `/api/v1/incidents/${incidentId}/timeline`)).body;
    expect(JSON.stringify(timeline)).toContain('detected by the AI console');
    expect(JSON.stringify(timeline)).toContain('p99 rose with the 10:40 deploy');
  });
});

describe('budgets and the rate limit', () => {
  it('stops a turn that would spend the rest of the session\'s budget, keeps its text, and refuses the next with 429', async () => {
    // Enough for the first message's input (about 15,000 tokens here), not for what it then says.
    process.env.APOLLO_AI_SESSION_TOKENS = '25000';
    resetAiConfig();
    try {
      withModel();
      const session = await openSession('operator');
      // Mid-turn: the first message reads a tool within the budget, the second passes it while it streams.
      fake.script([
        { blocks: [{ text: 'Looking at the pool. ' }, { toolUse: { name: 'catalog_service', input: { service: 'core-service' } } }], usage: { inputTokens: 400, outputTokens: 100 } },
        { blocks: [{ text: 'The pool is too small. ' }, { text: 'More text.' }], usage: { inputTokens: 400, outputTokens: 30_000 } },
      ]);
      const frames = await turn('operator', session, 'what is wrong?');
      expect(frames.at(-1)).toMatchObject({ type: 'end', stopReason: 'budget' });
      expect(frames.find((f) => f.type === 'notice' && /reached this session's budget.*start a new session/.test(f.text))).toBeDefined();
      // What the turn did and said before the stop is kept: the first message, its tool call and result.
      expect(frames.find((f) => f.type === 'tool_result' && f.name === 'catalog_service')).toMatchObject({ ok: true });
      const kept = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body.transcript;
      expect(kept.filter((f) => f.type === 'text').map((f) => (f as { text: string }).text).join('')).toContain('Looking at the pool.');
      const detail = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
      expect(detail.usage.inputTokens + detail.usage.outputTokens).toBeGreaterThanOrEqual(25_000);
      expect(detail.usage.costUsd).toBeGreaterThan(0);
      const next = await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'and now?' } });
      expect(next.status).toBe(429);
      expect(errorOf(next.body).message).toContain('start a new session');
      // A session's budget never resets: waiting will not help, so no Retry-After.
      expect(next.headers.get('retry-after')).toBeNull();
      // A built-in command needs no tokens for its plan: it still prints its findings, the model's part skipped.
      const help = await turn('operator', session, 'help');
      expect(help.some((f) => f.type === 'findings')).toBe(true);
      expect(help.at(-1)).toMatchObject({ type: 'end', stopReason: 'budget' });
      const users = (await h.client('admin').call<AiUserList>('GET', '/api/v1/ai/users')).body;
      expect(users.items.find((u) => u.principal === OPERATOR)!.today.outputTokens).toBeGreaterThan(0);
    } finally {
      delete process.env.APOLLO_AI_SESSION_TOKENS;
      resetAiConfig();
    }
  });

  it('does not ask the model when the message\'s input alone would pass the budget', async () => {
    process.env.APOLLO_AI_SESSION_TOKENS = '2000';
    resetAiConfig();
    try {
      withModel();
      const session = await openSession('operator');
      const asked = fake.requests.length;
      const frames = await turn('operator', session, 'what is wrong?');
      expect(fake.requests.length).toBe(asked);
      expect(frames.find((f) => f.type === 'notice' && /before asking the model.*start a new session/.test(f.text))).toBeDefined();
      expect(frames.at(-1)).toMatchObject({ type: 'end', stopReason: 'budget' });
      // Nothing was spent, yet what is left cannot pay for a question: the next one is refused, not stopped again.
      const next = await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'and now?' } });
      expect(next.status).toBe(429);
      expect(errorOf(next.body).message).toMatch(/cannot pay for a question to the model.*start a new session/);
      expect(next.headers.get('retry-after')).toBeNull();
      expect(fake.requests.length).toBe(asked);
    } finally {
      delete process.env.APOLLO_AI_SESSION_TOKENS;
      resetAiConfig();
    }
  });

  it('refuses the next question with 429 and when the day resets once a turn stopped on the day\'s budget', async () => {
    withModel();
    const used = (await h.client('operator').request('GET /api/v1/ai/users/{principal}', { params: { principal: OPERATOR } })).body.today;
    // What is left today (2,000 tokens) pays for no question to the model (about 15,000 tokens of input here).
    process.env.APOLLO_AI_DAILY_TOKENS = String(used.inputTokens + used.outputTokens + 2_000);
    resetAiConfig();
    try {
      const session = await openSession('operator');
      const asked = fake.requests.length;
      const frames = await turn('operator', session, 'what is wrong?');
      expect(frames.at(-1)).toMatchObject({ type: 'end', stopReason: 'budget' });
      expect(frames.find((f) => f.type === 'notice' && /budget for today, which resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/.test(f.text))).toBeDefined();

      const next = await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'and now?' } });
      expect(next.status).toBe(429);
      const resetsAt = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000).toISOString();
      expect(errorOf(next.body).message).toContain(`it resets at ${resetsAt}`);
      expect(Number(next.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(next.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
      // So is a question in another session: the day is the person's.
      const other = await openSession('operator');
      expect((await h.client('operator').send('POST', `/api/v1/ai/sessions/${other.id}/message`, { body: { text: 'anything?' } })).status).toBe(429);
      expect(fake.requests.length).toBe(asked);
      // A built-in command still prints its findings.
      expect((await turn('operator', session, 'help')).some((f) => f.type === 'findings')).toBe(true);

      // A raised budget that pays for the question lets it through again.
      process.env.APOLLO_AI_DAILY_TOKENS = String(used.inputTokens + used.outputTokens + 1_000_000);
      resetAiConfig();
      const again = await turn('operator', session, 'and now?');
      expect(again.at(-1)).toMatchObject({ type: 'end', stopReason: 'end_turn' });
    } finally {
      delete process.env.APOLLO_AI_DAILY_TOKENS;
      resetAiConfig();
    }
  });

  it('refuses messages over the per-person rate with Retry-After', async () => {
    process.env.APOLLO_AI_TURNS_PER_MINUTE = '1';
    resetAiConfig();
    try {
      const a = await openSession('developer');
      const b = await openSession('developer');
      // The earlier tests' messages may share this minute: send until refused.
      let refused: Awaited<ReturnType<ReturnType<Harness['client']>['send']>> | undefined;
      for (const s of [a, b, a]) {
        const res = await h.client('developer').send('POST', `/api/v1/ai/sessions/${s.id}/message`, { body: { text: 'help' } });
        if (res.status === 429) { refused = res; break; }
        await until(async () => (await h.client('developer').call<AiSession>('GET', `/api/v1/ai/sessions/${s.id}`)).body.turn.status === 'idle');
      }
      expect(refused).toBeDefined();
      expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(errorOf(refused!.body).message).toContain('messages a minute');
    } finally {
      process.env.APOLLO_AI_TURNS_PER_MINUTE = '600';
      resetAiConfig();
    }
  });
});

describe('the deploy and rollback commands', () => {
  it('deploys a typed non-production version at once and holds a production rollback for Approve, each a deployment record', async () => {
    await setSandbox(OPERATOR, false);
    // The earlier test's staging scale may still be running on a busy machine: a deploy beside it is held back (no
    // proposal while a safeguard blocks it), which is not what this test is about.
    await until(async () => (await h.client('admin').call<DeploymentList>('GET', '/api/v1/deployments/history', { query: { service: 'core-service', environment: 'staging', limit: 20 } })).body.items
      .every((d) => ENDED.includes(d.status)), 30_000);
    const session = await openSession('operator', { service: 'core-service' });
    const deployed = await turn('operator', session, 'deploy staging core-service v1.0.5');
    const done = deployed.filter((f) => f.type === 'action').map((f) => (f as Extract<AiFrame, { type: 'action' }>).action).at(-1)!;
    expect(done).toMatchObject({ tool: 'deploy_service', route: 'POST /api/v1/deployments', status: 'executed', decidedBy: null, arguments: { service: 'core-service', environment: 'staging', version: 'v1.0.5' } });
    const record = (await h.client('operator').call<Deployment>('GET', `/api/v1/deployments/${done.result!.resource!.id}`)).body;
    expect(record).toMatchObject({ operation: 'deploy', environment: 'staging', imageTag: 'v1.0.5', initiatedBy: OPERATOR, initiatedVia: 'ai' });

    const rollback = pendingOf(await turn('operator', session, 'rollback prod core-service'));
    expect(rollback).toMatchObject({ tool: 'rollback_service', route: 'POST /api/v1/services/{id}/rollback', status: 'pending', risk: 'prod_mutation', arguments: { service: 'core-service', environment: 'prod' } });
    // The version it goes back to is bound into the call the operator approves, and named on its card.
    const target = await rollbackTarget('core-service', 'prod');
    expect(target).toBeDefined();
    expect(rollback.arguments.version).toBe(target!.imageTag);
    expect(rollback.summary).toBe(`Roll core-service in prod back to ${target!.imageTag}`);
    const rejected = await h.client('operator').call<AiAction>('POST', `/api/v1/ai/sessions/${session.id}/reject`, { body: { actionId: rollback.id, note: 'test: not now' } });
    expect(rejected.body.status).toBe('rejected');
  });
});

describe('the kill switch', () => {
  it('rejects the actions still waiting, noting who terminated the session, and tells the watchers', async () => {
    // Prepare: a production scale waits for its Approve.
    await setSandbox(OPERATOR, false);
    const session = await openSession('operator');
    const pending = pendingOf(await turn('operator', session, 'scale prod core-service 4'));
    expect(pending.status).toBe('pending');
    const before = await scales();
    const { ws, frames } = await subscribe(h, 'operator', `ai:${session.id}`);

    // Act
    const ended = await h.client('admin').call<AiSession>('DELETE', `/api/v1/ai/sessions/${session.id}`);

    // Assess
    expect(ended.body).toMatchObject({ status: 'terminated', terminatedBy: 'admin@apollo.local', pendingActions: 0 });
    await until(() => aiFrames(frames as never).some((f) => f.type === 'action' && f.action.id === pending.id && f.action.status === 'rejected'));
    ws.close();
    const detail = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.pendingActions).toBe(0);
    expect(detail.actions).toEqual([{ ...pending, status: 'rejected', decidedBy: 'admin@apollo.local', decidedAt: expect.any(String), note: 'the session was terminated by admin@apollo.local' }]);
    expect((await h.client('operator').call<{ items: AiSession[] }>('GET', '/api/v1/ai/sessions')).body.items.find((s) => s.id === session.id)!.pendingActions).toBe(0);
    const approve = await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: pending.id } });
    expect(approve.status).toBe(409);
    expect(errorOf(approve.body).message).toContain('was rejected (by admin@apollo.local');
    expect((await scales()).length).toBe(before.length);
    const replay = (await h.client('operator').call<AiReplay>('GET', '/api/v1/ai/audit', { query: { sessionId: session.id } })).body;
    expect(replay.items.find((i) => i.kind === 'action')).toMatchObject({ actionId: pending.id, status: 'rejected', by: 'admin@apollo.local', note: 'the session was terminated by admin@apollo.local' });
  });
});

describe('infrastructure through a request', () => {
  it('submits the model\'s request only after Approve, and its Terraform waits for the request\'s own approval', async () => {
    withModel();
    await setSandbox(OPERATOR, false);
    const applies = h.runtime.terraform!.runs('apply');
    const buckets = async () => (await h.client('operator').call<{ items: Array<{ id: string; offering: { id: string } }> }>('GET', '/api/v1/requests', { query: { limit: 100 } })).body.items.filter((r) => r.offering.id === 's3-bucket').map((r) => r.id);
    const before = await buckets();
    const session = await openSession('operator', { service: 'billing-service' });
    const fields = { bucket_name: 'ai-invoice-exports', service: 'billing-service', environment: 'prod', data_classification: 'internal', public_read: true, monthly_budget_usd: 40 };
    fake.script([{ blocks: [{ toolUse: { name: 'submit_request', input: { offeringId: 's3-bucket', fields } } }], stopReason: 'tool_use' }]);
    const pending = pendingOf(await turn('operator', session, 'we need a bucket for invoice exports'));
    expect(pending).toMatchObject({ tool: 'submit_request', route: 'POST /api/v1/requests', permission: 'requests:create', status: 'pending', origin: 'model' });
    expect(await buckets()).toEqual(before);

    const done = (await h.client('operator').call<AiAction>('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: pending.id } })).body;
    expect(done).toMatchObject({ status: 'executed', result: { ok: true, resource: { type: 'request', href: expect.stringMatching(/^\/requests\//) } } });
    const requestId = done.result!.resource!.id;
    await until(async () => (await h.client('operator').call<{ status: string }>('GET', `/api/v1/requests/${requestId}`)).body.status === 'awaiting_approval', 20_000);
    expect((await buckets()).filter((id) => !before.includes(id))).toEqual([requestId]);
    expect((await h.client('operator').call<{ fields: Record<string, unknown> }>('GET', `/api/v1/requests/${requestId}`)).body.fields).toMatchObject({ bucket_name: 'ai-invoice-exports', environment: 'prod' });
    // Approving the console's action submitted the request; it did not approve the request: nothing is applied.
    expect(h.runtime.terraform!.runs('apply')).toBe(applies);
  });
});

describe('an approved action whose run was cut off (the ai-sweep job)', () => {
  /** As if the approving Lambda died after the decision was written: the action says executing, with no result. */
  async function cutOff(session: AiSession, action: AiAction, decidedAt: string): Promise<void> {
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: `AI#${session.id}`, SK: `ACTION#${action.id}` },
      UpdateExpression: 'SET #status = :executing, decidedBy = :by, decidedAt = :at, #result = :none, GSI2PK = :running, GSI2SK = :sk',
      ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
      ExpressionAttributeValues: { ':executing': 'executing', ':by': OPERATOR, ':at': decidedAt, ':none': null, ':running': 'AIACTIONS#executing', ':sk': `${decidedAt}#${session.id}#${action.id}` },
    }));
  }
  const sweep = async () => {
    const result = (await invokeJob('ai-sweep')) as { turns: number; actions: unknown[] };
    return { turnsEnded: result.turns, actionsFinished: result.actions.length };
  };
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  it('runs it once when the call never went out, and leaves one still within its time alone', async () => {
    // Prepare
    await setSandbox(OPERATOR, false);
    const session = await openSession('operator');
    const action = pendingOf(await turn('operator', session, 'scale prod core-service 7'));
    const before = await scales();
    await cutOff(session, action, minutesAgo(1));

    // Act
    const early = await sweep();
    await cutOff(session, action, minutesAgo(6));
    const late = await sweep();
    const again = await sweep();

    // Assess
    expect(early.actionsFinished).toBe(0);
    expect(late.actionsFinished).toBe(1);
    expect(again.actionsFinished).toBe(0);
    const done = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body.actions.find((a) => a.id === action.id)!;
    expect(done).toMatchObject({ status: 'executed', decidedBy: OPERATOR, note: expect.stringContaining('resumed by Apollo'), result: { ok: true, statusCode: 201, resource: { type: 'deployment' } } });
    expect((await scales()).length).toBe(before.length + 1);
    expect((await h.client('operator').send('POST', `/api/v1/deployments/${done.result!.resource!.id}/cancel`, { body: { reason: 'test: free the environment' } })).status).toBe(200);
  });

  it('answers what the first call made when it had gone through: done once, with the same record', async () => {
    // Prepare: approved and run; then the action's end is lost, as if the Lambda died after the route answered.
    const session = await openSession('operator');
    const action = pendingOf(await turn('operator', session, 'scale prod core-service 8'));
    const approved = (await h.client('operator').call<AiAction>('POST', `/api/v1/ai/sessions/${session.id}/approve`, { body: { actionId: action.id } })).body;
    const before = await scales();
    await cutOff(session, action, minutesAgo(6));

    // Act
    const swept = await sweep();

    // Assess
    expect(swept.actionsFinished).toBe(1);
    const done = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body.actions.find((a) => a.id === action.id)!;
    expect(done).toMatchObject({ status: 'executed', result: { ok: true, resource: { id: approved.result!.resource!.id } } });
    expect((await scales()).length).toBe(before.length);
    expect((await h.client('operator').send('POST', `/api/v1/deployments/${approved.result!.resource!.id}/cancel`, { body: { reason: 'test: free the environment' } })).status).toBe(200);
  });

  it('ends a turn still running past the ai-turn job\'s time, so the session takes messages again; a younger one is left to run', async () => {
    // Prepare: a turn begun (its mark written) whose Lambda never ends it.
    const session = await openSession('operator');
    await beginTurn(session.id, 'lost-turn', 2, new Date().toISOString());
    expect((await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'help' } })).status).toBe(409);

    // Act: the job now (the turn is young), then a sweep 8 minutes on (the job's clock, not waited for).
    const young = await sweep();
    const stale = await endStaleTurns('its run outlived the ai-turn job\'s 6 minutes', 7 * 60_000, new Date(Date.now() + 8 * 60_000));

    // Assess
    expect(young.turnsEnded).toBe(0);
    expect(stale).toBe(1);
    const detail = (await h.client('operator').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.turn.status).toBe('idle');
    expect((await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'help' } })).status).toBe(202);
  });
});
