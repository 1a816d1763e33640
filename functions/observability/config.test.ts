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
      logsBackend: 'cloudwatch',
      axiom: undefined,
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

  it('read the Axiom backend where APOLLO_LOGS_BACKEND=axiom, with its API, dataset, token secret and field names', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:apollo/axiom-token-AbCdEf';
    expect(readObservabilityConfig({ APOLLO_LOGS_BACKEND: 'axiom', APOLLO_AXIOM_DATASET: 'k8s-logs', APOLLO_AXIOM_TOKEN_SECRET_ARN: arn, APOLLO_AXIOM_ORG: 'acme-x1y2' })).toMatchObject({
      logsBackend: 'axiom',
      axiom: {
        apiUrl: 'https://api.axiom.co', dataset: 'k8s-logs', orgId: 'acme-x1y2', tokenSecretArn: arn, token: undefined,
        serviceField: 'service', environmentField: 'environment', messageField: 'message', queryTimeoutSeconds: 8,
      },
    });
    expect(readObservabilityConfig({
      APOLLO_LOGS_BACKEND: 'axiom', APOLLO_AXIOM_DATASET: 'logs', APOLLO_AXIOM_TOKEN: 'xaat-local', APOLLO_AXIOM_API_URL: 'http://127.0.0.1:4100/',
      APOLLO_AXIOM_SERVICE_FIELD: 'kubernetes.labels.app', APOLLO_AXIOM_ENVIRONMENT_FIELD: 'env', APOLLO_AXIOM_MESSAGE_FIELD: 'log', APOLLO_AXIOM_QUERY_TIMEOUT_SECONDS: '25',
    }).axiom).toEqual({
      apiUrl: 'http://127.0.0.1:4100', dataset: 'logs', orgId: undefined, tokenSecretArn: undefined, token: 'xaat-local',
      serviceField: 'kubernetes.labels.app', environmentField: 'env', messageField: 'log', queryTimeoutSeconds: 25,
    });
  });

  it('fail at cold start on an Axiom backend that cannot work', () => {
    const axiom = { APOLLO_LOGS_BACKEND: 'axiom', APOLLO_AXIOM_DATASET: 'logs', APOLLO_AXIOM_TOKEN: 'xaat-local' };
    expect(() => readObservabilityConfig({ APOLLO_LOGS_BACKEND: 'loki' })).toThrow('APOLLO_LOGS_BACKEND must be cloudwatch or axiom, not "loki"');
    expect(() => readObservabilityConfig({ ...axiom, APOLLO_AXIOM_DATASET: '' })).toThrow(/APOLLO_AXIOM_DATASET is not set/);
    expect(() => readObservabilityConfig({ ...axiom, APOLLO_AXIOM_DATASET: "logs'] | union ['secrets" })).toThrow(/APOLLO_AXIOM_DATASET must be an Axiom dataset name/);
    expect(() => readObservabilityConfig({ ...axiom, APOLLO_AXIOM_TOKEN: '' })).toThrow('APOLLO_LOGS_BACKEND is axiom but no token is configured: set APOLLO_AXIOM_TOKEN_SECRET_ARN (AWS) or APOLLO_AXIOM_TOKEN (local)');
    expect(() => readObservabilityConfig({ ...axiom, APOLLO_AXIOM_TOKEN_SECRET_ARN: 'axiom-token' })).toThrow(/must be a Secrets Manager secret ARN/);
    expect(() => readObservabilityConfig({ ...axiom, APOLLO_AXIOM_API_URL: 'http://axiom.example.com' })).toThrow(/must be https \(the token travels with every query\)/);
    expect(() => readObservabilityConfig({ ...axiom, APOLLO_AXIOM_SERVICE_FIELD: "app']" })).toThrow(/APOLLO_AXIOM_SERVICE_FIELD must be a field name without quotes/);
    expect(() => readObservabilityConfig({ ...axiom, APOLLO_AXIOM_QUERY_TIMEOUT_SECONDS: '28' })).toThrow('APOLLO_AXIOM_QUERY_TIMEOUT_SECONDS must be at most 25 (API Gateway answers within 29 s), not 28');
  });
});
