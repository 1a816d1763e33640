import { describe, expect, it } from 'vitest';
import { aggregateHealth, isProduction } from './health-aggregate.ts';

describe('aggregateHealth', () => {
  it('is unknown with no environments or none checked', () => {
    expect(aggregateHealth([])).toEqual({ status: 'unknown', reason: 'no environments' });
    expect(aggregateHealth([{ name: 'prod', status: 'unknown' }])).toEqual({ status: 'unknown', reason: 'no environment has been checked' });
  });

  it('is healthy when every checked environment is, ignoring unknown ones', () => {
    expect(aggregateHealth([{ name: 'prod', status: 'healthy' }, { name: 'dev', status: 'unknown' }])).toEqual({ status: 'healthy', reason: 'all 1 checked environment healthy' });
  });

  it('lets a down production environment make the service down', () => {
    expect(aggregateHealth([{ name: 'prod', status: 'down' }, { name: 'staging', status: 'healthy' }])).toEqual({ status: 'down', reason: 'prod is down' });
    expect(aggregateHealth([{ name: 'production-eu', status: 'down' }]).status).toBe('down');
    expect(aggregateHealth([{ name: 'prod-eu', status: 'down' }]).status).toBe('down');
  });

  it('caps a down non-production environment at degraded', () => {
    expect(aggregateHealth([{ name: 'prod', status: 'healthy' }, { name: 'dev', status: 'down' }])).toEqual({ status: 'degraded', reason: 'dev is down (counts as degraded outside production)' });
    expect(aggregateHealth([{ name: 'staging', status: 'down' }]).status).toBe('degraded');
  });

  it('takes the worst: a degraded prod beats a degraded dev, a down prod beats all', () => {
    expect(aggregateHealth([{ name: 'dev', status: 'down' }, { name: 'prod', status: 'degraded' }])).toEqual({ status: 'degraded', reason: 'dev is down (counts as degraded outside production)' });
    expect(aggregateHealth([{ name: 'dev', status: 'down' }, { name: 'staging', status: 'degraded' }, { name: 'prod', status: 'down' }])).toEqual({ status: 'down', reason: 'prod is down' });
  });

  it('knows production by name', () => {
    expect(['prod', 'PROD', 'production', 'production-eu', 'prd', 'live', 'prod-us'].every(isProduction)).toBe(true);
    expect(['staging', 'dev', 'preprod', 'product', 'prodigy'].some(isProduction)).toBe(false);
  });
});
