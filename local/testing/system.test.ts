/** Apollo's own endpoints over signed HTTP: health, readiness, version and Prometheus metrics. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Health, Version } from '#schemas/index.ts';
import { configureSystem, systemDeps } from '../../functions/system/deps.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  process.env.APOLLO_HEALTH_CACHE_MS = '0';
  h = await startHarness();
});
afterAll(async () => { await h.close(); });

describe('system', () => {
  it('reports the health of every component Apollo depends on: the table, the realtime endpoint, GitHub', async () => {
    const res = await h.client('viewer').call<Health>('GET', '/api/v1/health');
    const component = (name: string, critical: boolean) => ({ name, critical, status: 'healthy', latencyMs: expect.any(Number), checkedAt: expect.any(String) });
    expect(res.body).toEqual({
      status: 'healthy',
      checkedAt: expect.any(String),
      components: [component('dynamodb', true), component('realtime', false), component('github', false)],
    });
    // GitHub was asked as Apollo asks it, with its credentials.
    expect(h.runtime.github!.fake.requests).toContain('GET /rate_limit');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is degraded when a non-critical integration is down, down (503) when a critical one is', async () => {
    const original = systemDeps().probes;
    configureSystem({ probes: [...original.filter((p) => p.name !== 'github'), { name: 'github', critical: false, check: async () => { throw new Error('401 Bad credentials'); } }] });
    const degraded = await h.client('viewer').send('GET', '/api/v1/health');
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({ status: 'degraded', components: [{ name: 'dynamodb', status: 'healthy' }, { name: 'realtime', status: 'healthy' }, { name: 'github', status: 'down', message: '401 Bad credentials' }] });
    expect((await h.client('viewer').send('GET', '/api/v1/health/ready')).body).toEqual({ ready: true });

    configureSystem({ probes: [{ name: 'dynamodb', critical: true, check: async () => { throw new Error('connect ECONNREFUSED'); } }] });
    const down = await h.client('viewer').send('GET', '/api/v1/health');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'down' });
    const ready = await h.client('viewer').send('GET', '/api/v1/health/ready');
    expect(ready).toMatchObject({ status: 503, body: { ready: false, reason: 'dynamodb: connect ECONNREFUSED' } });
    configureSystem({ probes: original });
  });

  it('reports its version', async () => {
    const res = await h.client('viewer').call<Version>('GET', '/api/v1/version');
    expect(res.body).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), commit: expect.any(String), buildTime: expect.any(String), stage: 'local', region: 'us-east-1', runtime: 'local' });
  });

  it('exports Prometheus metrics per route from the gateway', async () => {
    await h.client('viewer').send('GET', '/api/v1/me');
    await h.client('viewer').send('GET', '/api/v1/teams/does-not-exist');
    const res = await h.client('viewer').send('GET', '/api/v1/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    const text = res.body as string;
    expect(text).toMatch(/^apollo_http_requests_total\{method="GET",route="\/api\/v1\/me"\} [1-9]\d*$/m);
    expect(text).toMatch(/^apollo_http_errors_total\{method="GET",route="\/api\/v1\/teams\/\{id\}",class="4xx"\} 1$/m);
    expect(text).toMatch(/^apollo_http_request_duration_seconds_bucket\{method="GET",route="\/api\/v1\/me",le="\+Inf"\} [1-9]\d*$/m);
    expect(text).toContain('apollo_metrics_source{source="local-gateway"} 1');
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) .+|[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [0-9.e+-]+)$/);
  });

  it('answers CORS preflight without a signature, and unknown paths like API Gateway', async () => {
    const preflight = await fetch(`${h.runtime.url}/api/v1/teams/x`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,PUT,DELETE,OPTIONS');
    const unknown = await h.client('admin').send('GET', '/api/v1/nope');
    expect(unknown).toMatchObject({ status: 403, body: { message: 'Missing Authentication Token' } });
  });
});
