/** The traces settings read at cold start: the backend and its URL, credentials, the environment attribute. */
import { describe, expect, it } from 'vitest';
import { readTelemetryConfig } from './telemetry-config.ts';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:apollo/tempo-AbCdEf';

describe('the traces settings', () => {
  it('reads traces from X-Ray unless told otherwise, with no credentials', () => {
    expect(readTelemetryConfig({})).toMatchObject({ tracesBackend: 'xray', tempoUrl: undefined, tempoTenant: undefined, tracesAuth: undefined, tracesEnvironmentAttribute: 'deployment.environment', grafanaTracesDatasource: undefined });
  });

  it('reads Jaeger from APOLLO_JAEGER_URL and Tempo from APOLLO_TEMPO_URL, with credentials from the environment or a secret', () => {
    expect(readTelemetryConfig({ APOLLO_TRACES_BACKEND: 'jaeger', APOLLO_JAEGER_URL: 'http://jaeger-query:16686/', APOLLO_TRACES_AUTH: 'bearer t0ken' }))
      .toMatchObject({ tracesBackend: 'jaeger', jaegerUrl: 'http://jaeger-query:16686', tracesAuth: { value: 'bearer t0ken' } });
    expect(readTelemetryConfig({ APOLLO_TRACES_BACKEND: 'tempo', APOLLO_TEMPO_URL: 'https://tempo-prod-10-prod-eu-west-2.grafana.net/tempo', APOLLO_TEMPO_TENANT: 'team-a', APOLLO_TRACES_AUTH_SECRET_ARN: SECRET, APOLLO_TRACES_ENVIRONMENT_ATTRIBUTE: 'deployment.environment.name', APOLLO_GRAFANA_TRACES_DATASOURCE: 'tempo' }))
      .toMatchObject({ tracesBackend: 'tempo', tempoUrl: 'https://tempo-prod-10-prod-eu-west-2.grafana.net/tempo', tempoTenant: 'team-a', tracesAuth: { secretArn: SECRET }, tracesEnvironmentAttribute: 'deployment.environment.name', grafanaTracesDatasource: 'tempo' });
  });

  it.each([
    [{ APOLLO_TRACES_BACKEND: 'zipkin' }, 'APOLLO_TRACES_BACKEND must be xray, jaeger or tempo, not "zipkin"'],
    [{ APOLLO_TRACES_BACKEND: 'jaeger' }, 'APOLLO_TRACES_BACKEND=jaeger needs APOLLO_JAEGER_URL: the Jaeger query service, e.g. http://jaeger-query:16686'],
    [{ APOLLO_TRACES_BACKEND: 'tempo', APOLLO_JAEGER_URL: 'http://jaeger:16686' }, 'APOLLO_TRACES_BACKEND=tempo needs APOLLO_TEMPO_URL: the Tempo query frontend, e.g. http://tempo:3200'],
    [{ APOLLO_TRACES_BACKEND: 'tempo', APOLLO_TEMPO_URL: 'tempo:3200' }, 'APOLLO_TEMPO_URL must be an http(s) URL, not "tempo:3200"'],
    [{ APOLLO_TRACES_AUTH: 'bearer x', APOLLO_TRACES_AUTH_SECRET_ARN: SECRET }, 'set APOLLO_TRACES_AUTH or APOLLO_TRACES_AUTH_SECRET_ARN, not both'],
    [{ APOLLO_TRACES_AUTH_SECRET_ARN: 'apollo/tempo' }, 'APOLLO_TRACES_AUTH_SECRET_ARN must be a Secrets Manager secret ARN, not "apollo/tempo"'],
    [{ APOLLO_TRACES_ENVIRONMENT_ATTRIBUTE: 'env" || true' }, 'APOLLO_TRACES_ENVIRONMENT_ATTRIBUTE must be an attribute name such as deployment.environment, not "env" || true"'],
  ])('refuses %o at cold start', (env, message) => {
    expect(() => readTelemetryConfig(env)).toThrow(message);
  });

  it('refuses malformed credentials without showing them', () => {
    for (const value of ['hunter2', 'basic nocolon', 'token abc']) {
      expect(() => readTelemetryConfig({ APOLLO_TRACES_AUTH: value })).toThrow('APOLLO_TRACES_AUTH must be "bearer <token>" or "basic <user>:<password>" (its value is not shown)');
      expect(() => readTelemetryConfig({ APOLLO_TRACES_AUTH: value })).not.toThrow(value);
    }
  });
});
