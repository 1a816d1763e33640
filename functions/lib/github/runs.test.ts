import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { settleInProcessRuns } from '../job-dispatch.ts';
import { LocalGitHubCredentials, parseCredentials, SecretsManagerGitHubCredentials } from './credentials.ts';
import { runDispatcher, readGitHubRunSettings } from './runs.ts';

const lambda = mockClient(LambdaClient);
const secrets = mockClient(SecretsManagerClient);
afterEach(() => { lambda.reset(); secrets.reset(); });

const BASE = { TABLE_NAME: 't', AWS_REGION: 'us-east-1' };
const aws = (env: Record<string, string>) => readGitHubRunSettings({ ...BASE, APOLLO_RUNTIME: 'aws', APOLLO_GITHUB_SECRET: 'apollo/prod/github', ...env }, 'discovery');
const neverRun = async (): Promise<void> => { throw new Error('must not run in this process'); };

describe('the settings of a GitHub-backed run', () => {
  it('need the credentials secret in AWS, and default GitHub\'s API and the rate-limit wait', () => {
    expect(() => readGitHubRunSettings({ ...BASE, APOLLO_RUNTIME: 'aws' }, 'discovery')).toThrow('discovery is not configured: set APOLLO_GITHUB_SECRET');
    expect(aws({ APOLLO_GITHUB_MAX_WAIT_SECONDS: 'x' })).toEqual({ apiUrl: 'https://api.github.com', secretId: 'apollo/prod/github', jobsFunction: undefined, maxWaitMs: 60_000, runtime: 'aws' });
  });
});

describe('the dispatcher of a GitHub-backed run', () => {
  it('hands the job to the jobs Lambda asynchronously (InvocationType Event) with { job, jobId }', async () => {
    // Prepare
    const sent: unknown[] = [];
    lambda.on(InvokeCommand).callsFake((input: { FunctionName: string; InvocationType: string; Payload: Uint8Array }) => {
      sent.push({ FunctionName: input.FunctionName, InvocationType: input.InvocationType, Payload: JSON.parse(Buffer.from(input.Payload).toString()) });
      return { StatusCode: 202 };
    });

    // Act
    await runDispatcher(aws({ APOLLO_JOBS_FUNCTION: 'apollo-prod-jobs' }), 'discovery-sync', 'discovery', neverRun).dispatch('01JABCDEFGHJKMNPQRSTVWXYZ0');

    // Assess
    expect(sent).toEqual([{ FunctionName: 'apollo-prod-jobs', InvocationType: 'Event', Payload: { job: 'discovery-sync', jobId: '01JABCDEFGHJKMNPQRSTVWXYZ0' } }]);
  });

  it('fails when Lambda did not accept the event', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    await expect(runDispatcher(aws({ APOLLO_JOBS_FUNCTION: 'f' }), 'discovery-sync', 'discovery', neverRun).dispatch('x')).rejects.toThrow(/answered 200/);
  });

  it('in the jobs Lambda (no jobs function to hand to) says so, and on a laptop runs in this process', async () => {
    await expect(runDispatcher(aws({}), 'catalog-refresh', 'the catalog refresh', neverRun).dispatch('x')).rejects.toThrow('the catalog refresh is not configured: APOLLO_JOBS_FUNCTION names no jobs function');
    const ran: string[] = [];
    await runDispatcher(readGitHubRunSettings({ ...BASE, APOLLO_RUNTIME: 'local' }, 'discovery'), 'discovery-sync', 'discovery', async (id) => { ran.push(id); }).dispatch('01J');
    await settleInProcessRuns();
    expect(ran).toEqual(['01J']);
    expect(lambda.calls()).toHaveLength(0);
  });
});

describe('GitHub credentials', () => {
  it('reads a token or a GitHub App from the secret, with the webhook secret', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: 'apollo/prod/github' }).resolves({ SecretString: JSON.stringify({ token: 'ghp_x', webhookSecret: 'w' }) });
    expect(await new SecretsManagerGitHubCredentials('apollo/prod/github', new SecretsManagerClient({ region: 'us-east-1' })).credentials()).toEqual({ token: 'ghp_x', webhookSecret: 'w' });
    expect(parseCredentials({ appId: 1, installationId: '2', privateKey: '-----BEGIN PRIVATE KEY-----\n…' }, 's')).toEqual({ appId: 1, installationId: '2', privateKey: '-----BEGIN PRIVATE KEY-----\n…' });
  });

  it('says what a malformed secret lacks, never its values', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ appId: 1, privateKey: 'hunter2' }) });
    const error = await new SecretsManagerGitHubCredentials('s', new SecretsManagerClient({ region: 'us-east-1' })).credentials().catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'GitHubNotConfiguredError', message: 'the secret s must hold {"token"} or {"appId", "privateKey" (PEM), "installationId"}' });
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('locally reads APOLLO_GITHUB_TOKEN, else $APOLLO_HOME/github.json, else says which to set', async () => {
    expect(await new LocalGitHubCredentials({ APOLLO_GITHUB_TOKEN: 't', APOLLO_GITHUB_WEBHOOK_SECRET: 'w' }).credentials()).toEqual({ token: 't', webhookSecret: 'w' });
    await expect(new LocalGitHubCredentials({ APOLLO_HOME: '/nonexistent-apollo-home' }).credentials()).rejects.toThrow('no GitHub credentials: set APOLLO_GITHUB_TOKEN or write /nonexistent-apollo-home/github.json');
  });
});
