import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NodeHealthProbe } from '#functions/services/health/adapters/http-probe';
import { DEFAULT_HEALTH_SETTINGS } from '#functions/services/health/poller';
import { assessHealth, type HttpObservation } from '#functions/services/health/rules';
import { startRuntime, type Runtime } from '../runtime.ts';
import { FLAP_PERIOD_MS, localTargetsProbe, SLOW_TARGET_MS, targetState, targetUrl } from '../targets.ts';

/** A minute inside the flapping target's up half, and one inside its down half. */
const UP_AT = new Date(Math.floor(Date.parse('2026-11-25T12:00:00Z') / (2 * FLAP_PERIOD_MS)) * 2 * FLAP_PERIOD_MS + 30_000);
const DOWN_AT = new Date(UP_AT.getTime() + FLAP_PERIOD_MS);

let runtime: Runtime;
// These tests' endpoints are on loopback, which a probe refuses unless allowlisted (see the egress tests below).
const probe = new NodeHealthProbe({ allow: '127.0.0.0/8' });

beforeAll(async () => {
  runtime = await startRuntime({ port: 0 });
});

afterAll(async () => {
  await runtime.close();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('local health targets', () => {
  it('answer like a Spring actuator, without a signature', async () => {
    // Act
    const response = await fetch(targetUrl(runtime.url, 'core-service', 'prod'));

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.spring-boot.actuator.v3+json');
    expect(await response.json()).toMatchObject({
      status: 'UP',
      components: { db: { status: 'UP' }, diskSpace: { status: 'UP' }, ping: { status: 'UP' } },
      apollo: { service: 'core-service', environment: 'prod', simulated: true, behaviour: 'steady' },
    });
  });

  it('flap: notification-service staging is up for two minutes and down (503) for the next two, by the clock', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    const url = targetUrl(runtime.url, 'notification-service', 'staging');

    // Act
    vi.setSystemTime(UP_AT);
    const up = await fetch(url);
    vi.setSystemTime(DOWN_AT);
    const down = await fetch(url);
    vi.setSystemTime(new Date(DOWN_AT.getTime() + FLAP_PERIOD_MS));
    const upAgain = await fetch(url);

    // Assess
    expect([up.status, down.status, upAgain.status]).toEqual([200, 503, 200]);
    expect(await down.json()).toMatchObject({ status: 'DOWN', components: { db: { status: 'DOWN', details: { error: expect.stringContaining('refused') } } } });
  });

  it('a probe sees the slow target answer after more than 2 s', async () => {
    // Act: with a timeout no busy machine reaches; the health job's own timeout is compared below.
    const seen = await probe.probe(targetUrl(runtime.url, 'violations-service', 'staging'), 15_000);

    // Assess: the target held its answer, so the check calls it degraded (slow), and the job waits long
    // enough for it (not down).
    expect(seen).toMatchObject({ outcome: 'response', statusCode: 200 });
    expect(seen.latencyMs).toBeGreaterThanOrEqual(SLOW_TARGET_MS - 5);
    expect(assessHealth({ http: seen }).status).toBe('degraded');
    expect(SLOW_TARGET_MS).toBeLessThan(DEFAULT_HEALTH_SETTINGS.timeoutMs);
  });

  it('a probe gives up on a target slower than its timeout and says so', async () => {
    // Act: a timer started after the probe and due 1 ms after its timeout fires after the probe's own
    // deadline (Node runs timers in the order they fall due, however late the machine runs them), so
    // the probe has answered by then if it gave up at its timeout.
    const probing = probe.probe(targetUrl(runtime.url, 'violations-service', 'staging'), 500);
    const pastTheTimeout = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 501));
    const seen = await Promise.race([probing, pastTheTimeout]);

    // Assess
    expect(seen).toMatchObject({ outcome: 'timeout' });
    expect((seen as HttpObservation).latencyMs).toBeGreaterThanOrEqual(500);
  });

  it('refuses paths that are not a target, and methods other than GET and HEAD', async () => {
    // Act
    const wrong = await fetch(`${runtime.url}/local/targets/Core_Service/prod/health`);
    const post = await fetch(targetUrl(runtime.url, 'core-service', 'prod'), { method: 'POST' });

    // Assess
    expect(wrong.status).toBe(404);
    expect(post.status).toBe(405);
  });

  it('are reached at this runtime whatever port the demo data was seeded with; other URLs are left alone', async () => {
    // Prepare
    const local = localTargetsProbe(probe, runtime.url);

    // Act
    const seededElsewhere = await local.probe('http://localhost:1/local/targets/core-service/prod/health', 1_000);
    const notATarget = await local.probe('http://127.0.0.1:1/actuator/health', 1_000);

    // Assess
    expect(seededElsewhere).toMatchObject({ outcome: 'response', statusCode: 200 });
    expect(notATarget).toMatchObject({ outcome: 'unreachable', error: 'connection refused' });
  });

  it('says which replicas the simulated cluster reports missing', () => {
    expect(targetState('reporting-worker', 'dev')).toEqual({ behaviour: 'short', up: true, delayMs: 0, missingReplicas: 1 });
    expect(targetState('notification-service', 'staging', DOWN_AT.getTime())).toMatchObject({ behaviour: 'flapping', up: false });
    expect(targetState('core-service', 'prod')).toEqual({ behaviour: 'steady', up: true, delayMs: 0, missingReplicas: 0 });
  });
});

describe('NodeHealthProbe', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
      else if (req.url === '/teapot') res.writeHead(418).end('short and stout');
      else if (req.url === '/hang-up') req.socket.destroy();
      else res.writeHead(200).end('{"status":"UP"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['a redirect, not followed', '/moved', { outcome: 'response', statusCode: 302 }],
    ['a 4xx', '/teapot', { outcome: 'response', statusCode: 418 }],
    ['a connection closed without an answer', '/hang-up', { outcome: 'unreachable', error: 'connection closed without an answer' }],
  ])('reports %s', async (_what, path, expected) => {
    expect(await probe.probe(`${base}${path}`, 1_000)).toMatchObject(expected);
  });

  it('reports a port nobody listens on as refused', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const seen = await probe.probe(`http://127.0.0.1:${port}/health`, 1_000);

    // Assess
    expect(seen).toMatchObject({ outcome: 'unreachable', error: 'connection refused' });
  });

  it.each([
    ['not a URL', 'health', 'not a URL'],
    ['another scheme', 'ftp://127.0.0.1/health', 'not an http(s) URL (ftp:)'],
  ])('refuses %s without a request', async (_what, url, error) => {
    expect(await probe.probe(url, 1_000)).toEqual({ outcome: 'unreachable', latencyMs: 0, error });
  });
});

describe('NodeHealthProbe and the egress guard (a service\'s owners write the endpoint)', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => { hits.push(req.url ?? ''); res.writeHead(200).end(); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['loopback', (p: number) => `http://127.0.0.1:${p}/health`, /^refused: 127\.0\.0\.1 is loopback/],
    ['a name for loopback', (p: number) => `http://localhost:${p}/health`, /^refused: (127\.0\.0\.1|::1) is loopback \(localhost resolves to it\)/],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/', /^refused: 169\.254\.169\.254 is link-local/],
    ['a private address', () => 'http://10.0.0.1/health', /^refused: 10\.0\.0\.1 is private/],
  ])('refuses %s without a request', async (_what, url, error) => {
    // Prepare
    const guarded = new NodeHealthProbe();
    const before = hits.length;

    // Act
    const seen = await guarded.probe(url(port), 1_000);

    // Assess
    expect(seen).toMatchObject({ outcome: 'unreachable', latencyMs: 0, error: expect.stringMatching(error) });
    expect(hits.length).toBe(before);
  });

  it('reaches an allowlisted address (APOLLO_EGRESS_ALLOW, or the entries it is given) at the address it checked', async () => {
    // Prepare: a host name the probe's resolver answers with loopback, allowlisted by URL prefix
    const resolve = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const allowed = new NodeHealthProbe({ allow: `http://health.internal.test:${port}/`, resolve });

    // Act
    const seen = await allowed.probe(`http://health.internal.test:${port}/actuator/health`, 1_000);

    // Assess
    expect(seen).toMatchObject({ outcome: 'response', statusCode: 200 });
    expect(hits.at(-1)).toBe('/actuator/health');
  });
});
