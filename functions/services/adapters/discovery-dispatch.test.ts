import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaDiscoveryDispatcher } from './discovery-dispatch.ts';
import { LocalGitHubCredentials, parseCredentials, SecretsManagerGitHubCredentials } from '#lib/github/credentials';

const lambda = mockClient(LambdaClient);
const secrets = mockClient(SecretsManagerClient);
afterEach(() => { lambda.reset(); secrets.reset(); });

describe('LambdaDiscoveryDispatcher', () => {
  it('hands the job to the jobs Lambda asynchronously (InvocationType Event) with { job, jobId }', async () => {
    // Prepare
    const sent: unknown[] = [];
    lambda.on(InvokeCommand).callsFake((input: { FunctionName: string; InvocationType: string; Payload: Uint8Array }) => {
      sent.push({ FunctionName: input.FunctionName, InvocationType: input.InvocationType, Payload: JSON.parse(Buffer.from(input.Payload).toString()) });
      return { StatusCode: 202 };
    });

    // Act
    await new LambdaDiscoveryDispatcher('apollo-prod-jobs', new LambdaClient({ region: 'us-east-1' })).dispatch('01JABCDEFGHJKMNPQRSTVWXYZ0');

    // Assess
    expect(sent).toEqual([{ FunctionName: 'apollo-prod-jobs', InvocationType: 'Event', Payload: { job: 'discovery-sync', jobId: '01JABCDEFGHJKMNPQRSTVWXYZ0' } }]);
  });

  it('fails when Lambda did not accept the event', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    await expect(new LambdaDiscoveryDispatcher('f', new LambdaClient({ region: 'us-east-1' })).dispatch('x')).rejects.toThrow(/answered 200/);
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
