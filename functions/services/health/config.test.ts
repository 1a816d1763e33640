import { describe, expect, it } from 'vitest';
import { readHealthSettings } from './config.ts';

describe('readHealthSettings', () => {
  it('defaults to 16 checks at a time, 3 s each, a 15-minute heartbeat and a 45 s budget', () => {
    expect(readHealthSettings({})).toEqual({ concurrency: 16, timeoutMs: 3_000, heartbeatMs: 900_000, budgetMs: 45_000 });
  });

  it('reads the jobs function’s environment', () => {
    expect(readHealthSettings({ APOLLO_HEALTH_CONCURRENCY: '32', APOLLO_HEALTH_TIMEOUT_MS: '5000', APOLLO_HEALTH_HEARTBEAT_MS: '300000', APOLLO_HEALTH_BUDGET_MS: '50000' }))
      .toEqual({ concurrency: 32, timeoutMs: 5_000, heartbeatMs: 300_000, budgetMs: 50_000 });
  });

  it.each([
    ['APOLLO_HEALTH_CONCURRENCY', 'lots', 'APOLLO_HEALTH_CONCURRENCY must be a whole number from 1 to 256, not "lots"'],
    ['APOLLO_HEALTH_CONCURRENCY', '0', 'from 1 to 256'],
    ['APOLLO_HEALTH_TIMEOUT_MS', '2.5', 'APOLLO_HEALTH_TIMEOUT_MS must be a whole number from 100 to 30000'],
    ['APOLLO_HEALTH_HEARTBEAT_MS', '1000', 'from 60000 to 3600000'],
  ])('refuses %s=%s at cold start', (name, value, message) => {
    expect(() => readHealthSettings({ [name]: value })).toThrow(message);
  });
});
