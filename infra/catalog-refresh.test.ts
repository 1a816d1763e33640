/**
 * The catalog refresh's infrastructure: the repository and directory for the functions that start,
 * run and trigger a refresh; the offerings Lambda's asynchronous hand-over to the jobs Lambda (the
 * unqualified function) and nothing more (it never reads the GitHub secret); the hourly schedule
 * from the job definitions. Lambdas are not bundled here.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApolloStack } from './apollo-stack.ts';
import { lambdaEnv, resourcesOfType, roleStatements, testApp, WEB_DIST_FIXTURE } from './testing.ts';

const STAGE = 'cat';
let stack: ApolloStack;
let template: Template;

beforeAll(() => {
  stack = new ApolloStack(testApp(), 'Apollo-cat', { stage: STAGE, webDist: WEB_DIST_FIXTURE, discovery: { org: 'acme' }, catalog: { repo: 'acme/platform-catalog', path: 'offerings' } });
  template = Template.fromStack(stack);
});

const statementsOf = (name: string) => roleStatements(stack, template, name);
const envOf = (name: string) => lambdaEnv(template, STAGE, name);

describe('the catalog refresh', () => {
  it('tells the offerings, jobs and webhooks functions the catalog repository and directory', () => {
    for (const name of ['offerings', 'jobs', 'webhooks']) expect(envOf(name), name).toMatchObject({ APOLLO_CATALOG_REPO: 'acme/platform-catalog', APOLLO_CATALOG_PATH: 'offerings' });
    for (const name of ['services', 'identity', 'system', 'audit']) expect(envOf(name).APOLLO_CATALOG_REPO, name).toBeUndefined();
  });

  it('lets the offerings Lambda hand a refresh to the jobs Lambda (unqualified only), naming the secret but not reading it', () => {
    const invokes = statementsOf('offerings').filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invokes.map((s) => s.Resource)).toEqual([stack.resolve(stack.functions.jobs.function.functionArn)]);
    expect(envOf('offerings')).toMatchObject({ APOLLO_GITHUB_SECRET: 'apollo/cat/github', APOLLO_JOBS_FUNCTION: stack.resolve(stack.functions.jobs.function.functionName) });
    expect(statementsOf('offerings').filter((s) => JSON.stringify(s.Action).includes('secretsmanager'))).toEqual([]);
  });

  it('runs a full refresh hourly through the jobs Lambda', () => {
    const rule = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).find((r) => r.Properties.Name === `apollo-${STAGE}-catalog-refresh`)!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 hour)');
  });

  it('refuses a repository or directory that cannot be right', () => {
    expect(() => new ApolloStack(testApp(), 'Bad', { stage: 'bad', webDist: WEB_DIST_FIXTURE, catalog: { repo: 'not a repo' } })).toThrow(/catalogRepo/);
    expect(() => new ApolloStack(testApp(), 'Bad2', { stage: 'bad', webDist: WEB_DIST_FIXTURE, catalog: { repo: 'acme/..' } })).toThrow(/catalogRepo/);
    expect(() => new ApolloStack(testApp(), 'Bad3', { stage: 'bad', webDist: WEB_DIST_FIXTURE, catalog: { repo: 'acme/c', path: '../up' } })).toThrow(/catalogPath/);
  });
});
