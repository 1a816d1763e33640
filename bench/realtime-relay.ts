/**
 * Section 6: what the realtime channel adds between a `publish()` and the subscriber's socket. The
 * relay path is the product's: `publish` (one GSI1 Query for the subscribers, then postToConnection
 * through the AWS SDK, signed) → the local `@connections` endpoint (SigV4 verify) → the WebSocket.
 * The baseline is the cheapest WebSocket round trip here: the same text sent to a bare `ws` server
 * that echoes it back.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { ApiClient, type Credentials } from '#shared/api-client';
import { REALTIME_ENDPOINT_ENV } from '#shared/topics';
import { presignConnectUrl } from '#shared/realtime-client';
import { formatMs, formatRatio, type Table } from './format.ts';
import { percentile, ratio, timeInterleaved } from './stats.ts';
import type { Quantiles } from './gateway-latency.ts';

export const RELAY_RUNS = 200;
export const RELAY_WARMUP = 20;
/** An audit entry's size, and one frame that needs chunks (two posts). */
export const RELAY_PAYLOADS = [{ name: 'audit entry (~0.6 KB)', bytes: 600 }, { name: 'chunked (~48 KB)', bytes: 48 * 1024 }] as const;

export interface RelayLatency {
  readonly payload: string;
  readonly frameBytes: number;
  readonly relay: Quantiles;
  readonly echo: Quantiles;
  readonly ratioP50: number;
  readonly ratioP99: number;
}

export interface AuditPublishCost {
  readonly off: Quantiles;
  readonly on: Quantiles;
  readonly ratioP50: number;
  readonly ratioP99: number;
}

export interface RealtimeRelay {
  readonly relay: readonly RelayLatency[];
  readonly auditPublish: AuditPublishCost;
}

export interface RelayTarget {
  readonly url: string;
  readonly realtimeUrl: string;
  readonly region: string;
  /** An admin's: the `audit` topic needs audit:read. */
  readonly credentials: Credentials;
}

/** The last frame of a delivery: the whole frame, or the chunk that completes it. */
const completes = (marker: string) => (text: string): boolean => {
  if (!text.startsWith('{"type":"chunk"')) return text.includes(marker);
  const chunk = JSON.parse(text) as { seq: number; total: number };
  return chunk.seq === chunk.total - 1;
};

/** Waits for the next message on `ws` that satisfies `match` (or contains it, for a string). */
function nextMessage(ws: WebSocket, match: string | ((text: string) => boolean)): Promise<void> {
  const test = typeof match === 'string' ? (text: string) => text.includes(match) : match;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { ws.off('message', onMessage); reject(new Error('no expected message within 5 s')); }, 5_000);
    const onMessage = (data: WebSocket.RawData) => {
      if (!test(data.toString())) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve();
    };
    ws.on('message', onMessage);
  });
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  return ws;
}

const quantiles = (samples: readonly number[]): Quantiles => ({ p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) });

export async function measureRealtimeRelay(target: RelayTarget, runs = RELAY_RUNS, warmup = RELAY_WARMUP): Promise<RealtimeRelay> {
  const { publish } = await import('#lib/realtime');
  const subscriber = await open(await presignConnectUrl(target.realtimeUrl, target.region, target.credentials));
  const subscribed = nextMessage(subscriber, '"subscribed"');
  subscriber.send(JSON.stringify({ action: 'subscribe', topic: 'audit' }));
  await subscribed;

  const bare = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => bare.once('listening', () => resolve()));
  bare.on('connection', (ws) => ws.on('message', (data) => ws.send(data.toString())));
  const echo = await open(`ws://127.0.0.1:${(bare.address() as AddressInfo).port}`);
  try {
    const results: RelayLatency[] = [];
    for (const payload of RELAY_PAYLOADS) {
      let seq = 0;
      const data = () => ({ seq: `m${++seq}-${payload.bytes}`, padding: 'x'.repeat(payload.bytes) });
      const frameBytes = Buffer.byteLength(JSON.stringify({ type: 'event', topic: 'audit', event: 'bench.relay', data: data(), at: new Date().toISOString() }));
      const [relayMs = [], echoMs = []] = await timeInterleaved([
        async () => {
          const body = data();
          const received = nextMessage(subscriber, completes(`"${body.seq}"`));
          await publish('audit', 'bench.relay', body);
          await received;
        },
        async () => {
          const body = data();
          const text = JSON.stringify({ type: 'event', topic: 'audit', event: 'bench.relay', data: body, at: new Date().toISOString() });
          const received = nextMessage(echo, `"${body.seq}"`);
          echo.send(text);
          await received;
        },
      ], runs, warmup);
      const relay = quantiles(relayMs);
      const baseline = quantiles(echoMs);
      results.push({ payload: payload.name, frameBytes, relay, echo: baseline, ratioP50: ratio(relay.p50Ms, baseline.p50Ms), ratioP99: ratio(relay.p99Ms, baseline.p99Ms) });
    }
    return { relay: results, auditPublish: await measureAuditPublishCost(target, Math.ceil(runs / 2), warmup) };
  } finally {
    subscriber.close();
    echo.close();
    await new Promise<void>((resolve) => bare.close(() => resolve()));
  }
}

/**
 * What live audit adds to a mutation (the hot path): an audited `POST /api/v1/teams` with publishing
 * off (no endpoint) against publishing on with one subscriber hearing both audit frames.
 */
async function measureAuditPublishCost(target: RelayTarget, runs: number, warmup: number): Promise<AuditPublishCost> {
  const endpoint = process.env[REALTIME_ENDPOINT_ENV];
  const client = new ApiClient({ baseUrl: target.url, region: target.region, credentials: target.credentials });
  let n = 0;
  const create = async (on: boolean) => {
    if (on) process.env[REALTIME_ENDPOINT_ENV] = endpoint;
    else delete process.env[REALTIME_ENDPOINT_ENV];
    const response = await client.send('POST', '/api/v1/teams', { body: { id: `bench-relay-${++n}`, name: 'Bench' } });
    if (response.status !== 201) throw new Error(`POST /api/v1/teams answered ${response.status}; the benchmark needs 201`);
  };
  try {
    const [offMs = [], onMs = []] = await timeInterleaved([() => create(false), () => create(true)], runs, warmup);
    const off = quantiles(offMs);
    const on = quantiles(onMs);
    return { off, on, ratioP50: ratio(on.p50Ms, off.p50Ms), ratioP99: ratio(on.p99Ms, off.p99Ms) };
  } finally {
    process.env[REALTIME_ENDPOINT_ENV] = endpoint;
  }
}

export function realtimeRelayTables(result: RealtimeRelay): Table[] {
  const cost = result.auditPublish;
  return [relayTable(result.relay), {
    title: '6b. Live audit on the hot path: audited POST /api/v1/teams, publishing off vs on (one subscriber)',
    columns: ['publishing', 'p50', 'p99', 'ratio p50', 'ratio p99'],
    rows: [
      ['off (no endpoint)', formatMs(cost.off.p50Ms), formatMs(cost.off.p99Ms), formatRatio(1), formatRatio(1)],
      ['on, 1 subscriber', formatMs(cost.on.p50Ms), formatMs(cost.on.p99Ms), formatRatio(cost.ratioP50), formatRatio(cost.ratioP99)],
    ],
    notes: ['on: the intent is published while the mutation runs; the outcome after it is recorded, to the subscribers read once (one Query)'],
  }];
}

function relayTable(results: readonly RelayLatency[]): Table {
  return {
    title: `6. WebSocket relay: publish() → subscriber (${RELAY_RUNS} sequential frames after ${RELAY_WARMUP} warm-up)`,
    columns: ['frame', 'bytes', 'relay p50', 'relay p99', 'echo p50', 'echo p99', 'ratio p50', 'ratio p99'],
    rows: results.map((r) => [r.payload, r.frameBytes, formatMs(r.relay.p50Ms), formatMs(r.relay.p99Ms), formatMs(r.echo.p50Ms), formatMs(r.echo.p99Ms), formatRatio(r.ratioP50), formatRatio(r.ratioP99)]),
    notes: [
      'relay: publish (GSI1 Query + signed postToConnection per chunk) → local @connections (SigV4) → WebSocket → subscriber',
      'echo: the same frame text sent to a bare ws server and echoed back; ratio = relay / echo',
    ],
  };
}
