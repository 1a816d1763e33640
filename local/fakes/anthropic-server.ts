/**
 * A LOCAL FAKE Anthropic Messages API on loopback, for the model adapter's tests and `npm start` with
 * APOLLO_AI_FAKE_MODEL=1. Its own node:http server on a free port; every answer carries `X-Apollo-Fake: LOCAL FAKE`.
 * What it speaks (PROTOCOLS.md §5): `POST /v1/messages` with `"stream": true` answered as `text/event-stream`, every
 * frame with its `event:` line (message_start, content_block_start/delta/stop with text_delta and input_json_delta,
 * ping, message_delta with stop_reason and usage, message_stop; `event: error` with overloaded_error); the key as
 * `X-Api-Key` or `Authorization: Bearer` (401 `authentication_error` otherwise), `anthropic-version` required.
 *
 * Tests script it turn by turn (`fake.script(...)`) and read what the model was told (`fake.requests`). With no
 * script queued it answers a short deterministic text, saying it is the LOCAL FAKE model, that quotes numbers
 * from the last user or tool_result content it was sent; asked to open a pull request in a session about a service
 * (and offered `open_pull_request`), it streams one such proposal (`cannedPullRequest`), so a person can try an
 * approval with no real model; asked to write a postmortem as JSON, it answers the draft from the records as that JSON
 * (`cannedPostmortem`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resetModelFromEnv } from '#functions/ai/adapters/model-config';
import type { ModelStopReason } from '#functions/ai/ports';

export const FAKE_ANTHROPIC_LABEL = 'LOCAL FAKE';
export const FAKE_MODEL_ENV = 'APOLLO_AI_FAKE_MODEL';
const MAX_BODY = 4 * 1024 * 1024;

export type FakeBlock =
  /** Streamed in several text_delta frames. */
  | { readonly text: string }
  /** Its input streamed as JSON over several input_json_delta frames; `rawInput` streams that text instead (JSON or not). */
  | { readonly toolUse: { readonly name: string; readonly input?: unknown; readonly rawInput?: string; readonly id?: string } };

export type FakeTurn =
  /** One message: its blocks, then its stop reason (default: tool_use when a block calls a tool, else end_turn). */
  | { readonly blocks: readonly FakeBlock[]; readonly stopReason?: ModelStopReason; readonly usage?: { readonly inputTokens: number; readonly outputTokens: number } }
  /**
   * The next `times` requests (default 1) fail: 'overloaded' as an SSE `event: error` frame after message_start,
   * 429 (rate_limit_error) or 529 (overloaded_error) as HTTP answers; `retryAfter` seconds sent as `retry-after`;
   * `afterText`: the error frame comes after a text block that says it (overloaded only).
   */
  | { readonly error: 'overloaded' | 429 | 529; readonly times?: number; readonly retryAfter?: number; readonly afterText?: string }
  /** A stream that starts a text block and never ends (for the kill switch). */
  | { readonly hang: true };

/** What a request told the model. */
export interface FakeAnthropicRequest {
  readonly model: string;
  readonly system: unknown;
  readonly messages: readonly { role: string; content: unknown }[];
  readonly tools: readonly { name: string; description?: string; input_schema?: unknown }[];
  readonly maxTokens: number;
  /** How the key came: `x-api-key` or `bearer`. */
  readonly auth: 'x-api-key' | 'bearer';
  readonly anthropicVersion: string;
}

export interface FakeAnthropicOptions {
  /** The key it accepts. @default a fresh random key */
  readonly apiKey?: string;
  /** Milliseconds between streamed frames, so streaming is visible. @default 0 */
  readonly deltaDelayMs?: number;
  readonly host?: string;
}

type Scripted = FakeTurn & { remaining?: number };

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function errorBody(type: string, message: string): unknown {
  return { type: 'error', error: { type, message }, request_id: `req_fake_${randomBytes(6).toString('hex')}` };
}

/** Text in pieces of about two words, each piece a delta. */
export function textPieces(text: string): string[] {
  const words = text.match(/\S+\s*/g) ?? [text];
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += 2) pieces.push(words.slice(i, i + 2).join(''));
  return pieces.length ? pieces : [''];
}

/** JSON in three (or fewer, when short) pieces cut anywhere, as the API cuts partial_json. */
function jsonPieces(json: string): string[] {
  if (json.length < 3) return [json];
  const size = Math.ceil(json.length / 3);
  return [json.slice(0, size), json.slice(size, 2 * size), json.slice(2 * size)].filter((p) => p !== '');
}

/** The words of a user message (its text and tool results). */
function userText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block: { type?: string; text?: unknown; content?: unknown }) => {
    if (block.type === 'text' && typeof block.text === 'string') return block.text;
    if (block.type === 'tool_result') return typeof block.content === 'string' ? block.content : userText(block.content);
    return '';
  }).join('\n');
}

/** The default answer: deterministic, saying what it is, quoting the figures it was sent (not the 99 of a p99). */
export function defaultAnalysis(messages: readonly { role: string; content: unknown }[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  const numbers = [...new Set(userText(last?.content).match(/(?<![\w.])\d+(?:\.\d+)?(?:%|ms\b|s\b)?/g) ?? [])].slice(0, 4);
  const quoted = numbers.length
    ? `The figures it was given include ${numbers.join(', ')}; a real model would reason over them here.`
    : 'It was given no figures to reason about.';
  return `This is the LOCAL FAKE model (APOLLO_AI_FAKE_MODEL), not an analysis. ${quoted} Configure ANTHROPIC_API_KEY or Bedrock for real answers.`;
}

/** The system prompt's text, whether sent as a string or as text blocks. */
function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  return Array.isArray(system) ? system.map((b: { text?: unknown }) => (typeof b.text === 'string' ? b.text : '')).join('\n') : '';
}

/**
 * The default answer's one change: the person's last message asks to open (create, raise…) a pull request or PR,
 * the session is about a service (the system prompt's `- Target: service <id>`) and `open_pull_request` is offered.
 * The fake cannot write a real change, so it proposes a note that says so: one file, `docs/ai-console/LOCAL-FAKE.md`.
 */
export function cannedPullRequest(request: Pick<FakeAnthropicRequest, 'system' | 'messages' | 'tools'>): FakeBlock[] | undefined {
  const last = request.messages.at(-1);
  if (last?.role !== 'user' || !request.tools.some((t) => t.name === 'open_pull_request')) return undefined;
  // A person's words, not what a tool answered (a tool_result mentioning a pull request is no request for one).
  if (Array.isArray(last.content) && last.content.some((b: { type?: string }) => b.type !== 'text')) return undefined;
  const text = userText(last.content).trim();
  if (!/\b(pull request|PR)\b/i.test(text) || !/\b(open|create|raise|make|propose|send)\b/i.test(text)) return undefined;
  const service = /^- Target: service ([a-z0-9][a-z0-9-]*)/m.exec(systemText(request.system))?.[1];
  if (!service) return undefined;
  const asked = text.length > 300 ? `${text.slice(0, 299)}…` : text;
  const content = [
    '# A change proposed by the LOCAL FAKE model',
    '',
    `Asked in the AI console: "${asked}"`,
    '',
    'The LOCAL FAKE model (APOLLO_AI_FAKE_MODEL) cannot write a real change: it proposes this note so that the',
    'approval of a pull request can be tried without a model. A real model would change the code it read.',
    '',
  ].join('\n');
  return [
    { text: `This is the LOCAL FAKE model: it cannot write a real change to ${service}, so it proposes a pull request with a note saying so. It waits for your click on Approve. ` },
    { toolUse: { name: 'open_pull_request', input: {
      service, title: 'docs: a note from the AI console (LOCAL FAKE model)', branch: `ai/local-fake-${Date.now().toString(36)}`,
      message: 'docs: a note from the AI console (LOCAL FAKE model)', description: `Proposed by the LOCAL FAKE model when asked: "${asked}"`,
      files: [{ path: 'docs/ai-console/LOCAL-FAKE.md', content }],
    } } },
  ];
}

/**
 * The default answer to the incidents' postmortem writer (its system prompt asks for one JSON object): the draft Apollo
 * made from the records (`draft_from_records`), as that JSON, its summary saying it is the LOCAL FAKE model's and not
 * a model's writing, so a postmortem's model draft completes locally instead of failing on prose.
 */
export function cannedPostmortem(request: Pick<FakeAnthropicRequest, 'system' | 'messages'>): FakeBlock[] | undefined {
  const system = systemText(request.system);
  if (!system.includes('incident postmortems') || !system.includes('Answer with one JSON object')) return undefined;
  const last = request.messages.at(-1);
  const block = /<untrusted_data source="draft_from_records">\n([\s\S]*?)\n<\/untrusted_data>/.exec(last?.role === 'user' ? userText(last.content) : '')?.[1];
  if (!block) return undefined;
  let draft: { summary?: unknown; impact?: unknown; rootCause?: unknown; timeline?: unknown; actionItems?: unknown };
  try {
    draft = JSON.parse(block) as typeof draft;
  } catch {
    return undefined;
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const list = (value: unknown) => (Array.isArray(value) ? value as Array<Record<string, unknown>> : []);
  const answer = {
    summary: `_Written by the LOCAL FAKE model (APOLLO_AI_FAKE_MODEL): the draft from the records, unchanged; a real model would write it._\n\n${text(draft.summary)}`,
    impact: text(draft.impact),
    timeline: list(draft.timeline).filter((e) => typeof e.at === 'string' && typeof e.content === 'string' && e.content).slice(0, 500).map((e) => ({ at: e.at, content: (e.content as string).slice(0, 2_000) })),
    rootCause: text(draft.rootCause),
    actionItems: list(draft.actionItems).filter((a) => typeof a.title === 'string' && a.title).slice(0, 100).map((a) => ({
      title: (a.title as string).slice(0, 500), owner: typeof a.owner === 'string' ? a.owner : null, due: typeof a.due === 'string' ? a.due : null, done: false,
    })),
  };
  return [{ text: JSON.stringify(answer) }];
}

export class FakeAnthropic {
  url = '';
  readonly apiKey: string;
  /** Every request with a valid key, oldest first. */
  readonly requests: FakeAnthropicRequest[] = [];
  deltaDelayMs: number;
  private server!: Server;
  private readonly queue: Scripted[] = [];
  private messageCount = 0;
  private readonly open = new Set<ServerResponse>();

  private constructor(options: FakeAnthropicOptions) {
    this.apiKey = options.apiKey ?? `sk-ant-local-fake-${randomBytes(18).toString('base64url')}`;
    this.deltaDelayMs = options.deltaDelayMs ?? 0;
  }

  static async start(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
    const fake = new FakeAnthropic(options);
    fake.server = createServer((req, res) => {
      res.setHeader('X-Apollo-Fake', FAKE_ANTHROPIC_LABEL);
      void fake.serve(req, res).catch((error: unknown) => {
        console.error('[fake-anthropic] request failed:', error);
        if (!res.headersSent) fake.json(res, 500, errorBody('api_error', 'Internal server error'));
        else res.destroy();
      });
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, host, () => resolve());
    });
    fake.url = `http://${host}:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Queues turns: each request takes the next one (an error turn serves `times` requests). */
  script(turns: readonly FakeTurn[]): void {
    for (const turn of turns) this.queue.push({ ...turn, ...('error' in turn ? { remaining: turn.times ?? 1 } : {}) });
  }

  /** Forgets the queued turns and the requests seen. */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
  }

  /** How many queued turns are left. */
  get pending(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${this.messageCount}`, ...headers });
    res.end(JSON.stringify(body));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || path !== '/v1/messages') {
      this.json(res, 404, errorBody('not_found_error', `the LOCAL FAKE Anthropic API serves only POST /v1/messages, not ${req.method} ${path}`));
      return;
    }
    const xApiKey = req.headers['x-api-key'];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const key = typeof xApiKey === 'string' ? xApiKey : bearer;
    if (key !== this.apiKey) {
      this.json(res, 401, errorBody('authentication_error', key === undefined ? 'x-api-key header is required' : 'invalid x-api-key'));
      return;
    }
    const version = req.headers['anthropic-version'];
    if (typeof version !== 'string' || !version) {
      this.json(res, 400, errorBody('invalid_request_error', 'anthropic-version: header is required'));
      return;
    }
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      this.json(res, 400, errorBody('invalid_request_error', 'the request body is not valid JSON'));
      return;
    }
    const problem = invalid(body);
    if (problem) {
      this.json(res, 400, errorBody('invalid_request_error', problem));
      return;
    }
    const request: FakeAnthropicRequest = {
      model: body.model as string,
      system: body.system,
      messages: body.messages as FakeAnthropicRequest['messages'],
      tools: (body.tools ?? []) as FakeAnthropicRequest['tools'],
      maxTokens: body.max_tokens as number,
      auth: typeof xApiKey === 'string' ? 'x-api-key' : 'bearer',
      anthropicVersion: version,
    };
    this.requests.push(request);
    const turn = this.next();
    if (turn && 'error' in turn && turn.error !== 'overloaded') {
      const retryAfter: Record<string, string> = turn.retryAfter === undefined ? {} : { 'retry-after': String(turn.retryAfter) };
      if (turn.error === 429) this.json(res, 429, errorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit (LOCAL FAKE)'), retryAfter);
      else this.json(res, 529, errorBody('overloaded_error', 'Overloaded'), retryAfter);
      return;
    }
    await this.streamTurn(res, request, raw.length, turn);
  }

  /** The next scripted turn, or undefined for the default answer. */
  private next(): FakeTurn | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (head.remaining !== undefined && head.remaining > 1) {
      head.remaining -= 1;
      return head;
    }
    this.queue.shift();
    return head;
  }

  private async streamTurn(res: ServerResponse, request: FakeAnthropicRequest, bodyChars: number, turn: FakeTurn | undefined): Promise<void> {
    this.messageCount += 1;
    const id = `msg_fake_${String(this.messageCount).padStart(4, '0')}`;
    const scriptedUsage = turn && 'blocks' in turn ? turn.usage : undefined;
    const inputTokens = scriptedUsage?.inputTokens ?? Math.max(1, Math.round(bodyChars / 4));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': `req_fake_${this.messageCount}` });
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const pause = () => (this.deltaDelayMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.deltaDelayMs)) : Promise.resolve());
    const send = async (event: string, data: unknown) => {
      if (res.destroyed) return;
      sse(res, event, data);
      await pause();
    };
    await send('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model: request.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1 } },
    });
    if (turn && 'error' in turn) {
      if (turn.afterText) {
        await send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
        for (const text of textPieces(turn.afterText)) await send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
      }
      await send('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      res.end();
      return;
    }
    if (turn && 'hang' in turn) {
      await send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      await send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'LOCAL FAKE: thinking forever…' } });
      const ping = setInterval(() => { if (!res.destroyed) sse(res, 'ping', { type: 'ping' }); }, 200);
      res.on('close', () => clearInterval(ping));
      return;
    }
    const blocks: readonly FakeBlock[] = turn ? turn.blocks : cannedPostmortem(request) ?? cannedPullRequest(request) ?? [{ text: defaultAnalysis(request.messages) }];
    let outputChars = 0;
    for (const [index, block] of blocks.entries()) {
      if ('text' in block) {
        await send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        if (index === 0) await send('ping', { type: 'ping' });
        for (const text of textPieces(block.text)) await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
        outputChars += block.text.length;
      } else {
        const toolId = block.toolUse.id ?? `toolu_fake_${this.messageCount}_${index}`;
        const json = block.toolUse.rawInput ?? JSON.stringify(block.toolUse.input ?? {});
        await send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: toolId, name: block.toolUse.name, input: {} } });
        for (const partial of jsonPieces(json)) await send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } });
        outputChars += json.length;
      }
      await send('content_block_stop', { type: 'content_block_stop', index });
    }
    const stopReason = turn?.stopReason ?? (blocks.some((b) => 'toolUse' in b) ? 'tool_use' : 'end_turn');
    await send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { input_tokens: inputTokens, output_tokens: scriptedUsage?.outputTokens ?? Math.max(1, Math.round(outputChars / 4)) } });
    await send('message_stop', { type: 'message_stop' });
    res.end();
  }
}

function invalid(body: Record<string, unknown>): string | undefined {
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if ((body.messages[0] as { role?: unknown }).role !== 'user') return 'messages: first message must use the "user" role';
  if (body.stream !== true) return 'the LOCAL FAKE Anthropic API answers only "stream": true';
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * For `npm start`: with APOLLO_AI_FAKE_MODEL=1, starts the fake (frames 15 ms apart, so streaming shows) and points
 * this process's ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY at it; otherwise nothing (undefined). `home` is accepted
 * like the other fakes' but unused: the fake keeps nothing across restarts.
 */
export async function startLocalAnthropic(_home?: string, env: NodeJS.ProcessEnv = process.env): Promise<FakeAnthropic | undefined> {
  if (env[FAKE_MODEL_ENV] !== '1') return undefined;
  const fake = await FakeAnthropic.start({ deltaDelayMs: 15 });
  env.ANTHROPIC_BASE_URL = fake.url;
  env.ANTHROPIC_API_KEY = fake.apiKey;
  delete env.APOLLO_AI_PROVIDER;
  resetModelFromEnv();
  return fake;
}

/** The terminal's line about it. */
export function localAnthropicBanner(fake: FakeAnthropic): string {
  return `AI model: a LOCAL FAKE Anthropic Messages API at ${fake.url}/v1/messages (${FAKE_MODEL_ENV}=1; canned answers that quote the figures they were sent, not analysis; asked to open a PR in a session about a service, it proposes one with a note); ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY point at it`;
}
