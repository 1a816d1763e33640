/**
 * The postmortem written by the model, over signed HTTP and a real WebSocket through the local runtime, with the
 * LOCAL FAKE Anthropic server as the model: POST …/postmortem answers the draft from the records at once, marked as
 * being written, and the model's version follows as version 2 (generatedByAI, the model's name), announced on the
 * incident's topic; with no model the draft from the records is all there is, as before; an edit made while the
 * model writes is not overwritten; a model answer that is not a postmortem leaves the draft, saying why. The AI
 * console's `postmortem <incident-id>` prints the incident's measures and its postmortem's state, then the model
 * writes the postmortem in the terminal.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AiFrame, AiMessageAccepted, AiSession, AuditList, Incident, Postmortem } from '#schemas/index.ts';
import { AnthropicModel } from '#functions/ai/adapters/anthropic-model';
import { readModelConfig } from '#functions/ai/adapters/model-config';
import { postmortemCommand } from '#functions/ai/commands/postmortem';
import { aiDeps, configureAi } from '#functions/ai/deps';
import { incidentPostmortem } from '#functions/ai/tools/postmortem';
import { incidentsDeps } from '#functions/incidents/deps';
import type { InProcessPostmortemWriter } from '#functions/incidents/adapters/postmortem-writer-local';
import { FakeAnthropic } from '../fakes/anthropic-server.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, subscribe, until, type Harness } from './harness.ts';

let h: Harness;
let fake: FakeAnthropic;
beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  fake = await FakeAnthropic.start({ apiKey: 'test-key' });
});
afterAll(async () => {
  await fake.close();
  await h.close();
});
beforeEach(() => {
  fake.reset();
  fake.deltaDelayMs = 0;
  configureAi({ model: AnthropicModel.fromConfig(readModelConfig({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, APOLLO_AI_MODEL: 'claude-test' })!) });
});

const MODEL_DRAFT = {
  summary: 'Checkout on core-service in prod failed for 20 minutes after a deploy.',
  impact: 'Customers could not pay; how many is to be confirmed.',
  timeline: [{ at: '2026-12-05T06:00:00.000Z', content: 'The incident was declared by operator@apollo.local' }],
  rootCause: 'To be confirmed: the deploy before it is the candidate.',
  actionItems: [{ title: 'Confirm the root cause', owner: 'operator@apollo.local', due: null, done: false }],
};

/** The runs of the model's draft in this process (the local runtime writes it here). */
const settled = () => Promise.all([...(incidentsDeps().postmortemWriter as InProcessPostmortemWriter).dispatcher.running]);

async function declared(title: string): Promise<Incident> {
  const res = await h.client('operator').call<Incident>('POST', '/api/v1/incidents', { body: { title, severity: 'high', affectedServices: ['core-service'], affectedEnvironments: ['prod'] } });
  expect(res.status).toBe(201);
  return res.body;
}

/** The incident's audit entries about its postmortem, oldest first: [action, actor type, actor, outcome]. */
async function postmortemAudit(id: string): Promise<string[][]> {
  const { items } = (await h.client('admin').call<AuditList>('GET', '/api/v1/audit', { query: { resourceType: 'incident', resourceId: id, limit: 50 } })).body;
  return items.filter((e) => e.action.startsWith('incidents.postmortem.')).reverse().map((e) => [e.action, e.actorType, e.actor, e.outcome]);
}

const readPostmortem = async (id: string) => (await h.client('viewer').call<Postmortem>('GET', `/api/v1/incidents/${id}/postmortem`)).body;

describe('the postmortem with a model configured', () => {
  it('answers the draft from the records at once; the model\'s version follows as version 2, announced on the incident\'s topic', async () => {
    // Prepare
    fake.script([{ blocks: [{ text: JSON.stringify(MODEL_DRAFT) }], usage: { inputTokens: 2100, outputTokens: 380 } }]);
    const incident = await declared('core-service: checkout fails');
    const { ws, frames } = await subscribe(h, 'viewer', `incident:${incident.id}`);

    // Act
    const res = await h.client('operator').send('POST', `/api/v1/incidents/${incident.id}/postmortem`, { body: {} });

    // Assess
    expect(res.status).toBe(201);
    const answered = res.body as Postmortem;
    expect(answered).toMatchObject({ version: 1, generatedByAI: false, model: null, modelDraft: { status: 'writing', finishedAt: null, error: null }, summary: expect.stringContaining('core-service in prod') });
    await until(async () => (await readPostmortem(incident.id)).version === 2);
    const written = await readPostmortem(incident.id);
    expect(written).toEqual({
      ...answered, ...MODEL_DRAFT, version: 2, generatedByAI: true, model: 'claude-test',
      modelDraft: { status: 'written', requestedAt: answered.createdAt, finishedAt: expect.any(String), error: null }, updatedAt: expect.any(String),
    });
    await until(() => frames.some((f) => f.type === 'event' && JSON.stringify(f).includes('"postmortem":{"version":2')));
    ws.close();
    // Audited ahead: the operator's draft, then the model's on their behalf.
    expect(await postmortemAudit(incident.id)).toEqual([
      ['incidents.postmortem.draft', 'user', 'operator@apollo.local', 'succeeded'],
      ['incidents.postmortem.model-draft', 'ai', 'operator@apollo.local', 'succeeded'],
    ]);
    // The model was told the records as untrusted data, without tools.
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ model: 'claude-test', tools: [] });
    expect(JSON.stringify(fake.requests[0]!.messages)).toContain(`<untrusted_data source=\\"incident\\">`);
    expect(JSON.stringify(fake.requests[0]!.messages)).toContain('core-service: checkout fails');
  });

  it('keeps an edit made while the model writes: the model\'s version is dropped', async () => {
    // Prepare: a slow answer, so the edit comes first.
    fake.deltaDelayMs = 40;
    fake.script([{ blocks: [{ text: JSON.stringify(MODEL_DRAFT) }] }]);
    const incident = await declared('core-service: slow checkout');
    const operator = h.client('operator');

    // Act
    const drafted = await operator.send('POST', `/api/v1/incidents/${incident.id}/postmortem`, { body: {} });
    const edited = await operator.send('PUT', `/api/v1/incidents/${incident.id}/postmortem`, { body: { rootCause: 'A connection leak in the report export.' }, headers: { 'if-match': String(drafted.headers.get('etag')) } });
    await settled();

    // Assess
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, rootCause: 'A connection leak in the report export.', generatedByAI: false, model: null, modelDraft: { status: 'abandoned' } });
    expect(fake.requests).toHaveLength(1);
    expect(await readPostmortem(incident.id)).toEqual(edited.body);
    expect(await postmortemAudit(incident.id)).toEqual([
      ['incidents.postmortem.draft', 'user', 'operator@apollo.local', 'succeeded'],
      ['incidents.postmortem.update', 'user', 'operator@apollo.local', 'succeeded'],
      ['incidents.postmortem.model-draft', 'ai', 'operator@apollo.local', 'failed'],
    ]);
  });

  it('leaves the draft from the records when the model answers no postmortem, saying why', async () => {
    fake.script([{ blocks: [{ text: 'I would rather not.' }] }]);
    const incident = await declared('core-service: refusals');

    const drafted = (await h.client('operator').send('POST', `/api/v1/incidents/${incident.id}/postmortem`, { body: {} })).body as Postmortem;
    await settled();

    expect(await readPostmortem(incident.id)).toEqual({ ...drafted, version: 2, modelDraft: { ...drafted.modelDraft, status: 'failed', finishedAt: expect.any(String), error: 'the model did not answer a JSON object' } });
  });
});

describe('the postmortem with no model', () => {
  it('is the draft from the records alone, as before', async () => {
    configureAi({ model: undefined });
    const incident = await declared('core-service: no model');

    const res = await h.client('operator').send('POST', `/api/v1/incidents/${incident.id}/postmortem`, { body: {} });
    await settled();

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 1, generatedByAI: false, model: null, modelDraft: null });
    expect(await readPostmortem(incident.id)).toEqual(res.body);
    expect(fake.requests).toEqual([]);
  });
});

describe('the AI console\'s postmortem <incident-id>', () => {
  it('prints the incident\'s measures, timeline and postmortem state, then the model writes the postmortem in the terminal', async () => {
    // Prepare: the command and its tool, as the registry lists them once wired (added here only if not yet).
    const { tools, parseCommand } = await aiDeps();
    configureAi({
      tools: tools.some((t) => t.name === incidentPostmortem.name) ? tools : [...tools, incidentPostmortem],
      parseCommand: (text) => {
        const words = text.trim().split(/\s+/);
        if (words[0] !== 'postmortem' || words.length !== 2) return parseCommand(text);
        const args = postmortemCommand.parse(words.slice(1));
        return typeof args === 'string' ? { problem: args } : { command: postmortemCommand, args };
      },
    });
    fake.script([{ blocks: [{ text: '## Summary\nCheckout failed for 12 minutes. Root cause: to be confirmed.' }] }]);
    const operator = h.client('operator');
    const incident = await declared('core-service: checkout timeouts');
    await operator.call('POST', `/api/v1/incidents/${incident.id}/acknowledge`, { body: {} });
    const session = (await operator.call<AiSession>('POST', '/api/v1/ai/sessions', { body: { target: { incidentId: incident.id } } })).body;
    const { ws, frames } = await subscribe(h, 'operator', `ai:${session.id}`);

    // Act
    const sent = await operator.call<AiMessageAccepted>('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: `postmortem ${incident.id}` } });

    // Assess
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ command: 'postmortem' });
    const ai = () => (frames as ReadonlyArray<{ type: string; event?: string; data?: unknown }>).filter((f) => f.type === 'event' && f.event === 'ai.frame').map((f) => f.data as AiFrame).filter((f) => f.turnId === sent.body.turnId);
    await until(() => ai().some((f) => f.type === 'end'), 20_000);
    ws.close();
    const turn = ai();
    expect(turn.flatMap((f) => (f.type === 'tool_call' ? [f.name] : []))).toEqual(['incident_postmortem', 'error_groups']);
    const findings = JSON.stringify(turn.find((f) => f.type === 'findings'));
    expect(findings).toContain('Time to acknowledge');
    expect(findings).toContain('core-service in prod');
    expect(findings).toContain('None yet.');
    expect(turn.flatMap((f) => (f.type === 'text' ? [f.text] : [])).join('')).toContain('Checkout failed for 12 minutes.');
    expect(turn.at(-1)).toMatchObject({ type: 'end', stopReason: 'end_turn' });
    // The model was asked to write it here from the findings, saving nothing.
    const asked = JSON.stringify(fake.requests.at(-1)!.messages);
    expect(asked).toContain('Write its postmortem here, blameless, in Markdown');
    expect(asked).toContain('Do not save or change anything.');
  });
});
