/**
 * Canary metrics settings (CDK context `metrics`, `prometheusUrl`, `ampWorkspaceUrl`, `cloudwatchNamespace`):
 * the deployment workflow's steps Lambda is told them and may read exactly that source; a wrong one fails synth.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ApolloStack } from './apollo-stack.ts';
import { lambdaEnv, roleStatements, testApp, WEB_DIST_FIXTURE } from './testing.ts';

type Deployments = NonNullable<ConstructorParameters<typeof ApolloStack>[2]['deployments']>;
const STEPS = 'deployments-deployment-steps';

function made(id: string, deployments: Deployments) {
  const stack = new ApolloStack(testApp(), `Apollo-${id}`, { stage: id, webDist: WEB_DIST_FIXTURE, deployments });
  const template = Template.fromStack(stack);
  const statements = roleStatements(stack, template, STEPS);
  return { stack, template, env: lambdaEnv(template, id, STEPS), actions: statements.flatMap((s) => [s.Action].flat()), statements };
}

describe('canary metrics settings', () => {
  it('cloudwatch: the namespace, and GetMetricData (unscoped: grantUnscoped acknowledges it with its reason) for the steps Lambda', () => {
    const { env, statements } = made('cw', { metrics: 'cloudwatch', cloudwatchNamespace: 'Acme/Apps' });
    expect(env).toMatchObject({ APOLLO_METRICS: 'cloudwatch', APOLLO_CLOUDWATCH_NAMESPACE: 'Acme/Apps' });
    expect(statements.filter((s) => [s.Action].flat().includes('cloudwatch:GetMetricData'))).toEqual([{ Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*' }]);
  });

  it('amp: the workspace and its region, and aps:QueryMetrics on that workspace only', () => {
    const { env, statements } = made('amp', { metrics: 'amp', ampWorkspaceUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1a2b3c/api/v1/query' });
    expect(env).toMatchObject({ APOLLO_METRICS: 'amp', APOLLO_AMP_WORKSPACE_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1a2b3c', APOLLO_AMP_REGION: 'eu-west-1' });
    const query = statements.filter((s) => [s.Action].flat().includes('aps:QueryMetrics'));
    expect(query).toHaveLength(1);
    expect(JSON.stringify(query[0]!.Resource)).toContain(':aps:eu-west-1:');
    expect(JSON.stringify(query[0]!.Resource)).toContain(':workspace/ws-1a2b3c');
    expect(env.APOLLO_CLOUDWATCH_NAMESPACE).toBeUndefined();
  });

  it('prometheus: the URL and the PromQL given, no AWS permission', () => {
    const { env, actions } = made('prom', { metrics: 'prometheus', prometheusUrl: 'http://prometheus.monitoring.internal:9090', promql: { errorRate: 'sum(rate(errors{app="{service}"}[{range}]))' } });
    expect(env).toMatchObject({ APOLLO_METRICS: 'prometheus', APOLLO_PROMETHEUS_URL: 'http://prometheus.monitoring.internal:9090', APOLLO_PROMQL_ERROR_RATE: 'sum(rate(errors{app="{service}"}[{range}]))' });
    expect(actions.filter((a) => a.startsWith('aps:') || a === 'cloudwatch:GetMetricData')).toEqual([]);
  });

  it('none by default: no setting, no permission', () => {
    const { env, actions } = made('none', {});
    expect(env.APOLLO_METRICS).toBeUndefined();
    expect(actions.filter((a) => a.startsWith('aps:') || a === 'cloudwatch:GetMetricData')).toEqual([]);
  });

  it.each([
    [{ metrics: 'datadog' }, 'metrics must be one of prometheus, amp, cloudwatch, not "datadog"'],
    [{ metrics: 'prometheus' }, 'metrics=prometheus needs prometheusUrl'],
    [{ metrics: 'amp', ampWorkspaceUrl: 'https://amp.example.com/ws-1' }, 'metrics=amp needs ampWorkspaceUrl'],
    [{ metrics: 'cloudwatch', cloudwatchNamespace: 'AWS/Lambda' }, 'cloudwatchNamespace must be a custom CloudWatch namespace'],
    [{ prometheusUrl: 'http://p:9090' }, 'need metrics'],
    [{ metrics: 'prometheus', prometheusUrl: 'http://p:9090', promql: { p99Ms: 'x{app="{app}"}' } }, 'promql p99Ms names {app}'],
  ])('refuses %j at synth', (deployments, message) => {
    expect(() => new ApolloStack(testApp(), 'Apollo-bad', { stage: 'bad', webDist: WEB_DIST_FIXTURE, deployments: deployments as Deployments })).toThrow(message);
  });
});

describe('the observability hub reads the same metrics source (telemetry-read)', () => {
  const HUB = 'observability';
  it('amp: Prometheus at the workspace (signed), aps:QueryMetrics on it, no GetMetricData; X-Ray reads; consoles told', () => {
    const stack = new ApolloStack(testApp(), 'Apollo-obsamp', { stage: 'obsamp', webDist: WEB_DIST_FIXTURE, deployments: { metrics: 'amp', ampWorkspaceUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1a2b3c' }, consoles: { grafanaUrl: 'https://grafana.acme.dev', jaegerUrl: 'https://jaeger.acme.dev' } });
    const template = Template.fromStack(stack);
    const env = lambdaEnv(template, 'obsamp', HUB);
    const actions = roleStatements(stack, template, HUB).flatMap((s) => [s.Action].flat());
    expect(env).toMatchObject({ APOLLO_OBSERVABILITY_METRICS: 'prometheus', APOLLO_PROMETHEUS_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1a2b3c', APOLLO_GRAFANA_URL: 'https://grafana.acme.dev', APOLLO_JAEGER_URL: 'https://jaeger.acme.dev' });
    expect(actions).toEqual(expect.arrayContaining(['aps:QueryMetrics', 'xray:BatchGetTraces', 'xray:GetTraceSummaries']));
    expect(actions).not.toContain('cloudwatch:GetMetricData');
  });

  it('axiom logs and tempo traces: their settings, and GetSecretValue on their two secrets only', () => {
    const axiomSecret = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:apollo/axiom-token-AbCdEf';
    const tempoSecret = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:apollo/tempo-auth-GhIjKl';
    const stack = new ApolloStack(testApp(), 'Apollo-obsbackends', { stage: 'obsbackends', webDist: WEB_DIST_FIXTURE, consoles: {
      axiomDataset: 'services', logsBackend: 'axiom', axiomTokenSecretArn: axiomSecret, tracesBackend: 'tempo', tempoUrl: 'https://tempo.acme.dev', tracesAuthSecretArn: tempoSecret,
    } });
    const template = Template.fromStack(stack);
    expect(lambdaEnv(template, 'obsbackends', HUB)).toMatchObject({
      APOLLO_LOGS_BACKEND: 'axiom', APOLLO_AXIOM_DATASET: 'services', APOLLO_AXIOM_TOKEN_SECRET_ARN: axiomSecret,
      APOLLO_TRACES_BACKEND: 'tempo', APOLLO_TEMPO_URL: 'https://tempo.acme.dev', APOLLO_TRACES_AUTH_SECRET_ARN: tempoSecret,
    });
    const reads = roleStatements(stack, template, HUB).filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).flatMap((s) => [s.Resource].flat());
    expect(reads).toEqual(expect.arrayContaining([axiomSecret, tempoSecret]));
  });

  it.each([
    [{ logsBackend: 'axiom', axiomDataset: 'services' }, 'logsBackend axiom needs axiomDataset and axiomTokenSecretArn'],
    [{ tracesBackend: 'tempo' }, 'tracesBackend tempo needs tempoUrl'],
    [{ tracesBackend: 'jaeger', jaegerUrl: 'https://jaeger.acme.dev', tracesAuthSecretArn: 'apollo/jaeger' }, 'tracesAuthSecretArn must be a Secrets Manager secret ARN'],
  ])('refuses backends set half-way (%j), at synth', (consoles, message) => {
    expect(() => new ApolloStack(testApp(), 'Apollo-obsbad2', { stage: 'obsbad2', webDist: WEB_DIST_FIXTURE, consoles: consoles as never })).toThrow(message);
  });

  it('refuses a console that is not an https URL, at synth', () => {
    expect(() => new ApolloStack(testApp(), 'Apollo-obsbad', { stage: 'obsbad', webDist: WEB_DIST_FIXTURE, consoles: { grafanaUrl: 'grafana.local' } })).toThrow('grafanaUrl must be an https URL');
  });
});
