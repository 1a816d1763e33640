import { describe, expect, it } from 'vitest';
import { computeDrift, derived, toSummary } from './shapes.ts';
import type { ServiceRecord } from './ports.ts';

const base: ServiceRecord = {
  id: 'core-service', name: 'core-service', displayName: 'Core Service', description: 'Accounts', repository: 'https://github.com/acme/core-service',
  team: 'platform', tier: 'critical', language: 'java', framework: 'spring-boot', tags: ['tier-0'], source: 'manifest',
  createdAt: '2026-11-01T00:00:00.000Z', createdBy: 'discovery', updatedAt: '2026-11-02T00:00:00.000Z', updatedBy: 'dana@apollo.local', version: 3,
  envs: {
    dev: { name: 'dev', cluster: 'eks-dev', namespace: 'platform', healthStatus: 'down', lastDeployedAt: '2026-11-24T10:00:00.000Z', imageTag: 'v2' },
    prod: { name: 'prod', cluster: 'eks-prod', namespace: 'platform', healthStatus: 'healthy', lastDeployedAt: '2026-11-20T10:00:00.000Z', imageTag: 'v1' },
  },
  deps: [],
};

describe('computeDrift', () => {
  it('lists the manifest-owned fields a person changed, and only those', () => {
    const record = { ...base, tier: 'standard' as const, tags: ['tier-0', 'java'], manifest: {
      repository: 'acme/core-service', path: 'apollo.yaml', commit: 'abc1234', syncedAt: '2026-11-01T00:00:00.000Z',
      fields: { displayName: 'Core Service', tier: 'critical' as const, tags: ['tier-0'] },
    } };
    expect(computeDrift(record)).toEqual([
      { field: 'tier', manifestValue: 'critical', currentValue: 'standard' },
      { field: 'tags', manifestValue: ['tier-0'], currentValue: ['tier-0', 'java'] },
    ]);
    expect(computeDrift(base)).toEqual([]);
  });
});

describe('derived and toSummary', () => {
  it('aggregates health (a down dev degrades) and takes the latest deploy; environments in prod-first order', () => {
    expect(derived(base)).toEqual({ healthStatus: 'degraded', healthReason: 'dev is down (counts as degraded outside production)', lastDeployedAt: '2026-11-24T10:00:00.000Z' });
    const summary = toSummary(base);
    expect(summary.environments.map((e) => e.name)).toEqual(['prod', 'dev']);
    expect(summary).toMatchObject({ healthStatus: 'degraded', lastDeployedAt: '2026-11-24T10:00:00.000Z', drift: [] });
    expect(summary).not.toHaveProperty('envs');
    expect(summary).not.toHaveProperty('deps');
  });
});
