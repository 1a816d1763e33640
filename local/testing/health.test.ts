/**
 * The health job end to end on the local runtime: the jobs Lambda handler runs `health-poll` against
 * the catalog in dynalite, probes the local health targets over real HTTP, reads the simulated
 * cluster, records verdicts and their 24 h history, and tells `service:<id>` subscribers. The clock
 * decides the flapping target's state, so the test moves the clock of the targets and the job.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RealtimeFrame } from '#schemas/index.ts';
import { presignConnectUrl } from '#shared/realtime-client';
import { dynamoClient } from '#lib/table';
import { createTeam } from '#functions/identity/teams';
import { configureHealth } from '#functions/services/health/deps';
import { putEnvironment } from '#functions/services/environments';
import { registerService } from '#functions/services/services';
import { invoke } from '../lambda.ts';
import { FLAP_PERIOD_MS, setTargetClock, targetUrl } from '../targets.ts';
import { startHarness, type Harness } from './harness.ts';

/**
 * Inside the flapping target’s up half, an hour and a half ago; DOWN_AT is inside the next (down) half. Far enough
 * back that the heartbeat test's window (the first after UP_AGAIN_AT that is also in an up half: up to 46 minutes
 * later) is still before now — the health read takes samples up to now, so one dated ahead of it is not read.
 */
const UP_AT = Math.floor(Date.now() / (2 * FLAP_PERIOD_MS)) * 2 * FLAP_PERIOD_MS - 46 * FLAP_PERIOD_MS + 10_000;
const DOWN_AT = UP_AT + FLAP_PERIOD_MS;
const UP_AGAIN_AT = UP_AT + 2 * FLAP_PERIOD_MS;

interface PollSummary {
  environments: number; checked: number; recorded: number; heartbeats: number; unchanged: number; skipped: number;
  byStatus: Record<string, number>; changes: Array<{ serviceId: string; environment: string; from: string; to: string }>; failures: unknown[];
}

let h: Harness;
/** DynamoDB calls by command name since the last reset. */
const calls = new Map<string, number>();

/** The clock of the targets and of the health job; everything else (signatures) keeps the real time. */
let clock = Date.now();

const poll = async (at: number): Promise<PollSummary> => {
  clock = at;
  calls.clear();
  return (await invoke('jobs', { job: 'health-poll' })) as PollSummary;
};

beforeAll(async () => {
  h = await startHarness();
  dynamoClient.middlewareStack.add((next, context) => (args) => {
    calls.set(context.commandName!, (calls.get(context.commandName!) ?? 0) + 1);
    return next(args);
  }, { step: 'initialize', name: 'countCalls' });
  await createTeam({ id: 'growth', name: 'Growth' }, 'system:test');
  await registerService({ name: 'notification-service', team: 'growth', tier: 'standard' }, 'system:test');
  await registerService({ name: 'violations-service', team: 'growth', tier: 'standard' }, 'system:test');
  const env = (service: string, name: string, cluster = `apollo-${name}`) => ({
    cluster, namespace: 'growth', deployment: { imageTag: 'v1.4.2', replicas: 2 },
    endpoints: { internal: `http://${service}.growth.svc:8080`, healthCheck: targetUrl(h.runtime.url, service, name) },
  });
  await putEnvironment('notification-service', 'prod', env('notification-service', 'prod'), 'system:test');
  await putEnvironment('notification-service', 'staging', env('notification-service', 'staging'), 'system:test');
  // Seeded by an `npm start` on another port: the runtime still serves it.
  const elsewhere = { internal: 'http://violations-service.growth.svc:8080', healthCheck: 'http://127.0.0.1:1/local/targets/violations-service/staging/health' };
  await putEnvironment('violations-service', 'staging', { ...env('violations-service', 'staging'), cluster: '', endpoints: elsewhere }, 'system:test');
  setTargetClock(() => clock);
  configureHealth({ now: () => new Date(clock) });
});

afterAll(async () => {
  setTargetClock();
  await h.close();
});

afterEach(() => {
  calls.clear();
});

/** A subscriber of `topic` with viewer credentials: every frame it hears. */
async function subscribe(topic: string): Promise<{ frames: RealtimeFrame[]; close(): void }> {
  const ws = new WebSocket(await presignConnectUrl(h.runtime.realtimeUrl, h.runtime.region, h.runtime.credentials.roles.viewer));
  const frames: RealtimeFrame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as RealtimeFrame));
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  ws.send(JSON.stringify({ action: 'subscribe', topic }));
  await until(() => frames.some((f) => f.type === 'subscribed'));
  return { frames, close: () => ws.close() };
}

async function until(test: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!test()) {
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('health-poll', () => {
  it('records the flapping target healthy → down → healthy, with its 24 h history, live to subscribers', async () => {
    // Prepare
    const listener = await subscribe('service:notification-service');

    // Act
    const first = await poll(UP_AT);
    const second = await poll(DOWN_AT);
    const third = await poll(UP_AGAIN_AT);

    // Assess: each run saw what the targets did.
    expect(first).toMatchObject({ environments: 3, checked: 3, recorded: 3, byStatus: { healthy: 2, degraded: 1, down: 0, unknown: 0 }, failures: [] });
    expect(second.changes).toEqual([{ serviceId: 'notification-service', environment: 'staging', from: 'healthy', to: 'down' }]);
    expect(third.changes).toEqual([{ serviceId: 'notification-service', environment: 'staging', from: 'down', to: 'healthy' }]);

    // What a viewer sees: the environment's current health and its history, over signed HTTP.
    const health = await h.client('viewer').send('GET', '/api/v1/services/notification-service/health');
    expect(health.status, JSON.stringify(health.body)).toBe(200);
    const body = health.body as { status: string; environments: Array<{ name: string; health: Record<string, unknown>; history: Array<Record<string, unknown>> }> };
    const staging = body.environments.find((e) => e.name === 'staging')!;
    expect(staging.health).toMatchObject({
      status: 'healthy', checkedAt: new Date(UP_AGAIN_AT).toISOString(),
      http: { statusCode: 200 }, kubernetes: { readyReplicas: 2, desiredReplicas: 2, simulated: true },
    });
    expect(staging.history.map((s) => [s.at, s.status, s.statusCode, s.readyReplicas])).toEqual([
      [new Date(UP_AT).toISOString(), 'healthy', 200, 2],
      [new Date(DOWN_AT).toISOString(), 'down', 503, 0],
      [new Date(UP_AGAIN_AT).toISOString(), 'healthy', 200, 2],
    ]);
    expect(staging.history[1]!.reason).toBe('health endpoint answered 503; 0 of 2 replicas ready (simulated)');
    expect(body.status).toBe('healthy');

    // Live: the down and the recovery, in order.
    await until(() => listener.frames.filter((f) => f.type === 'event').length >= 4);
    const events = listener.frames.filter((f): f is Extract<RealtimeFrame, { type: 'event' }> => f.type === 'event');
    const heardOf = (env: string) => events.filter((e) => e.data.environment === env).map((e) => [e.event, e.data.previous, (e.data.health as { status: string }).status]);
    expect(heardOf('prod')).toEqual([['service.health', 'unknown', 'healthy']]);
    expect(heardOf('staging')).toEqual([
      ['service.health', 'unknown', 'healthy'],
      ['service.health', 'healthy', 'down'],
      ['service.health', 'down', 'healthy'],
    ]);
    expect(events[2]!.data).toMatchObject({ serviceId: 'notification-service', serviceHealthStatus: 'degraded' });
    listener.close();
  }, 30_000);

  it('judges the slow target degraded (seeded with another port), and an environment without a cluster by its endpoint alone', async () => {
    // Act
    const health = await h.client('viewer').send('GET', '/api/v1/services/violations-service/health');

    // Assess
    const staging = (health.body as { environments: Array<{ name: string; health: Record<string, unknown> }> }).environments[0]!;
    expect(staging.health).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/^health endpoint slow: 200 in \d+ ms \(over 2000 ms\)$/) });
    expect(staging.health.kubernetes).toBeUndefined();
  });

  it('writes nothing for a run that finds nothing changed, and a heartbeat sample alone in the first minute of a 15-minute heartbeat window', async () => {
    // Prepare: the first time after UP_AGAIN_AT that is 5–50 s into a 15-minute window and in the flapping target's up half.
    let heartbeatAt = UP_AGAIN_AT + 60_000;
    while (heartbeatAt % 900_000 < 5_000 || heartbeatAt % 900_000 > 50_000 || heartbeatAt % (2 * FLAP_PERIOD_MS) > FLAP_PERIOD_MS - 10_000) heartbeatAt += 5_000;
    expect(heartbeatAt).toBeLessThan(Date.now());

    // Act
    const quiet = await poll(UP_AGAIN_AT + 30_000);
    const quietCalls = Object.fromEntries(calls);
    const heartbeat = await poll(heartbeatAt);
    const heartbeatCalls = Object.fromEntries(calls);
    const health = await h.client('viewer').send('GET', '/api/v1/services/notification-service/health');

    // Assess
    expect(quiet).toMatchObject({ checked: 3, recorded: 0, heartbeats: 0, unchanged: 3 });
    expect(quietCalls).toEqual({ QueryCommand: 1 });
    expect(heartbeat).toMatchObject({ checked: 3, recorded: 0, heartbeats: 3, unchanged: 0, changes: [] });
    // Per heartbeat one small write (the history sample); the environment and the service's item (both indexes copy it) are left alone.
    expect(heartbeatCalls).toEqual({ QueryCommand: 1, PutItemCommand: 3 });
    // The service's health read shows the heartbeat as when it was checked, and it is in the history.
    const prod = (health.body as { environments: Array<{ name: string; health: { checkedAt: string }; history: Array<{ at: string }> }> }).environments.find((e) => e.name === 'prod')!;
    expect(prod.health.checkedAt).toBe(new Date(heartbeatAt).toISOString());
    expect(prod.history.at(-1)!.at).toBe(new Date(heartbeatAt).toISOString());
  }, 20_000);
});
