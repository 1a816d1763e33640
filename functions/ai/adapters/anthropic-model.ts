/**
 * The model port on Anthropic's SDK: the Messages API streamed (`client.messages.stream`), or the same API on
 * Amazon Bedrock (`AnthropicBedrock`, imported only when configured). Raw stream events become ModelEvents;
 * 429, 529 and `overloaded_error` (also an SSE `event: error` before any content) are retried here, with
 * exponential backoff and jitter, honouring `retry-after`, each try announced; the SDK's own retries are off
 * so ours are the only ones. Every other failure becomes a ModelUnavailableError a person can act on.
 */
import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { ClientOptions } from '@anthropic-ai/sdk';
import type { ClientOptions as BedrockClientOptions } from '@anthropic-ai/bedrock-sdk';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { logger } from '#lib/observability';
import { networkError } from '#lib/network-errors';
import { ModelUnavailableError, type ContentBlock, type MessageParam, type ModelEvent, type ModelPort, type ModelRequest, type ModelStopReason } from '../ports.ts';
import type { ApiKeySource, ModelConfig, ModelTiers } from './model-config.ts';

/** What the adapter needs of a client: Anthropic's and AnthropicBedrock's both have it. */
export interface StreamingClient {
  readonly messages: Pick<Anthropic['messages'], 'stream'>;
}

export interface Backoff {
  /** The first wait, before jitter. @default 500 */
  readonly initialMs: number;
  /** No wait is longer (a longer `retry-after` ends the tries instead). @default 30000 */
  readonly maxMs: number;
}

export interface AnthropicModelOptions {
  readonly source: 'anthropic' | 'bedrock';
  /** Builds the client on first use (the key may come from Secrets Manager; Bedrock's SDK is imported then). */
  readonly client: () => Promise<StreamingClient>;
  readonly models: ModelTiers;
  /** Tries per message, the first included. */
  readonly maxAttempts: number;
  /** Where the model is reached, for messages. */
  readonly endpoint: string;
  /** Where the credentials come from, for the message when they are rejected. */
  readonly credentialsHint: string;
  readonly backoff?: Backoff;
  /** [0, 1); tests pin it. @default Math.random */
  readonly random?: () => number;
}

/** The model tier of each built-in command that is not the default. */
const LARGE_COMMANDS: ReadonlySet<string> = new Set(['debug', 'postmortem', 'incident']);
const SMALL_COMMANDS: ReadonlySet<string> = new Set(['explain', 'help']);
const STOP_REASONS: ReadonlySet<string> = new Set<ModelStopReason>(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded']);
const RAW_INPUT_NOTE_CHARS = 500;

/** A failure the adapter may try again after waiting. */
interface Transient {
  readonly reason: string;
  /** What the server asked for (retry-after), if anything. */
  readonly retryAfterMs: number | undefined;
}

export class AnthropicModel implements ModelPort {
  readonly source: 'anthropic' | 'bedrock';
  #client: Promise<StreamingClient> | undefined;
  readonly #options: AnthropicModelOptions;
  readonly #backoff: Backoff;
  readonly #random: () => number;

  constructor(options: AnthropicModelOptions) {
    this.source = options.source;
    this.#options = options;
    this.#backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
    this.#random = options.random ?? Math.random;
  }

  /** The adapter the settings describe: the Anthropic API (key from the environment or Secrets Manager) or Bedrock. */
  static fromConfig(config: ModelConfig, extra: Pick<AnthropicModelOptions, 'backoff' | 'random'> = {}): AnthropicModel {
    if (config.provider === 'bedrock') {
      return new AnthropicModel({
        source: 'bedrock',
        client: () => createBedrockClient(bedrockClientOptions(config)),
        models: config.models,
        maxAttempts: config.maxAttempts,
        endpoint: config.baseURL ?? `https://bedrock-runtime.${config.region}.amazonaws.com`,
        credentialsHint: 'Bedrock is called with the function\'s AWS credentials (SigV4), or AWS_BEARER_TOKEN_BEDROCK if set; check that they allow bedrock:InvokeModelWithResponseStream on the model and that the model is enabled in the account',
        ...extra,
      });
    }
    return new AnthropicModel({
      source: 'anthropic',
      client: async () => new Anthropic(anthropicClientOptions(config, await readApiKey(config.key))),
      models: config.models,
      maxAttempts: config.maxAttempts,
      endpoint: config.baseURL,
      credentialsHint: config.key.kind === 'env'
        ? 'the key comes from ANTHROPIC_API_KEY; set it to a valid key from the Anthropic Console'
        : `the key comes from the Secrets Manager secret ${config.key.secretArn} (APOLLO_ANTHROPIC_KEY_SECRET_ARN); put a valid key from the Anthropic Console in it`,
      ...extra,
    });
  }

  modelFor(command: string | undefined): string {
    return modelForCommand(this.#options.models, command);
  }

  async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent> {
    const client = await this.#clientOnce();
    const { maxAttempts } = this.#options;
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) return;
      const turn = new TurnState();
      const stream = client.messages.stream(toSdkParams(request), { signal });
      try {
        for await (const event of stream) {
          for (const out of turn.accept(event)) yield out;
        }
        // The iterator ends quietly when the stream failed after it was drained; done() says why.
        await stream.done();
        if (signal.aborted) return;
        yield turn.stop();
        return;
      } catch (error) {
        if (signal.aborted || error instanceof APIUserAbortError) return;
        const transient = turn.emittedContent ? undefined : transientFailure(error);
        if (!transient) throw this.#unavailable(error, request.model);
        const waitMs = this.#waitBefore(attempt, transient.retryAfterMs);
        if (attempt >= maxAttempts || waitMs === undefined) {
          const why = waitMs === undefined ? `it asked to wait ${Math.ceil((transient.retryAfterMs ?? 0) / 1000)}s, longer than Apollo waits` : `gave up after ${attempt} ${attempt === 1 ? 'try' : 'tries'}`;
          throw new ModelUnavailableError(`the model at ${this.#options.endpoint} is busy (${transient.reason}); ${why}; try again shortly`, true, { cause: error });
        }
        yield { type: 'retry', attempt: attempt + 1, waitMs, reason: transient.reason };
        await sleep(waitMs, signal);
      } finally {
        if (!stream.ended) stream.abort();
      }
    }
  }

  #clientOnce(): Promise<StreamingClient> {
    if (!this.#client) {
      this.#client = this.#options.client();
      // A failed build (the secret could not be read) is tried again on the next message.
      this.#client.catch(() => { this.#client = undefined; });
    }
    return this.#client;
  }

  /** How long to wait before try `attempt + 1`; undefined when the server asks for longer than Apollo waits. */
  #waitBefore(attempt: number, retryAfterMs: number | undefined): number | undefined {
    const { initialMs, maxMs } = this.#backoff;
    if (retryAfterMs !== undefined) return retryAfterMs <= maxMs ? retryAfterMs : undefined;
    const exponential = Math.min(initialMs * 2 ** (attempt - 1), maxMs);
    // Up to a quarter less, so clients that failed together do not all come back together.
    return Math.round(exponential * (1 - this.#random() * 0.25));
  }

  #unavailable(error: unknown, model: string): ModelUnavailableError {
    if (error instanceof ModelUnavailableError) return error;
    const { endpoint, credentialsHint } = this.#options;
    if (error instanceof APIError && error.status !== undefined) {
      const said = error.apiMessage ?? error.message;
      if (error.status === 401 || error.status === 403) {
        return new ModelUnavailableError(`the model rejected Apollo's API key (${error.status} ${said}): ${credentialsHint}`, false, { cause: error });
      }
      if (error.status === 404) return new ModelUnavailableError(`the model "${model}" was not found at ${endpoint} (${said}); check APOLLO_AI_MODEL`, false, { cause: error });
      if (error.status === 400 || error.status === 413 || error.status === 422) return new ModelUnavailableError(`the model refused the request: ${said}`, false, { cause: error });
      return new ModelUnavailableError(`the model at ${endpoint} failed (${error.status} ${said})`, error.status >= 500, { cause: error });
    }
    if (error instanceof APIError && error.type) {
      // An SSE `event: error` frame, after content had streamed (or not a busy signal).
      return new ModelUnavailableError(`the model at ${endpoint} failed mid-answer (${error.type}: ${error.apiMessage ?? error.message})`, true, { cause: error });
    }
    if (error instanceof APIConnectionError || hasNetworkCause(error)) {
      const cause = (error as { cause?: unknown }).cause;
      const why = error instanceof APIConnectionError && /timed out/i.test(error.message) ? error.message : networkError(cause ?? error);
      return new ModelUnavailableError(`the model at ${endpoint} cannot be reached: ${why}`, true, { cause: error });
    }
    return new ModelUnavailableError(`the model at ${endpoint} failed: ${error instanceof Error ? error.message : String(error)}`, false, { cause: error });
  }
}

/** The model tier a command uses: larger for debug, postmortem and incident, smaller for explain and help. */
export function modelForCommand(models: ModelTiers, command: string | undefined): string {
  if (command && LARGE_COMMANDS.has(command)) return models.large;
  if (command && SMALL_COMMANDS.has(command)) return models.small;
  return models.default;
}

/** The events of one message, as they stream, and what it ends with. */
class TurnState {
  emittedContent = false;
  readonly #blocks = new Map<number, { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; json: string; input?: unknown }>();
  #inputTokens = 0;
  #outputTokens = 0;
  #stopReason: string | null = null;

  *accept(event: Anthropic.MessageStreamEvent): Generator<ModelEvent> {
    switch (event.type) {
      case 'message_start':
        this.#inputTokens = event.message.usage.input_tokens;
        this.#outputTokens = event.message.usage.output_tokens;
        yield this.#usage();
        return;
      case 'message_delta':
        if (event.delta.stop_reason) this.#stopReason = event.delta.stop_reason;
        this.#inputTokens = event.usage.input_tokens ?? this.#inputTokens;
        this.#outputTokens = event.usage.output_tokens;
        yield this.#usage();
        return;
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') this.#blocks.set(event.index, { type: 'text', text: '' });
        else if (block.type === 'tool_use') this.#blocks.set(event.index, { type: 'tool_use', id: block.id, name: block.name, json: '' });
        // Other blocks (thinking, server tools) are not part of Apollo's conversation.
        return;
      }
      case 'content_block_delta': {
        const block = this.#blocks.get(event.index);
        if (event.delta.type === 'text_delta' && block?.type === 'text') {
          block.text += event.delta.text;
          this.emittedContent = true;
          yield { type: 'text_delta', index: event.index, text: event.delta.text };
        } else if (event.delta.type === 'input_json_delta' && block?.type === 'tool_use') {
          block.json += event.delta.partial_json;
        }
        return;
      }
      case 'content_block_stop': {
        const block = this.#blocks.get(event.index);
        if (block?.type !== 'tool_use') return;
        block.input = parseToolInput(block.name, block.json);
        this.emittedContent = true;
        yield { type: 'tool_use', index: event.index, id: block.id, name: block.name, input: block.input };
        return;
      }
      default:
        return;
    }
  }

  stop(): ModelEvent {
    if (this.#stopReason === null) throw new ModelUnavailableError('the model\'s answer ended before the message did (no stop_reason)', true);
    let stopReason = this.#stopReason as ModelStopReason;
    if (!STOP_REASONS.has(stopReason)) {
      logger.warn('unknown model stop reason', { stopReason });
      stopReason = 'end_turn';
    }
    const content: ContentBlock[] = [...this.#blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => (block.type === 'text'
      ? { type: 'text', text: block.text }
      : { type: 'tool_use', id: block.id, name: block.name, input: block.input ?? parseToolInput(block.name, block.json) }));
    return { type: 'stop', stopReason, content };
  }

  #usage(): ModelEvent {
    return { type: 'usage', inputTokens: this.#inputTokens, outputTokens: this.#outputTokens };
  }
}

/** A tool call's input as the model streamed it; JSON that does not parse becomes `{}`, the raw text logged. */
export function parseToolInput(tool: string, json: string): unknown {
  if (json.trim() === '') return {};
  try {
    return JSON.parse(json) as unknown;
  } catch {
    logger.warn('model tool input is not json; using {}', { tool, rawInput: json.slice(0, RAW_INPUT_NOTE_CHARS), rawLength: json.length });
    return {};
  }
}

/** 429, 529 and overloaded_error (an HTTP status, or an SSE error frame) are worth another try; nothing else. */
function transientFailure(error: unknown): Transient | undefined {
  if (!(error instanceof APIError) || error instanceof APIConnectionError) return undefined;
  const type = error.type ?? undefined;
  const busy = error.status === 429 || error.status === 529 || type === 'overloaded_error' || (error.status === undefined && type === 'rate_limit_error');
  if (!busy) return undefined;
  const reason = error.status === 429 || type === 'rate_limit_error' ? 'rate limited (429)' : error.status === 529 ? 'overloaded (529)' : 'overloaded (overloaded_error)';
  return { reason, retryAfterMs: retryAfter(error.headers) };
}

/** `retry-after-ms` (what Anthropic's SDKs honour first), else `retry-after` in seconds or as a date. */
export function retryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function hasNetworkCause(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth += 1) {
    if (typeof e.code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(e.code)) return true;
  }
  return false;
}

/** Resolves at `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function toSdkMessage(message: MessageParam): Anthropic.MessageParam {
  if (message.role === 'assistant') {
    return { role: 'assistant', content: message.content.map((b) => (b.type === 'text' ? { type: 'text', text: b.text } : { type: 'tool_use', id: b.id, name: b.name, input: b.input })) };
  }
  if (typeof message.content === 'string') return { role: 'user', content: message.content };
  return {
    role: 'user',
    content: message.content.map((b) => (b.type === 'text'
      ? { type: 'text', text: b.text }
      : { type: 'tool_result', tool_use_id: b.tool_use_id, content: b.content, ...(b.is_error === undefined ? {} : { is_error: b.is_error }) })),
  };
}

function toSdkParams(request: ModelRequest): Anthropic.MessageStreamParams {
  return {
    model: request.model,
    system: request.system,
    messages: request.messages.map(toSdkMessage),
    tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object', ...t.input_schema } as Anthropic.Tool.InputSchema })),
    max_tokens: request.maxTokens,
  };
}

// ------------------------------------------------------------------------------------------------- clients

/** The Anthropic client's options: the key, the base URL, no retries of its own. */
export function anthropicClientOptions(config: Extract<ModelConfig, { provider: 'anthropic' }>, apiKey: string): ClientOptions {
  return { apiKey, baseURL: config.baseURL, maxRetries: 0, timeout: config.timeoutMs };
}

/** The Bedrock client's options: the region (and endpoint, if set), AWS credentials from the chain, no retries of its own. */
export function bedrockClientOptions(config: Extract<ModelConfig, { provider: 'bedrock' }>): BedrockOptions {
  return { awsRegion: config.region, ...(config.baseURL ? { baseURL: config.baseURL } : {}), maxRetries: 0, timeout: config.timeoutMs };
}

/** AnthropicBedrock, imported only now (its AWS dependencies are not loaded unless Bedrock is configured). */
export async function createBedrockClient(options: BedrockOptions): Promise<StreamingClient> {
  const { AnthropicBedrock } = await import('@anthropic-ai/bedrock-sdk');
  return new AnthropicBedrock(options);
}

/** Bedrock's options without static AWS keys: credentials come from the default chain (the Lambda's role). */
export type BedrockOptions = BedrockClientOptions & { readonly awsAccessKey?: null; readonly awsSecretKey?: null; readonly awsSessionToken?: null };

let secrets: SecretsManagerClient | undefined;

/** The API key: from the environment, or read once from Secrets Manager (the secret's string, or JSON `{ "apiKey" }`). */
export async function readApiKey(source: ApiKeySource, client?: SecretsManagerClient): Promise<string> {
  if (source.kind === 'env') return source.apiKey;
  secrets ??= client ?? new SecretsManagerClient({});
  let text: string | undefined;
  try {
    text = (await (client ?? secrets).send(new GetSecretValueCommand({ SecretId: source.secretArn }))).SecretString?.trim();
  } catch (error) {
    throw new ModelUnavailableError(`cannot read the Anthropic API key from the secret ${source.secretArn}: ${error instanceof Error ? error.message : String(error)}`, true, { cause: error });
  }
  let key = text;
  if (text?.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      key = typeof parsed.apiKey === 'string' ? parsed.apiKey : typeof parsed.ANTHROPIC_API_KEY === 'string' ? parsed.ANTHROPIC_API_KEY : undefined;
    } catch {
      key = undefined;
    }
  }
  if (!key) throw new ModelUnavailableError(`the secret ${source.secretArn} holds no Anthropic API key (its value should be the key, or JSON {"apiKey": "…"})`, false);
  return key;
}
