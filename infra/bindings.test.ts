/**
 * What each function may do and is told beyond its table access follows from its descriptor's
 * bindings (for the jobs Lambda, its jobs'; for a workflow's steps Lambda, its workflow's): exactly
 * those permissions and settings, for every context, with no context named here. Lambdas are not
 * bundled here.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Binding, ContextDescriptor } from '#lib/context';
import { CONTEXTS } from '#shared/routes';
import { DESCRIPTORS, JOBS } from '#functions/contexts';
import { isScheduledJob } from '#shared/jobs';
import { ApolloStack } from './apollo-stack.ts';
import { lambdaEnv, resourcesOfType, roleStatements, testApp, WEB_DIST_FIXTURE } from './testing.ts';

const STAGE = 'bind';
let stack: ApolloStack;
let template: Template;

beforeAll(() => {
  stack = new ApolloStack(testApp(), 'Apollo-bind', {
    stage: STAGE, webDist: WEB_DIST_FIXTURE, discovery: { org: 'acme' }, catalog: { repo: 'acme/platform-catalog', path: 'offerings' },
  });
  template = Template.fromStack(stack);
});

/** Bindings and what each implies. */
function implied(bindings: readonly Binding[]): Set<Binding> {
  const all = new Set<Binding>(bindings);
  if (all.has('deployment-targets')) ['gitops-repository', 'integration-secrets', 'eks-clusters'].forEach((b) => all.add(b as Binding));
  if (all.has('gitops-repository')) all.add('github-credentials');
  if (all.has('github-credentials')) all.add('github-settings');
  return all;
}

/** What a function was made from: a descriptor (its bindings, its jobs' for the jobs Lambda), or a workflow of one (its steps Lambda). */
interface Made {
  readonly bindings: Set<Binding>;
  readonly environment: Readonly<Record<string, string>>;
}

const FUNCTIONS: [string, Made][] = [
  ...DESCRIPTORS.map((d): [string, Made] => [d.name, {
    bindings: implied([...(d.bindings ?? []), ...(d.name === 'jobs' ? JOBS.flatMap((j) => j.bindings ?? []) : [])]),
    environment: d.environment ?? {},
  }]),
  ...DESCRIPTORS.flatMap((d: ContextDescriptor) => (d.workflows ?? []).map((w): [string, Made] => [`${d.name}-${w.name}-steps`, {
    bindings: implied(w.bindings ?? []),
    environment: w.environment ?? {},
  }])),
];

const actionsOf = (name: string) => roleStatements(stack, template, name).flatMap((s) => [s.Action].flat());
const envOf = (name: string) => lambdaEnv(template, STAGE, name);

describe('the bindings of every function', () => {
  it('covers every workflow\'s steps function', () => {
    expect(FUNCTIONS.filter(([name]) => name.endsWith('-steps')).length).toBe(DESCRIPTORS.flatMap((d) => d.workflows ?? []).length);
    expect(FUNCTIONS.length).toBeGreaterThan(DESCRIPTORS.length);
  });

  it.each(FUNCTIONS)('%s: the GitHub secret read, the integration secrets, the hand-over to the jobs Lambda, the user pool, the audit bucket and EKS exactly when asked', (name, made) => {
    const has = made.bindings;
    const statements = roleStatements(stack, template, name);
    const secretReads = statements.filter((s) => JSON.stringify(s.Resource).includes(`:secret:apollo/${STAGE}/github-??????`));
    expect(secretReads.length > 0, 'reads the GitHub secret').toBe(has.has('github-credentials'));
    const integrationReads = statements.filter((s) => JSON.stringify(s.Resource).includes(`:secret:apollo/${STAGE}/integrations/*`));
    expect(integrationReads.map((s) => s.Action), 'reads the integration secrets').toEqual(has.has('integration-secrets') ? ['secretsmanager:GetSecretValue'] : []);
    const invokes = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    // Statements may be merged: the resources one by one. The AI console's actions call the REST contexts' functions by name.
    const invoked = invokes.flatMap((s) => [s.Resource].flat());
    const apiInvoked = invoked.filter((r) => /:function:apollo-[a-z0-9-]+/.test(JSON.stringify(r)));
    expect(invoked.filter((r) => !apiInvoked.includes(r))).toEqual(has.has('job-dispatch') ? [stack.resolve(stack.functions.jobs.function.functionArn)] : []);
    expect(apiInvoked.length, 'invokes the REST functions').toBe(has.has('apollo-api-invoke') ? CONTEXTS.length : 0);
    expect(actionsOf(name).includes('cognito-idp:AdminAddUserToGroup'), 'administers web users').toBe(has.has('user-admin'));
    expect(actionsOf(name).includes('s3:PutObject'), 'writes the audit archive').toBe(has.has('audit-archive'));
    expect(actionsOf(name).includes('eks:DescribeCluster'), 'reads EKS clusters').toBe(has.has('eks-clusters'));
    // The API's own metrics, or (telemetry-read, the metrics source being CloudWatch here) the services'.
    expect(actionsOf(name).includes('cloudwatch:GetMetricData'), 'reads CloudWatch metrics').toBe(has.has('api-metrics') || has.has('telemetry-read'));
    expect(actionsOf(name).includes('xray:BatchGetTraces'), 'reads traces').toBe(has.has('telemetry-read'));
    expect(actionsOf(name).includes('logs:StartQuery'), 'queries logs').toBe(has.has('logs-read'));
    const logReads = statements.filter((s) => [s.Action].flat().includes('logs:FilterLogEvents'));
    expect(logReads.map((s) => JSON.stringify(s.Resource).match(/log-group:[^"]*/g))).toEqual(has.has('logs-read') ? [['log-group:/apollo/*', `log-group:/aws/lambda/apollo-${STAGE}-*`]] : []);
  });

  it.each(FUNCTIONS)('%s: told the settings of what it is bound to, and its own environment', (name, made) => {
    const has = made.bindings;
    const env = envOf(name);
    expect(env.APOLLO_GITHUB_ORG).toBe(has.has('github-settings') ? 'acme' : undefined);
    expect(env.APOLLO_GITHUB_SECRET).toBe(has.has('github-settings') ? `apollo/${STAGE}/github` : undefined);
    expect(env.APOLLO_CATALOG_REPO).toBe(has.has('catalog-repository') ? 'acme/platform-catalog' : undefined);
    expect(env.APOLLO_JOBS_FUNCTION).toEqual(has.has('job-dispatch') ? stack.resolve(stack.functions.jobs.function.functionName) : undefined);
    expect(env.APOLLO_API_NAME).toBe(has.has('api-metrics') ? `apollo-${STAGE}` : undefined);
    expect(Boolean(env.APOLLO_AUDIT_BUCKET)).toBe(has.has('audit-archive'));
    expect(env.APOLLO_INTEGRATION_SECRETS_PREFIX).toBe(has.has('integration-secrets') ? `apollo/${STAGE}/integrations/` : undefined);
    // The REST API's URL from its id and stage name (not its deployment stage's: that would be a cycle).
    expect(env.APOLLO_LOG_GROUP_TEMPLATE).toBe(has.has('logs-read') ? '/apollo/{environment}/{service}' : undefined);
    expect(env.APOLLO_OBSERVABILITY_METRICS).toBe(has.has('telemetry-read') ? 'cloudwatch' : undefined);
    expect(env.APOLLO_PUBLIC_URL).toEqual(has.has('public-url')
      ? { 'Fn::Join': ['', ['https://', { Ref: stack.getLogicalId(stack.api.api.node.defaultChild as CfnElement) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, `/${STAGE}`]] }
      : undefined);
    expect(env).toMatchObject(made.environment);
  });

  it('schedules every job of every context (or matches its events) through the jobs Lambda, which outlasts the longest', () => {
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule'));
    for (const job of JOBS) {
      const rule = rules.find((r) => r.Properties.Name === `apollo-${STAGE}-${job.name}`);
      if (isScheduledJob(job)) expect(rule?.Properties.ScheduleExpression, job.name).toBe(job.schedule);
      else expect(rule?.Properties.EventPattern, job.name).toEqual(job.eventPattern);
    }
    const jobs = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === `apollo-${STAGE}-jobs`)!;
    expect(jobs.Properties.Timeout).toBe(Math.max(...JOBS.map((j) => j.timeoutSeconds)));
  });

  it('refuses settings that cannot be right, at synth', () => {
    const attempt = (props: Partial<ConstructorParameters<typeof ApolloStack>[2]>, id: string) => () => new ApolloStack(testApp(), id, { stage: 'bad', webDist: WEB_DIST_FIXTURE, ...props });
    expect(attempt({ discovery: { org: 'not an org' } }, 'B1')).toThrow(/githubOrg/);
    expect(attempt({ discovery: { apiUrl: 'http://insecure' } }, 'B2')).toThrow(/githubApiUrl/);
    expect(attempt({ catalog: { repo: 'not a repo' } }, 'B3')).toThrow(/catalogRepo/);
    expect(attempt({ catalog: { repo: 'acme/..' } }, 'B4')).toThrow(/catalogRepo/);
    expect(attempt({ catalog: { repo: 'acme/c', path: '../up' } }, 'B5')).toThrow(/catalogPath/);
    expect(attempt({ healthClusters: ['no spaces'] }, 'B6')).toThrow(/healthClusters/);
    expect(attempt({ publicUrl: 'http://apollo.example.com' }, 'B7')).toThrow(/publicUrl/);
    expect(attempt({ publicUrl: 'https://apollo.example.com/' }, 'B8')).toThrow(/publicUrl/);
    expect(attempt({ logGroupTemplate: '{service}' }, 'B9')).toThrow(/logGroupTemplate/);
    expect(attempt({ logGroupTemplate: '/apollo/{svc}' }, 'B10')).toThrow(/logGroupTemplate/);
    expect(attempt({ logGroupTemplate: '/aws/lambda/apollo-prod-{service}' }, 'B11')).toThrow(/logGroupTemplate/);
  });

  it('tells the functions bound to it the public URL given instead of the API\'s (a custom domain)', () => {
    const custom = new ApolloStack(testApp(), 'Apollo-custom', { stage: 'custom', webDist: WEB_DIST_FIXTURE, publicUrl: 'https://apollo.example.com/api-root' });
    const steps = lambdaEnv(Template.fromStack(custom), 'custom', 'requests-fulfillment-steps');

    expect(steps.APOLLO_PUBLIC_URL).toBe('https://apollo.example.com/api-root');
  });
});
