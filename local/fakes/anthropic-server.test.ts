import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseModelDraft, POSTMORTEM_SYSTEM } from '#functions/incidents/postmortem-model';
import { untrusted } from '#functions/ai/untrusted';
import { FakeAnthropic, localAnthropicBanner, startLocalAnthropic } from './anthropic-server.ts';

let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await FakeAnthropic.start({ apiKey: 'sk-ant-test' });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
});

const BODY = { model: 'claude-sonnet-5-5', max_tokens: 256, stream: true, system: 'be brief', messages: [{ role: 'user', content: 'p99 is 2400 ms, error rate 3.5% over 120 requests' }] };

async function post(body: unknown, headers: Record<string, string> = { authorization: 'Bearer sk-ant-test', 'anthropic-version': '2026-10-21' }): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The SSE frames as `{ event, data }`; a frame without an `event:` line has event null. */
function frames(text: string): { event: string | null; data: any }[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return text.split('\n\n').filter((f) => f.trim()).map((frame) => {
    const event = /^event: (.+)$/m.exec(frame)?.[1] ?? null;
    const data = /^data: (.+)$/m.exec(frame)?.[1];
    return { event, data: data ? JSON.parse(data) : undefined };
  });
}

describe('the LOCAL FAKE Anthropic Messages API', () => {
  it('streams a scripted turn as Anthropic does: every frame named, text and tool input in several deltas', async () => {
    // Prepare
    fake.script([{ blocks: [{ text: 'Looking at the error logs now.' }, { toolUse: { name: 'get_logs', input: { service: 'core-service', limit: 50 } } }] }]);

    // Act
    const res = await post(BODY);

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('x-apollo-fake')).toBe('LOCAL FAKE');
    const got = frames(res.text);
    expect(got.every((f) => f.event !== null && f.event === f.data.type)).toBe(true);
    expect(got.map((f) => f.event).filter((e, i, all) => e !== all[i - 1])).toEqual([
      'message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    const textDeltas = got.filter((f) => f.data.delta?.type === 'text_delta').map((f) => f.data.delta.text);
    const jsonDeltas = got.filter((f) => f.data.delta?.type === 'input_json_delta').map((f) => f.data.delta.partial_json);
    expect(textDeltas.length).toBeGreaterThan(1);
    expect(textDeltas.join('')).toBe('Looking at the error logs now.');
    expect(jsonDeltas.length).toBeGreaterThan(1);
    expect(JSON.parse(jsonDeltas.join(''))).toEqual({ service: 'core-service', limit: 50 });
    expect(got.filter((f) => f.event === 'content_block_start')[1]!.data.content_block).toEqual({ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_logs', input: {} });
    expect(got.find((f) => f.event === 'message_delta')!.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) } });
    expect(fake.requests).toEqual([{ model: 'claude-sonnet-5-5', system: 'be brief', messages: BODY.messages, tools: [], maxTokens: 256, auth: 'bearer', anthropicVersion: '2026-10-21' }]);
  });

  it('answers by default with a text that says it is the LOCAL FAKE model and quotes the figures it was sent', async () => {
    // Act
    const res = await post(BODY, { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' });

    // Assess
    const text = frames(res.text).filter((f) => f.data.delta?.type === 'text_delta').map((f) => f.data.delta.text).join('');
    expect(text).toBe('This is the LOCAL FAKE model (APOLLO_AI_FAKE_MODEL), not an analysis. The figures it was given include 2400, 3.5%, 120; a real model would reason over them here. Configure ANTHROPIC_API_KEY or Bedrock for real answers.');
    expect(fake.requests[0]).toMatchObject({ auth: 'x-api-key', anthropicVersion: '2023-06-01' });
  });

  it('proposes a pull request by default when asked for one in a session about a service and offered the tool', async () => {
    // Prepare
    const tools = [{ name: 'open_pull_request', description: 'a PR', input_schema: { type: 'object' } }];
    const system = 'You are …\n- User: dana@apollo.local (role developer)\n- Target: service core-service in prod\n';
    const asked = { ...BODY, system, tools, messages: [{ role: 'user', content: 'Please open a PR that raises the pool size' }] };

    // Act
    const res = await post(asked);
    const notOffered = await post({ ...asked, tools: [] });
    const noService = await post({ ...asked, system: '- Target: none in particular' });
    const toolResult = await post({ ...asked, messages: [...asked.messages, { role: 'assistant', content: 'ok' }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'open a pull request' }] }] });

    // Assess
    const got = frames(res.text);
    const input = JSON.parse(got.filter((f) => f.data.delta?.type === 'input_json_delta').map((f) => f.data.delta.partial_json).join(''));
    expect(got.find((f) => f.data.content_block?.type === 'tool_use')!.data.content_block.name).toBe('open_pull_request');
    expect(input).toMatchObject({ service: 'core-service', title: expect.stringContaining('LOCAL FAKE'), files: [{ path: 'docs/ai-console/LOCAL-FAKE.md', content: expect.stringContaining('Please open a PR that raises the pool size') }] });
    expect(got.find((f) => f.event === 'message_delta')!.data.delta.stop_reason).toBe('tool_use');
    for (const other of [notOffered, noService, toolResult]) expect(frames(other.text).some((f) => f.data.content_block?.type === 'tool_use')).toBe(false);
  });

  it('answers the postmortem writer with the draft from the records as the JSON it asks for, saying it is the fake', async () => {
    // Prepare
    const draft = {
      summary: 'core-service failed in prod.', impact: 'Checkout errors for 12 min.', rootCause: 'To be confirmed.',
      timeline: [{ at: '2026-12-05T10:00:00.000Z', content: 'HighErrorRate fired', source: 'alert' }],
      actionItems: [{ title: 'Confirm the cause', owner: 'dana@apollo.local', due: null, done: false, extra: 1 }],
    };
    const content = [untrusted('incident', '{"id":"01J"}'), untrusted('draft_from_records', JSON.stringify(draft)), 'Write the postmortem of incident 01J.'].join('\n\n');

    // Act
    const res = await post({ ...BODY, system: POSTMORTEM_SYSTEM, messages: [{ role: 'user', content }] });

    // Assess
    const text = frames(res.text).filter((f) => f.data.delta?.type === 'text_delta').map((f) => f.data.delta.text).join('');
    const written = parseModelDraft(text);
    expect(written.summary).toMatch(/^_Written by the LOCAL FAKE model .*_\n\ncore-service failed in prod\.$/);
    expect(written).toMatchObject({ impact: 'Checkout errors for 12 min.', rootCause: 'To be confirmed.', timeline: [{ at: '2026-12-05T10:00:00.000Z', content: 'HighErrorRate fired' }], actionItems: [{ title: 'Confirm the cause', owner: 'dana@apollo.local', due: null, done: false }] });
  });

  it('sends overloaded_error as an SSE error frame, and 429 with retry-after', async () => {
    // Prepare
    fake.script([{ error: 'overloaded' }, { error: 429, retryAfter: 2 }]);

    // Act
    const overloaded = await post(BODY);
    const limited = await post(BODY);

    // Assess
    expect(frames(overloaded.text).map((f) => f.event)).toEqual(['message_start', 'error']);
    expect(frames(overloaded.text)[1]!.data).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect([limited.status, limited.headers.get('retry-after'), JSON.parse(limited.text).error.type]).toEqual([429, '2', 'rate_limit_error']);
  });

  it('refuses a wrong key (401) and a request without anthropic-version (400)', async () => {
    // Act
    const wrongKey = await post(BODY, { 'x-api-key': 'nope', 'anthropic-version': '2023-06-01' });
    const noVersion = await post(BODY, { authorization: 'Bearer sk-ant-test' });

    // Assess
    expect([wrongKey.status, wrongKey.headers.get('x-apollo-fake'), JSON.parse(wrongKey.text).error]).toEqual([401, 'LOCAL FAKE', { type: 'authentication_error', message: 'invalid x-api-key' }]);
    expect([noVersion.status, JSON.parse(noVersion.text).error.type]).toEqual([400, 'invalid_request_error']);
    expect(fake.requests).toEqual([]);
  });

  it('starts for npm start only with APOLLO_AI_FAKE_MODEL=1, pointing the process at itself', async () => {
    // Prepare
    const env: NodeJS.ProcessEnv = { APOLLO_AI_FAKE_MODEL: '1' };

    // Act
    const none = await startLocalAnthropic(undefined, {});
    const local = await startLocalAnthropic(undefined, env);

    try {
      // Assess
      expect(none).toBeUndefined();
      expect(local).toBeDefined();
      expect(env).toMatchObject({ ANTHROPIC_BASE_URL: local!.url, ANTHROPIC_API_KEY: local!.apiKey });
      expect(local!.deltaDelayMs).toBe(15);
      expect(localAnthropicBanner(local!)).toContain(`LOCAL FAKE Anthropic Messages API at ${local!.url}/v1/messages`);
    } finally {
      await local?.close();
    }
  });
});
