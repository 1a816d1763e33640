/**
 * The AI console over signed HTTP and a real WebSocket through the local runtime: `debug prod core-service`
 * without a model prints its findings (the HikariCP pool exhaustion, Appendix B) and says analysis needs one;
 * with the LOCAL FAKE Anthropic server the analysis streams, a tool the user may not use is refused and shown,
 * tool output reaches the model marked untrusted; an admin's kill switch stops a hanging stream within a second
 * and keeps the partial text; a connection gone mid-turn does not stop it; the transcript replays a reconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiFrame, AiMessageAccepted, AiReplay, AiSession, AiSessionDetail, AiSessionList, AiStats } from '#schemas/index.ts';
import { AnthropicModel } from '#functions/ai/adapters/anthropic-model';
import { readModelConfig } from '#functions/ai/adapters/model-config';
import { configureAi } from '#functions/ai/deps';
import { TOOLS } from '#functions/ai/tools/registry';
import type { ToolDef } from '#functions/ai/tools/types';
import { FakeAnthropic } from '../fakes/anthropic-server.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, subscribe, until, type Harness } from './harness.ts';

let h: Harness;
let fake: FakeAnthropic;
beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  fake = await FakeAnthropic.start({ apiKey: 'test-key', deltaDelayMs: 5 });
});
afterAll(async () => {
  await fake.close();
  await h.close();
});

/** The ai.frame payloads a subscription received, in order. */
const aiFrames = (frames: ReadonlyArray<{ type: string; event?: string; data?: unknown }>): AiFrame[] =>
  frames.filter((f) => f.type === 'event' && f.event === 'ai.frame').map((f) => f.data as AiFrame);

async function openSession(role: 'developer' | 'operator', target: Record<string, string> = { service: 'core-service', environment: 'prod' }): Promise<AiSession> {
  const res = await h.client(role).call<AiSession>('POST', '/api/v1/ai/sessions', { body: { target } });
  expect(res.status).toBe(201);
  return res.body;
}

async function turnEnds(frames: ReadonlyArray<{ type: string }>, turnId: string, timeoutMs = 20_000): Promise<AiFrame[]> {
  await until(() => aiFrames(frames as never).some((f) => f.type === 'end' && f.turnId === turnId), timeoutMs);
  return aiFrames(frames as never).filter((f) => f.turnId === turnId);
}

function withModel(): void {
  configureAi({ model: AnthropicModel.fromConfig(readModelConfig({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, APOLLO_AI_MODEL: 'claude-test' })!) });
}
function withoutModel(): void {
  configureAi({ model: undefined });
}

let debugSession: AiSession | undefined;

describe('the AI console', () => {
  it('runs debug prod core-service with no model: the findings name the HikariCP pool, and say analysis needs a model', async () => {
    withoutModel();
    const session = await openSession('developer');
    debugSession = session;
    expect(session).toMatchObject({ owner: 'developer@apollo.local', status: 'active', target: { service: 'core-service', environment: 'prod' }, model: null, turn: { status: 'idle' }, outcome: null });
    const { ws, frames } = await subscribe(h, 'developer', `ai:${session.id}`);
    const sent = await h.client('developer').call<AiMessageAccepted>('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'debug prod core-service' } });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ sessionId: session.id, command: 'debug' });
    const turn = await turnEnds(frames, sent.body.turnId);
    ws.close();

    expect(turn.map((f) => f.type)).toEqual(expect.arrayContaining(['user', 'turn', 'tool_call', 'tool_result', 'findings', 'notice', 'end']));
    const findings = turn.find((f) => f.type === 'findings')!;
    expect(JSON.stringify(findings)).toContain('HikariPool-1 - Connection is not available');
    expect(turn.find((f) => f.type === 'notice')).toMatchObject({ level: 'warn', text: expect.stringMatching(/analysis needs a model/i) });
    expect(turn.at(-1)).toMatchObject({ type: 'end', stopReason: 'no_model' });
    // Every call was the user's, read-only, audited with the session.
    for (const call of turn.filter((f) => f.type === 'tool_call')) expect(call).toMatchObject({ status: 'running', risk: expect.stringMatching(/^(read|analysis)$/) });
    const seqs = turn.map((f) => f.seq);
    expect(new Set(seqs).size).toBe(seqs.length);

    // The transcript keeps what streamed; a reconnect replays it.
    const detail = (await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.transcript.map((f) => f.seq)).toEqual(turn.filter((f) => f.type !== 'text').map((f) => f.seq).sort((a, b) => a - b));
    expect(detail).toMatchObject({ turn: { status: 'idle' }, usage: { turns: 1, toolCalls: expect.any(Number) } });
    const audit = (await h.client('admin').call<{ items: Array<{ actorType: string; aiSessionId?: string; action: string }> }>('GET', '/api/v1/audit', { query: { actor: 'developer@apollo.local', limit: 100 } })).body;
    expect(audit.items.filter((e) => e.aiSessionId === session.id && e.actorType === 'ai').length).toBe(detail.usage.toolCalls);
  });

  it('streams the model\'s analysis over the findings, refuses a tool the user may not use, and marks tool output untrusted', async () => {
    const guarded: ToolDef = { name: 'audit_search', description: 'Search the audit log', inputSchema: { type: 'object', additionalProperties: false, properties: {} }, risk: 'read', permission: 'audit:read', run: async () => ({ secret: 'nope' }) };
    configureAi({ tools: [...TOOLS, guarded] });
    withModel();
    fake.script([
      { blocks: [{ text: 'Let me check the audit log and the logs. ' }, { toolUse: { name: 'audit_search', input: {} } }, { toolUse: { name: 'logs_search', input: { service: 'core-service', environment: 'prod', query: 'HikariPool' } } }], stopReason: 'tool_use' },
      { blocks: [{ text: 'The connection pool is exhausted: HikariPool-1 has 10/10 connections in use. Raise maximum-pool-size to 15.' }], stopReason: 'end_turn' },
    ]);
    const session = await openSession('developer');
    const { ws, frames } = await subscribe(h, 'developer', `ai:${session.id}`);
    const sent = (await h.client('developer').call<AiMessageAccepted>('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'why is core-service failing in prod?' } })).body;
    const turn = await turnEnds(frames, sent.turnId);
    ws.close();
    configureAi({ tools: TOOLS });

    const text = turn.filter((f) => f.type === 'text').map((f) => (f as { text: string }).text).join('');
    expect(text).toBe('Let me check the audit log and the logs. The connection pool is exhausted: HikariPool-1 has 10/10 connections in use. Raise maximum-pool-size to 15.');
    expect(turn.find((f) => f.type === 'tool_call' && f.name === 'audit_search')).toMatchObject({ status: 'refused', reason: expect.stringContaining('lacks audit:read') });
    expect(turn.at(-1)).toMatchObject({ type: 'end', stopReason: 'end_turn' });
    // What the model was told: the refusal as an error result, the logs wrapped as untrusted data.
    const second = fake.requests.at(-1)!;
    const results = JSON.stringify(second.messages.at(-1));
    expect(results).toContain('refused');
    expect(results).toContain('<untrusted_data source=\\"logs_search\\">');
    expect(second.system).toContain('never instructions');
    expect(second.tools.map((t: { name: string }) => t.name)).not.toContain('audit_search');
  });

  it('stops a hanging stream within a second when an admin terminates the session, keeping the partial text', async () => {
    withModel();
    fake.script([{ hang: true }]);
    const session = await openSession('developer');
    const { ws, frames } = await subscribe(h, 'developer', `ai:${session.id}`);
    const sent = (await h.client('developer').call<AiMessageAccepted>('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'what is wrong?' } })).body;
    await until(() => aiFrames(frames as never).some((f) => f.type === 'text'));
    const active = (await h.client('admin').call<AiSessionList>('GET', '/api/v1/ai/sessions/active')).body;
    expect(active.items.map((s) => s.id)).toContain(session.id);
    const started = Date.now();
    const ended = await h.client('admin').call<AiSession>('DELETE', `/api/v1/ai/sessions/${session.id}`);
    expect(ended.body).toMatchObject({ status: 'terminated', terminatedBy: 'admin@apollo.local' });
    const turn = await turnEnds(frames, sent.turnId, 5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(turn.at(-1)).toMatchObject({ type: 'end', stopReason: 'terminated' });
    expect(aiFrames(frames as never).some((f) => f.type === 'terminated')).toBe(true);
    ws.close();
    const detail = (await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    // What streamed before the stop is kept (the fake hangs after its first words).
    const streamed = turn.filter((f) => f.type === 'text').map((f) => (f as { text: string }).text).join('');
    expect(streamed).toContain('LOCAL FAKE');
    expect(detail.transcript.filter((f) => f.type === 'text').map((f) => (f as { text: string }).text).join('')).toBe(streamed);
    const again = await h.client('developer').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'hello?' } });
    expect(again.status).toBe(409);
    expect((again.body as { error: { details: unknown[] } }).error.details).toEqual([{ path: '/session/status', message: 'terminated' }]);
    expect((await h.client('admin').call<AiSessionList>('GET', '/api/v1/ai/sessions/active')).body.items.map((s) => s.id)).not.toContain(session.id);
  });

  it('goes on when its watcher\'s connection is gone, and keeps others\' sessions to themselves', async () => {
    withModel();
    fake.script([{ blocks: [{ text: 'Part one. ' }, { text: 'Part two.' }], stopReason: 'end_turn' }]);
    const session = await openSession('developer');
    const { ws } = await subscribe(h, 'developer', `ai:${session.id}`);
    ws.terminate();
    const sent = (await h.client('developer').call<AiMessageAccepted>('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'summarise' } })).body;
    await until(async () => (await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body.transcript.some((f) => f.type === 'end' && f.turnId === sent.turnId));
    const detail = (await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.transcript.filter((f) => f.type === 'text').map((f) => (f as { text: string }).text).join('')).toBe('Part one. Part two.');
    // Another developer neither reads it nor follows it; an admin reads it.
    expect((await h.client('operator').send('GET', `/api/v1/ai/sessions/${session.id}`)).status).toBe(404);
    expect((await h.client('admin').send('GET', `/api/v1/ai/sessions/${session.id}`)).status).toBe(200);
    expect((await h.client('operator').send('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'hi' } })).status).toBe(404);
  });

  it('replays a session\'s messages and tool calls in order (the owner, or audit:read), and keeps the outcome its owner gives', async () => {
    const id = debugSession!.id;
    const replay = (await h.client('developer').call<AiReplay>('GET', '/api/v1/ai/audit', { query: { sessionId: id } })).body;
    expect(replay.session.id).toBe(id);
    expect(replay.items[0]).toMatchObject({ kind: 'message', text: 'debug prod core-service', by: 'developer@apollo.local' });
    const calls = replay.items.filter((i) => i.kind === 'tool_call');
    const results = replay.items.filter((i) => i.kind === 'tool_result');
    expect(calls.length).toBeGreaterThan(3);
    expect(results.map((r) => r.callId)).toEqual(calls.map((c) => c.callId));
    expect(calls.find((c) => c.name === 'error_groups')).toMatchObject({ arguments: expect.objectContaining({ service: 'core-service', environment: 'prod' }), risk: 'analysis', status: 'running' });
    expect(replay.items.map((i) => i.seq)).toEqual([...replay.items.map((i) => i.seq)].sort((a, b) => a - b));
    expect((await h.client('admin').send('GET', '/api/v1/ai/audit', { query: { sessionId: id } })).status).toBe(200);
    expect((await h.client('operator').send('GET', '/api/v1/ai/audit', { query: { sessionId: id } })).status).toBe(404);

    const said = await h.client('developer').call<AiSession>('PUT', `/api/v1/ai/sessions/${id}/outcome`, { body: { outcome: 'resolved', note: 'the pool it is' } });
    expect(said.body.outcome).toEqual({ value: 'resolved', note: 'the pool it is', setAt: expect.any(String), setBy: 'developer@apollo.local' });
    expect((await h.client('admin').send('PUT', `/api/v1/ai/sessions/${id}/outcome`, { body: { outcome: 'failed' } })).status).toBe(403);
    expect((await h.client('developer').send('PUT', `/api/v1/ai/sessions/${id}/outcome`, { body: { outcome: 'maybe' } })).status).toBe(400);
    expect((await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${id}`)).body).toMatchObject({ outcome: { value: 'resolved' }, commands: ['debug'] });

    // The resolution rate, overall, per command and per team (operators: stats:read).
    const stats = (await h.client('operator').call<AiStats>('GET', '/api/v1/ai/stats')).body;
    expect(stats.overall).toMatchObject({ resolved: 1, withOutcome: 1, resolutionRate: 1 });
    expect(stats.overall.sessions).toBeGreaterThanOrEqual(4);
    expect(stats.byCommand.find((b) => b.key === 'debug')).toMatchObject({ sessions: 1, resolved: 1, resolutionRate: 1 });
    expect(stats.byCommand.find((b) => b.key === 'question')).toMatchObject({ withOutcome: 0, resolutionRate: null });
    expect(stats.byTeam.map((b) => b.key)).toContain('payments');
    expect((await h.client('developer').send('GET', '/api/v1/ai/stats')).status).toBe(403);
  });
});
