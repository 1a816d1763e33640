/**
 * Section 12: the AI console's stream, end to end through the local runtime: a session's turn against the LOCAL
 * FAKE Anthropic server (real SSE, a long answer in small deltas, 3 ms apart), watched over a real WebSocket subscribed to `ai:<id>`.
 *
 * - message → first text on the socket (the fake sends a delta every 3 ms): from the 202 of `POST …/message` to the first `text` frame received
 *   (the dispatch, the request to the model, its first delta, the coalescing wait, the relay);
 * - relay per text batch: a frame's receive time minus its `at` (stamped when it was posted), p50/p99, against the
 *   bare ws echo of the same text (the cheapest round trip here);
 * - posts per second per session while text streams, against the cap 1000 / APOLLO_AI_FLUSH_MS.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { AiFrame, AiMessageAccepted, AiSession } from '#schemas/index.ts';
import { ApiClient, type Credentials } from '#shared/api-client';
import { presignConnectUrl } from '#shared/realtime-client';
import { formatMs, formatRatio, type Table } from './format.ts';
import type { Quantiles } from './gateway-latency.ts';
import { percentile, ratio } from './stats.ts';

export interface AiStreamTarget {
  readonly url: string;
  readonly realtimeUrl: string;
  readonly region: string;
  /** A developer's: ai:sessions:create. */
  readonly credentials: Credentials;
}

export interface AiStream {
  readonly turns: number;
  readonly textFramesPerTurn: number;
  readonly firstText: Quantiles;
  readonly relay: Quantiles;
  readonly echo: Quantiles;
  readonly relayRatioP50: number;
  readonly relayRatioP99: number;
  readonly postsPerSecond: number;
  readonly postsCap: number;
}

const quantiles = (samples: readonly number[]): Quantiles => ({ p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) });

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return ws;
}

export async function measureAiStream(target: AiStreamTarget, turns = 6): Promise<AiStream> {
  const [{ FakeAnthropic }, { AnthropicModel }, { readModelConfig }, { configureAi }, { aiConfig }] = await Promise.all([
    import('../local/fakes/anthropic-server.ts'), import('#functions/ai/adapters/anthropic-model'), import('#functions/ai/adapters/model-config'),
    import('#functions/ai/deps'), import('#functions/ai/config'),
  ]);
  // A delta every 3 ms: faster than the posts, so coalescing is what sets their rate.
  const fake = await FakeAnthropic.start({ apiKey: 'bench', deltaDelayMs: 3 });
  configureAi({ model: AnthropicModel.fromConfig(readModelConfig({ ANTHROPIC_API_KEY: 'bench', ANTHROPIC_BASE_URL: fake.url, APOLLO_AI_MODEL: 'bench-model' })!) });
  const client = new ApiClient({ baseUrl: target.url, region: target.region, credentials: target.credentials });
  const bare = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => bare.once('listening', () => resolve()));
  bare.on('connection', (socket) => socket.on('message', (data) => socket.send(data.toString())));
  const echo = await open(`ws://127.0.0.1:${(bare.address() as AddressInfo).port}`);
  const answer = Array.from({ length: 400 }, (_, i) => `word${i} `).join('');
  const firstText: number[] = [];
  const relay: number[] = [];
  const echoMs: number[] = [];
  let textFrames = 0;
  let streamingMs = 0;
  try {
    for (let turn = 0; turn < turns; turn++) {
      const session = (await client.call<AiSession>('POST', '/api/v1/ai/sessions', { body: {} })).body;
      const ws = await open(await presignConnectUrl(target.realtimeUrl, target.region, target.credentials));
      const received: Array<{ at: number; frame: AiFrame }> = [];
      let ended: () => void = () => undefined;
      const done = new Promise<void>((resolve) => { ended = resolve; });
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; event?: string; data?: AiFrame };
        if (message.type !== 'event' || message.event !== 'ai.frame' || !message.data) return;
        received.push({ at: Date.now(), frame: message.data });
        if (message.data.type === 'end') ended();
      });
      ws.send(JSON.stringify({ action: 'subscribe', topic: `ai:${session.id}` }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      fake.script([{ blocks: [{ text: answer }], stopReason: 'end_turn' }]);
      const sentAt = Date.now();
      const accepted = (await client.call<AiMessageAccepted>('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text: 'explain the error rate' } })).body;
      const acceptedAt = Date.now();
      await done;
      ws.close();
      const texts = received.filter((r) => r.frame.type === 'text' && r.frame.turnId === accepted.turnId);
      if (!texts.length) throw new Error('the turn streamed no text');
      firstText.push(texts[0]!.at - Math.max(sentAt, acceptedAt));
      for (const t of texts) relay.push(t.at - Date.parse(t.frame.at ?? new Date().toISOString()));
      // The rate between the first and the last post of the turn (its first post opens the interval).
      if (texts.length > 1) {
        textFrames += texts.length - 1;
        streamingMs += texts.at(-1)!.at - texts[0]!.at;
      }
      // The bare round trip of a text frame of the same size, for the ratio.
      const sample = JSON.stringify({ type: 'event', topic: `ai:${session.id}`, event: 'ai.frame', data: texts[0]!.frame });
      for (let i = 0; i < texts.length; i++) {
        const started = Date.now();
        const back = new Promise<void>((resolve) => echo.once('message', () => resolve()));
        echo.send(sample);
        await back;
        echoMs.push(Date.now() - started);
      }
    }
  } finally {
    echo.close();
    bare.close();
    await fake.close();
    configureAi({ model: undefined });
  }
  const r = quantiles(relay);
  const e = quantiles(echoMs);
  return {
    turns, textFramesPerTurn: Math.round(textFrames / turns) + 1, firstText: quantiles(firstText), relay: r, echo: e,
    relayRatioP50: ratio(r.p50Ms, Math.max(e.p50Ms, 0.5)), relayRatioP99: ratio(r.p99Ms, Math.max(e.p99Ms, 0.5)),
    postsPerSecond: streamingMs > 0 ? Math.round((textFrames / (streamingMs / 1000)) * 10) / 10 : 0, postsCap: 1000 / aiConfig().flushMs,
  };
}

export function aiStreamTables(result: AiStream): Table[] {
  return [{
    title: '12. AI console stream: a turn against the local fake model, watched over a WebSocket',
    columns: ['measure', 'p50', 'p99', 'baseline p50', 'baseline p99', 'ratio p50', 'ratio p99'],
    rows: [
      ['message → first text on the socket', formatMs(result.firstText.p50Ms), formatMs(result.firstText.p99Ms), '', '', '', ''],
      ['relay per text batch (posted → received)', formatMs(result.relay.p50Ms), formatMs(result.relay.p99Ms), formatMs(result.echo.p50Ms), formatMs(result.echo.p99Ms), formatRatio(result.relayRatioP50), formatRatio(result.relayRatioP99)],
    ],
    notes: [
      `${result.turns} turns, ~${result.textFramesPerTurn} text frames each; baseline: the same frame echoed by a bare ws server (at least 0.5 ms: clock resolution)`,
      `posts per second per session while text streams: ${result.postsPerSecond} (cap ${result.postsCap}: one post per APOLLO_AI_FLUSH_MS)`,
    ],
  }];
}
