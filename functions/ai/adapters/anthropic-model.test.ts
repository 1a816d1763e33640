import { createServer, type Socket } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic, textPieces } from '../../../local/fakes/anthropic-server.ts';
import { ModelUnavailableError, type ModelEvent, type ModelRequest, type ModelStopReason } from '../ports.ts';
import { AnthropicModel, bedrockClientOptions, createBedrockClient, retryAfter } from './anthropic-model.ts';
import type { ModelConfig } from './model-config.ts';

let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await FakeAnthropic.start();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.reset();
});

const MODELS = { default: 'claude-sonnet-5-5', large: 'claude-opus-5-5', small: 'claude-haiku-5-5' };

function settings(overrides: Partial<Extract<ModelConfig, { provider: 'anthropic' }>> = {}): Extract<ModelConfig, { provider: 'anthropic' }> {
  return { provider: 'anthropic', key: { kind: 'env', apiKey: fake.apiKey }, baseURL: fake.url, models: MODELS, maxAttempts: 3, timeoutMs: 10_000, ...overrides };
}

function model(overrides: Partial<Extract<ModelConfig, { provider: 'anthropic' }>> = {}): AnthropicModel {
  // No jitter (random 0) and short waits, so the waits are exact and the tests quick.
  return AnthropicModel.fromConfig(settings(overrides), { backoff: { initialMs: 10, maxMs: 2_000 }, random: () => 0 });
}

const REQUEST: ModelRequest = {
  model: 'claude-sonnet-5-5',
  system: 'You are Apollo\'s operations assistant.',
  messages: [
    { role: 'user', content: 'debug prod core-service' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_0', name: 'get_metrics', input: { service: 'core-service' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_0', content: '<untrusted>p99 2400 ms</untrusted>' }] },
  ],
  tools: [{ name: 'get_logs', description: 'Reads logs', input_schema: { type: 'object', properties: { service: { type: 'string' } } } }],
  maxTokens: 1024,
};

async function collect(stream: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The events until the stream threw, and what it threw. */
async function collectFailure(stream: AsyncIterable<ModelEvent>): Promise<{ events: ModelEvent[]; error: ModelUnavailableError }> {
  const events: ModelEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelUnavailableError);
    return { events, error: error as ModelUnavailableError };
  }
  throw new Error('the stream did not fail');
}

describe('AnthropicModel over the Messages API (against the LOCAL FAKE)', () => {
  it('streams text in order, with usage and the stop, and tells the model what the request says', async () => {
    // Prepare
    const text = 'The p99 rose to 2400 ms right after deploy 42 of core-service.';
    fake.script([{ blocks: [{ text }], usage: { inputTokens: 25, outputTokens: 42 } }]);

    // Act
    const events = await collect(model().stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events).toEqual([
      { type: 'usage', inputTokens: 25, outputTokens: 1 },
      ...textPieces(text).map((piece) => ({ type: 'text_delta', index: 0, text: piece })),
      { type: 'usage', inputTokens: 25, outputTokens: 42 },
      { type: 'stop', stopReason: 'end_turn', content: [{ type: 'text', text }] },
    ]);
    expect(textPieces(text).length).toBeGreaterThan(3);
    expect(fake.requests).toEqual([{
      model: 'claude-sonnet-5-5',
      system: REQUEST.system,
      messages: REQUEST.messages,
      tools: REQUEST.tools,
      maxTokens: 1024,
      auth: 'bearer',
      anthropicVersion: expect.any(String),
    }]);
  });

  it('gives one tool_use event, its input parsed from several input_json_delta frames, and the whole content at the stop', async () => {
    // Prepare
    const input = { service: 'core-service', environment: 'prod', query: 'level=error | count by (msg)', limit: 50 };
    fake.script([{ blocks: [{ text: 'Reading the logs.' }, { toolUse: { name: 'get_logs', input, id: 'toolu_fake_1' } }] }]);

    // Act
    const events = await collect(model().stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events.filter((e) => e.type === 'tool_use')).toEqual([{ type: 'tool_use', index: 1, id: 'toolu_fake_1', name: 'get_logs', input }]);
    expect(events.at(-1)).toEqual({
      type: 'stop',
      stopReason: 'tool_use',
      content: [{ type: 'text', text: 'Reading the logs.' }, { type: 'tool_use', id: 'toolu_fake_1', name: 'get_logs', input }],
    });
  });

  it('turns a tool input that is not JSON into {}', async () => {
    // Prepare
    fake.script([{ blocks: [{ toolUse: { name: 'get_logs', rawInput: '{"service": "core-', id: 'toolu_bad' } }] }]);

    // Act
    const events = await collect(model().stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events.filter((e) => e.type === 'tool_use')).toEqual([{ type: 'tool_use', index: 0, id: 'toolu_bad', name: 'get_logs', input: {} }]);
  });

  it.each<ModelStopReason>(['end_turn', 'tool_use', 'max_tokens', 'refusal', 'pause_turn'])('passes the stop reason %s on', async (stopReason) => {
    // Prepare
    fake.script([{ blocks: [{ text: 'Partial answer' }], stopReason }]);

    // Act
    const events = await collect(model().stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events.at(-1)).toEqual({ type: 'stop', stopReason, content: [{ type: 'text', text: 'Partial answer' }] });
  });

  it('retries an overloaded_error that arrives as an SSE error frame, announcing each wait, then streams', async () => {
    // Prepare
    fake.script([{ error: 'overloaded', times: 2 }, { blocks: [{ text: 'Recovered.' }] }]);

    // Act
    const events = await collect(model().stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events.filter((e) => e.type !== 'usage')).toEqual([
      { type: 'retry', attempt: 2, waitMs: 10, reason: 'overloaded (overloaded_error)' },
      { type: 'retry', attempt: 3, waitMs: 20, reason: 'overloaded (overloaded_error)' },
      { type: 'text_delta', index: 0, text: 'Recovered.' },
      { type: 'stop', stopReason: 'end_turn', content: [{ type: 'text', text: 'Recovered.' }] },
    ]);
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry an overloaded_error that arrives after text has streamed (it would repeat the text)', async () => {
    // Prepare
    fake.script([{ error: 'overloaded', afterText: 'Half an answer' }, { blocks: [{ text: 'never asked for' }] }]);

    // Act
    const { events, error } = await collectFailure(model().stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events.filter((e) => e.type !== 'usage')).toEqual(textPieces('Half an answer').map((text) => ({ type: 'text_delta', index: 0, text })));
    expect(error.message).toBe(`the model at ${fake.url} failed mid-answer (overloaded_error: Overloaded)`);
    expect(error.retryable).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('waits as long as a 429\'s retry-after says before trying again', async () => {
    // Prepare
    fake.script([{ error: 429, retryAfter: 1 }, { blocks: [{ text: 'ok' }] }]);
    const started = Date.now();

    // Act
    const events = await collect(model().stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events.filter((e) => e.type === 'retry')).toEqual([{ type: 'retry', attempt: 2, waitMs: 1000, reason: 'rate limited (429)' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(events.at(-1)).toMatchObject({ type: 'stop', stopReason: 'end_turn' });
  });

  it('gives up after the configured tries of 529, saying the model is busy', async () => {
    // Prepare
    fake.script([{ error: 529, times: 3 }]);

    // Act
    const { events, error } = await collectFailure(model({ maxAttempts: 3 }).stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events.map((e) => e.type)).toEqual(['retry', 'retry']);
    expect(error.message).toBe(`the model at ${fake.url} is busy (overloaded (529)); gave up after 3 tries; try again shortly`);
    expect(error.retryable).toBe(true);
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry a rejected key, and says where the key comes from', async () => {
    // Act
    const { events, error } = await collectFailure(model({ key: { kind: 'env', apiKey: 'sk-ant-wrong' } }).stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events).toEqual([]);
    expect(error.message).toBe('the model rejected Apollo\'s API key (401 invalid x-api-key): the key comes from ANTHROPIC_API_KEY; set it to a valid key from the Anthropic Console');
    expect(error.retryable).toBe(false);
  });

  it('passes Anthropic\'s message on for a 400, without retrying', async () => {
    // Act
    const { events, error } = await collectFailure(model().stream({ ...REQUEST, messages: [] }, new AbortController().signal));

    // Assess
    expect(events).toEqual([]);
    expect(error.message).toBe('the model refused the request: messages: at least one message is required');
    expect(error.retryable).toBe(false);
  });

  it('says the model cannot be reached when nothing listens at the base URL', async () => {
    // Prepare: a port that was free a moment ago
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });

    // Act
    const { events, error } = await collectFailure(model({ baseURL: `http://127.0.0.1:${port}` }).stream(REQUEST, new AbortController().signal));

    // Assess
    expect(events).toEqual([]);
    expect(error.message).toBe(`the model at http://127.0.0.1:${port} cannot be reached: connection refused`);
  });

  it('says the model cannot be reached when its answer does not start in time', async () => {
    // Prepare: a server that takes the connection and never answers
    const sockets: Socket[] = [];
    const silent = createServer((socket) => { sockets.push(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };

    try {
      // Act
      const { error } = await collectFailure(model({ baseURL: `http://127.0.0.1:${port}`, timeoutMs: 200 }).stream(REQUEST, new AbortController().signal));

      // Assess
      expect(error.message).toBe(`the model at http://127.0.0.1:${port} cannot be reached: Request to 127.0.0.1:${port} timed out after 0.2s`);
      expect(error.retryable).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('ends a stream at once when the signal aborts (the kill switch), without retrying', async () => {
    // Prepare
    fake.script([{ hang: true }]);
    const controller = new AbortController();
    const events: ModelEvent[] = [];
    let abortedAt = 0;

    // Act
    for await (const event of model().stream(REQUEST, controller.signal)) {
      events.push(event);
      if (event.type === 'text_delta') {
        abortedAt = Date.now();
        controller.abort();
      }
    }
    const endedAfter = Date.now() - abortedAt;

    // Assess
    expect(endedAfter).toBeLessThan(100);
    expect(events.map((e) => e.type)).toEqual(['usage', 'text_delta']);
    expect(fake.requests).toHaveLength(1);
  });

  it('picks the model tier by command', () => {
    // Prepare
    const subject = model();

    // Assess
    expect([subject.modelFor('debug'), subject.modelFor('postmortem'), subject.modelFor('incident')]).toEqual(['claude-opus-5-5', 'claude-opus-5-5', 'claude-opus-5-5']);
    expect([subject.modelFor('explain'), subject.modelFor('help')]).toEqual(['claude-haiku-5-5', 'claude-haiku-5-5']);
    expect([subject.modelFor('logs'), subject.modelFor(undefined)]).toEqual(['claude-sonnet-5-5', 'claude-sonnet-5-5']);
    expect(subject.source).toBe('anthropic');
  });

  it('reads the key from the Secrets Manager secret once, however many messages', async () => {
    // Prepare
    const secrets = mockClient(SecretsManagerClient);
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:apollo/anthropic-AbCdEf';
    secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: JSON.stringify({ apiKey: fake.apiKey }) });
    const subject = model({ key: { kind: 'secret', secretArn } });

    try {
      // Act
      const first = await collect(subject.stream(REQUEST, new AbortController().signal));
      const second = await collect(subject.stream(REQUEST, new AbortController().signal));

      // Assess
      expect([first.at(-1)?.type, second.at(-1)?.type]).toEqual(['stop', 'stop']);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    } finally {
      secrets.restore();
    }
  });

  it('names the secret when the key it holds is rejected', async () => {
    // Prepare
    const secrets = mockClient(SecretsManagerClient);
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:apollo/anthropic-AbCdEf';
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'sk-ant-revoked' });

    try {
      // Act
      const { error } = await collectFailure(model({ key: { kind: 'secret', secretArn } }).stream(REQUEST, new AbortController().signal));

      // Assess
      expect(error.message).toBe(`the model rejected Apollo's API key (401 invalid x-api-key): the key comes from the Secrets Manager secret ${secretArn} (APOLLO_ANTHROPIC_KEY_SECRET_ARN); put a valid key from the Anthropic Console in it`);
    } finally {
      secrets.restore();
    }
  });
});

describe('retry-after', () => {
  it('reads retry-after-ms first, then retry-after as seconds or a date', () => {
    const now = Date.parse('2026-12-05T09:00:00Z');
    expect(retryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }), now)).toBe(250);
    expect(retryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfter(new Headers({ 'retry-after': 'Sat, 05 Dec 2026 09:00:02 GMT' }), now)).toBe(2000);
    expect(retryAfter(new Headers({}), now)).toBeUndefined();
  });
});

describe('AnthropicModel on Amazon Bedrock', () => {
  it('builds AnthropicBedrock for the region, with no retries of its own', async () => {
    // Act
    const client = await createBedrockClient(bedrockClientOptions({ provider: 'bedrock', region: 'eu-west-1', baseURL: undefined, models: MODELS, maxAttempts: 3, timeoutMs: 60_000 }));

    // Assess
    expect(client.constructor.name).toBe('AnthropicBedrock');
    expect(client).toMatchObject({ awsRegion: 'eu-west-1', baseURL: 'https://bedrock-runtime.eu-west-1.amazonaws.com', maxRetries: 0, timeout: 60_000 });
    const model = AnthropicModel.fromConfig({ provider: 'bedrock', region: 'eu-west-1', baseURL: undefined, models: { ...MODELS, default: 'global.anthropic.claude-sonnet-5-5' }, maxAttempts: 3, timeoutMs: 60_000 });
    expect([model.source, model.modelFor('logs')]).toEqual(['bedrock', 'global.anthropic.claude-sonnet-5-5']);
  });
});
