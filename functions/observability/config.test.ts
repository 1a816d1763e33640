import { describe, expect, it } from 'vitest';
import { readObservabilityConfig } from './config.ts';
import { fillTemplate } from './log-groups.ts';

describe('observability settings', () => {
  it('default to /apollo/{environment}/{service}, 7 days, 30 reads a minute, queries kept 24 h', () => {
    expect(readObservabilityConfig({ APOLLO_STAGE: 'prod' })).toEqual({
      logGroupTemplates: ['/apollo/{environment}/{service}'],
      ownLogGroupPrefix: '/aws/lambda/apollo-prod-',
      maxRangeDays: 7,
      ratePerMinute: 30,
      queryTtlHours: 24,
    });
  });

  it('take several templates over the catalog environment\'s fields', () => {
    const { logGroupTemplates } = readObservabilityConfig({ APOLLO_LOG_GROUP_TEMPLATE: '/aws/containerinsights/{cluster}/application, /eks/{cluster}/{namespace}/{service}' });
    expect(logGroupTemplates.map((t) => fillTemplate(t, { service: 'core-service', environment: 'prod', cluster: 'cobalt-prod', namespace: 'core' })))
      .toEqual(['/aws/containerinsights/cobalt-prod/application', '/eks/cobalt-prod/core/core-service']);
  });

  it('fail at cold start on a template or a limit that cannot be right', () => {
    expect(() => readObservabilityConfig({ APOLLO_LOG_GROUP_TEMPLATE: '/apollo/{svc}' })).toThrow('APOLLO_LOG_GROUP_TEMPLATE names {svc}, which is not one of {service} {environment} {cluster} {namespace}');
    expect(() => readObservabilityConfig({ APOLLO_LOG_GROUP_TEMPLATE: '/apollo/all' })).toThrow(/names no placeholder/);
    expect(() => readObservabilityConfig({ APOLLO_LOGS_MAX_RANGE_DAYS: '0' })).toThrow('APOLLO_LOGS_MAX_RANGE_DAYS must be a positive integer, not "0"');
    expect(() => readObservabilityConfig({ APOLLO_LOGS_RATE_PER_MINUTE: 'lots' })).toThrow(/APOLLO_LOGS_RATE_PER_MINUTE/);
  });
});
