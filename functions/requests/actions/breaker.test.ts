import { afterEach, describe, expect, it, vi } from 'vitest';
import { breakerOptionsFromEnv, CircuitOpenError, IntegrationBreakers } from './breaker.ts';

afterEach(() => { vi.useRealTimers(); });

const outcome = (error: unknown): string => (error instanceof CircuitOpenError ? `open until ${error.closesAt.toISOString()}` : String(error));

describe('IntegrationBreakers', () => {
  it('opens an origin after N counted failures in a row, leaves other origins alone, and half-opens after the wait', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-02T10:00:00Z'));
    const breakers = new IntegrationBreakers({ failures: 3, halfOpenAfterMs: 10_000 });
    let calls = 0;
    const failing = () => breakers.run('https://dns.example', () => { calls += 1; return Promise.resolve(503); }, (status) => status >= 500);

    // Act
    const answers = [await failing(), await failing(), await failing()];
    const refused = await failing().catch(outcome);
    const other = await breakers.run('https://other.example', () => Promise.resolve(200), () => false);
    vi.setSystemTime(Date.parse('2026-11-02T10:00:10Z'));
    const trial = await breakers.run('https://dns.example', () => { calls += 1; return Promise.resolve(200); }, (status) => status >= 500);

    // Assess
    expect([answers, refused, other, trial, calls]).toEqual([[503, 503, 503], 'open until 2026-11-02T10:00:10.000Z', 200, 200, 4]);
  });

  it('does not count what the caller says is not a failure, and a success resets the count', async () => {
    const breakers = new IntegrationBreakers({ failures: 2 });
    const results = [503, 400, 503, 200, 503, 404, 503];
    const seen: number[] = [];
    for (const status of results) seen.push(await breakers.run('https://x.example', () => Promise.resolve(status), (s) => s >= 500));
    expect(seen).toEqual(results);
  });
});

describe('the settings from the environment', () => {
  it('reads APOLLO_BREAKER_FAILURES and APOLLO_BREAKER_HALF_OPEN_MS when an origin\'s circuit is first made, and refuses nonsense', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-02T10:00:00Z'));
    vi.stubEnv('APOLLO_BREAKER_FAILURES', '2');
    vi.stubEnv('APOLLO_BREAKER_HALF_OPEN_MS', '1500');
    const breakers = new IntegrationBreakers();
    const failing = () => breakers.run('https://slow.example', () => Promise.resolve(503), (status) => status >= 500);

    // Act
    await failing();
    await failing();
    const refused = await failing().catch(outcome);
    vi.unstubAllEnvs();

    // Assess
    expect(refused).toBe('open until 2026-11-02T10:00:01.500Z');
    expect(breakerOptionsFromEnv({})).toEqual({ failures: 5, halfOpenAfterMs: 30_000 });
    expect(() => breakerOptionsFromEnv({ APOLLO_BREAKER_HALF_OPEN_MS: 'soon' })).toThrow(/APOLLO_BREAKER_HALF_OPEN_MS must be a whole number/);
  });
});
