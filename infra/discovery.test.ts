/**
 * Service discovery's infrastructure: the services and webhooks Lambdas come from the route table;
 * what is added here is exactly the GitHub secret read (jobs, webhooks), the asynchronous hand-over
 * to the jobs Lambda (services, webhooks: the unqualified function, no `:*`), the settings, and the
 * hourly schedule from the job definitions. Lambdas are not bundled here.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApolloStack } from './apollo-stack.ts';
import { lambdaEnv, resourcesOfType, roleStatements, testApp, WEB_DIST_FIXTURE } from './testing.ts';

const STAGE = 'disc';
let stack: ApolloStack;
let template: Template;

beforeAll(() => {
  stack = new ApolloStack(testApp(), 'Apollo-disc', { stage: STAGE, webDist: WEB_DIST_FIXTURE, discovery: { org: 'acme' } });
  template = Template.fromStack(stack);
});

const statementsOf = (name: string) => roleStatements(stack, template, name);
const envOf = (name: string) => lambdaEnv(template, STAGE, name);
const jobsArn = () => stack.resolve(stack.functions.jobs.function.functionArn);
const secretStatements = (name: string) => statementsOf(name).filter((s) => JSON.stringify(s.Resource).includes(':secret:apollo/disc/github-??????'));
const invokeStatements = (name: string) => statementsOf(name).filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));

describe('service discovery', () => {
  it('lets the jobs and webhooks Lambdas read the GitHub secret, and nothing else read it', () => {
    for (const name of ['jobs', 'webhooks']) {
      expect(secretStatements(name).flatMap((s) => [s.Action].flat()).sort(), name).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    }
    for (const name of ['services', 'offerings', 'identity', 'system', 'audit', 'realtime']) expect(secretStatements(name), name).toEqual([]);
  });

  it('lets the services and webhooks Lambdas invoke the jobs Lambda (unqualified only), and no other', () => {
    // offerings hands catalog refreshes over the same way (infra/catalog-refresh.test.ts).
    for (const name of ['services', 'webhooks', 'offerings']) expect(invokeStatements(name).map((s) => s.Resource), name).toEqual([jobsArn()]);
    for (const name of ['jobs', 'identity', 'system', 'audit', 'realtime']) expect(invokeStatements(name), name).toEqual([]);
  });

  it('tells the functions the organisation, the secret and the jobs function', () => {
    for (const name of ['services', 'webhooks', 'jobs']) expect(envOf(name)).toMatchObject({ APOLLO_GITHUB_ORG: 'acme', APOLLO_GITHUB_SECRET: 'apollo/disc/github' });
    for (const name of ['services', 'webhooks']) expect(envOf(name).APOLLO_JOBS_FUNCTION).toEqual(stack.resolve(stack.functions.jobs.function.functionName));
    expect(envOf('jobs').APOLLO_JOBS_FUNCTION).toBeUndefined();
  });

  it('runs the full sync hourly through the jobs Lambda, which may run for 15 minutes', () => {
    const rule = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).find((r) => r.Properties.Name === `apollo-${STAGE}-discovery-sync`)!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 hour)');
    const jobs = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === `apollo-${STAGE}-jobs`)!;
    expect(jobs.Properties.Timeout).toBe(900);
  });

  it('refuses an organisation or API URL that cannot be right', () => {
    expect(() => new ApolloStack(testApp(), 'Bad', { stage: 'bad', webDist: WEB_DIST_FIXTURE, discovery: { org: 'not an org' } })).toThrow(/githubOrg/);
    expect(() => new ApolloStack(testApp(), 'Bad2', { stage: 'bad', webDist: WEB_DIST_FIXTURE, discovery: { apiUrl: 'http://insecure' } })).toThrow(/githubApiUrl/);
  });
});
