import { describe, expect, it } from 'vitest';
import { assessHealth, worse, type Observation } from './rules.ts';

const ok = { outcome: 'response', statusCode: 200, latencyMs: 14.6 } as const;
const pods = (ready: number, desired: number, simulated = false) => ({ outcome: 'deployment', readyReplicas: ready, desiredReplicas: desired, simulated }) as const;

describe('assessHealth', () => {
  it.each<[string, Observation, string, string]>([
    ['2xx and every replica ready', { http: ok, kubernetes: pods(3, 3) }, 'healthy', 'health endpoint answered 200 in 15 ms; 3 of 3 replicas ready'],
    ['2xx with no cluster', { http: { outcome: 'response', statusCode: 204, latencyMs: 3 } }, 'healthy', 'health endpoint answered 204 in 3 ms'],
    ['exactly 2 s is not slow', { http: { outcome: 'response', statusCode: 200, latencyMs: 2000 } }, 'healthy', 'health endpoint answered 200 in 2000 ms'],
    ['slower than 2 s', { http: { outcome: 'response', statusCode: 200, latencyMs: 2512 } }, 'degraded', 'health endpoint slow: 200 in 2512 ms (over 2000 ms)'],
    ['4xx', { http: { outcome: 'response', statusCode: 404, latencyMs: 4 } }, 'degraded', 'health endpoint answered 404'],
    ['a redirect', { http: { outcome: 'response', statusCode: 302, latencyMs: 4 } }, 'degraded', 'health endpoint answered 302'],
    ['fewer ready replicas than desired', { http: ok, kubernetes: pods(2, 3) }, 'degraded', '2 of 3 replicas ready; health endpoint answered 200 in 15 ms'],
    ['5xx', { http: { outcome: 'response', statusCode: 503, latencyMs: 9 }, kubernetes: pods(3, 3) }, 'down', 'health endpoint answered 503; 3 of 3 replicas ready'],
    ['a timeout', { http: { outcome: 'timeout', latencyMs: 3000 } }, 'down', 'health endpoint timed out after 3000 ms'],
    ['an unreachable endpoint', { http: { outcome: 'unreachable', latencyMs: 1, error: 'connection refused' } }, 'down', 'health endpoint unreachable: connection refused'],
    ['0 ready replicas even when the endpoint answers', { http: ok, kubernetes: pods(0, 2) }, 'down', '0 of 2 replicas ready; health endpoint answered 200 in 15 ms'],
    ['replicas alone, all ready', { kubernetes: pods(2, 2, true) }, 'healthy', '2 of 2 replicas ready (simulated)'],
    ['replicas alone, none ready', { kubernetes: pods(0, 2, true) }, 'down', '0 of 2 replicas ready (simulated)'],
    ['nothing to check', {}, 'unknown', 'no health endpoint or cluster configured'],
    ['a Kubernetes API that could not be read leaves the endpoint to decide', { http: ok, kubernetes: { outcome: 'error', error: 'Kubernetes API answered 403', simulated: false } }, 'healthy', 'health endpoint answered 200 in 15 ms; replicas not read: Kubernetes API answered 403'],
    ['a Kubernetes API that could not be read and no endpoint', { kubernetes: { outcome: 'error', error: 'deployment not found', simulated: false } }, 'unknown', 'replicas not read: deployment not found'],
    ['a deployment scaled to 0 leaves the endpoint to decide', { http: { outcome: 'unreachable', latencyMs: 1, error: 'connection refused' }, kubernetes: pods(0, 0) }, 'down', 'health endpoint unreachable: connection refused; deployment scaled to 0 replicas'],
  ])('%s', (_what, observation, status, reason) => {
    // Act
    const verdict = assessHealth(observation);

    // Assess
    expect(verdict.status).toBe(status);
    expect(verdict.reason).toBe(reason);
  });

  it('keeps the numbers the UI shows: status code, latency, replica counts and whether they are simulated', () => {
    // Act
    const verdict = assessHealth({ http: ok, kubernetes: pods(1, 2, true) });

    // Assess
    expect(verdict).toEqual({
      status: 'degraded',
      reason: '1 of 2 replicas ready (simulated); health endpoint answered 200 in 15 ms',
      http: { statusCode: 200, latencyMs: 15 },
      kubernetes: { readyReplicas: 1, desiredReplicas: 2, simulated: true },
    });
  });

  it('records the time a timed-out check waited, without a status code', () => {
    // Act
    const verdict = assessHealth({ http: { outcome: 'timeout', latencyMs: 3001.2 } });

    // Assess
    expect(verdict.http).toEqual({ latencyMs: 3001 });
  });
});

describe('worse', () => {
  it('orders down over degraded over healthy over unknown', () => {
    expect(worse('healthy', 'down')).toBe('down');
    expect(worse('degraded', 'healthy')).toBe('degraded');
    expect(worse('unknown', 'healthy')).toBe('healthy');
    expect(worse('down', 'unknown')).toBe('down');
  });
});
