import { DescribeSecretCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError, ServiceUnavailableError } from '#shared/errors';
import { awsSecretStoreFactory, configuredEnvironments, readSecretStoreConfig, RENEW_BEFORE_MS, sanitiseIdentity, storeFactoryFromEnv } from './store-factory.ts';

const sts = mockClient(STSClient);
const sm = mockClient(SecretsManagerClient);
afterEach(() => {
  sts.reset();
  sm.reset();
});

const PROD_ROLE = 'arn:aws:iam::210987654321:role/apollo-secrets-prod';
const DEFAULT_ROLE = 'arn:aws:iam::123456789012:role/apollo-secrets';
const ENVIRONMENTS = JSON.stringify({ prod: { region: 'eu-west-1', roleArn: PROD_ROLE } });
const T0 = Date.parse('2026-12-05T12:00:00Z');

function sessions(): void {
  let n = 0;
  sts.on(AssumeRoleCommand).callsFake((input: { DurationSeconds: number }) => {
    n += 1;
    return {
      Credentials: { AccessKeyId: `ASIA${n}`, SecretAccessKey: `secret-${n}`, SessionToken: `token-${n}`, Expiration: new Date(T0 + input.DurationSeconds * 1000) },
      AssumedRoleUser: { Arn: 'arn:aws:sts::210987654321:assumed-role/apollo-secrets-prod/x', AssumedRoleId: 'AROA:x' },
    };
  });
}

describe('readSecretStoreConfig', () => {
  it('reads the environments and the default role', () => {
    expect(readSecretStoreConfig({ APOLLO_SECRETS_ENVIRONMENTS: ENVIRONMENTS, APOLLO_SECRETS_ROLE_ARN: DEFAULT_ROLE, AWS_REGION: 'us-east-1' })).toEqual({
      environments: { prod: { region: 'eu-west-1', roleArn: PROD_ROLE } },
      defaultRoleArn: DEFAULT_ROLE,
      region: 'us-east-1',
    });
    expect(readSecretStoreConfig({})).toEqual({ environments: {}, defaultRoleArn: undefined, region: undefined });
  });

  it.each([
    [{ APOLLO_SECRETS_ENVIRONMENTS: '{prod:' }, 'APOLLO_SECRETS_ENVIRONMENTS is not JSON'],
    [{ APOLLO_SECRETS_ENVIRONMENTS: '[]' }, 'APOLLO_SECRETS_ENVIRONMENTS must be a JSON object of environment names to { region, roleArn }'],
    [{ APOLLO_SECRETS_ENVIRONMENTS: JSON.stringify({ Prod: { region: 'eu-west-1', roleArn: PROD_ROLE } }) }, 'APOLLO_SECRETS_ENVIRONMENTS: "Prod" is not an environment name'],
    [{ APOLLO_SECRETS_ENVIRONMENTS: JSON.stringify({ prod: { region: 'Ireland', roleArn: PROD_ROLE } }) }, 'APOLLO_SECRETS_ENVIRONMENTS.prod.region must be an AWS region such as eu-west-1, not "Ireland"'],
    [{ APOLLO_SECRETS_ENVIRONMENTS: JSON.stringify({ prod: { region: 'eu-west-1', roleArn: 'apollo-secrets' } }) }, 'APOLLO_SECRETS_ENVIRONMENTS.prod.roleArn must be an IAM role ARN'],
    [{ APOLLO_SECRETS_ENVIRONMENTS: JSON.stringify({ prod: { region: 'eu-west-1', roleArn: PROD_ROLE, externalId: 'x' } }) }, 'APOLLO_SECRETS_ENVIRONMENTS.prod has unknown field(s) externalId'],
    [{ APOLLO_SECRETS_ROLE_ARN: 'arn:aws:iam::123456789012:user/dana', AWS_REGION: 'us-east-1' }, 'APOLLO_SECRETS_ROLE_ARN must be an IAM role ARN'],
    [{ APOLLO_SECRETS_ROLE_ARN: DEFAULT_ROLE }, 'APOLLO_SECRETS_ROLE_ARN is set but AWS_REGION is not'],
  ])('refuses %j at cold start', (env, message) => {
    expect(() => readSecretStoreConfig(env)).toThrow(message);
  });
});

describe('sanitiseIdentity', () => {
  it('keeps what CloudTrail allows ([\\w+=,.@-], 2 to 64 characters)', () => {
    expect(sanitiseIdentity('dana@apollo.local')).toBe('dana@apollo.local');
    expect(sanitiseIdentity('system:secrets-expiry')).toBe('system-secrets-expiry');
    expect(sanitiseIdentity('arn:aws:sts::1:assumed-role/Dev/José')).toBe('arn-aws-sts--1-assumed-role-Dev-Jos-');
    expect(sanitiseIdentity('x')).toBe('x-');
    expect(sanitiseIdentity('a'.repeat(100))).toHaveLength(64);
  });
});

describe('awsSecretStoreFactory', () => {
  it('opens an environment as the caller: its role, SourceIdentity = the principal, 15-minute session, its region', async () => {
    // Prepare
    sessions();
    sm.on(DescribeSecretCommand).resolves({ Name: 'apollo/prod/core-service/db-password', ARN: 'arn:x', CreatedDate: new Date(T0), VersionIdsToStages: {} });
    sm.on(ListSecretVersionIdsCommand).resolves({ Versions: [] });
    const clients: Array<{ region: string; accessKeyId: string; sessionToken: string }> = [];
    const storeFor = awsSecretStoreFactory(readSecretStoreConfig({ APOLLO_SECRETS_ENVIRONMENTS: ENVIRONMENTS }), {
      sts: new STSClient({ region: 'us-east-1' }),
      now: () => T0,
      clientFor: (region, credentials) => {
        clients.push({ region, accessKeyId: credentials.accessKeyId, sessionToken: credentials.sessionToken });
        return new SecretsManagerClient({ region, credentials });
      },
    });

    // Act
    const store = await storeFor('prod', { principal: 'dana@apollo.local' });
    const secret = await store.describe('apollo/prod/core-service/db-password');

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: PROD_ROLE, RoleSessionName: 'apollo-secrets-dana@apollo.local', SourceIdentity: 'dana@apollo.local', DurationSeconds: 900 },
    ]);
    expect(clients).toEqual([{ region: 'eu-west-1', accessKeyId: 'ASIA1', sessionToken: 'token-1' }]);
    expect([store.simulated, secret?.name]).toEqual([false, 'apollo/prod/core-service/db-password']);
  });

  it('reuses a session per (environment, principal) until shortly before it expires', async () => {
    // Prepare
    sessions();
    let now = T0;
    const storeFor = awsSecretStoreFactory(readSecretStoreConfig({ APOLLO_SECRETS_ENVIRONMENTS: ENVIRONMENTS, APOLLO_SECRETS_ROLE_ARN: DEFAULT_ROLE, AWS_REGION: 'us-east-1' }), {
      sts: new STSClient({ region: 'us-east-1' }),
      now: () => now,
    });

    // Act
    const [a, b] = await Promise.all([storeFor('prod', { principal: 'dana@apollo.local' }), storeFor('prod', { principal: 'dana@apollo.local' })]);
    const other = await storeFor('prod', { principal: 'sam@apollo.local' });
    const dev = await storeFor('dev', { principal: 'dana@apollo.local' });
    now = T0 + 900_000 - RENEW_BEFORE_MS - 1;
    const stillFresh = await storeFor('prod', { principal: 'dana@apollo.local' });
    now = T0 + 900_000 - RENEW_BEFORE_MS;
    const renewed = await storeFor('prod', { principal: 'dana@apollo.local' });

    // Assess
    expect([a === b, other === a, dev === a, stillFresh === a, renewed === a]).toEqual([true, false, false, true, false]);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => [c.args[0].input.RoleArn, c.args[0].input.SourceIdentity])).toEqual([
      [PROD_ROLE, 'dana@apollo.local'],
      [PROD_ROLE, 'sam@apollo.local'],
      [DEFAULT_ROLE, 'dana@apollo.local'],
      [PROD_ROLE, 'dana@apollo.local'],
    ]);
  });

  it('is a ForbiddenError naming the role when it may not be assumed, and tries again next time', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejectsOnce(Object.assign(new Error('not authorized to perform: sts:SetSourceIdentity'), { name: 'AccessDenied', $metadata: {} }));
    const storeFor = awsSecretStoreFactory(readSecretStoreConfig({ APOLLO_SECRETS_ENVIRONMENTS: ENVIRONMENTS }), { sts: new STSClient({ region: 'us-east-1' }), now: () => T0 });

    // Act
    const failure = await storeFor('prod', { principal: 'dana@apollo.local' }).catch((e: unknown) => e);
    sessions();
    const store = await storeFor('prod', { principal: 'dana@apollo.local' });

    // Assess
    expect(failure).toBeInstanceOf(ForbiddenError);
    expect((failure as Error).message).toBe(`Apollo may not assume ${PROD_ROLE} for prod: its trust policy must allow Apollo's role sts:AssumeRole and sts:SetSourceIdentity`);
    expect(store.simulated).toBe(false);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('says what to set when nothing is configured, and which environment has no store', async () => {
    const none = awsSecretStoreFactory(readSecretStoreConfig({}), { sts: new STSClient({ region: 'us-east-1' }) });
    const some = awsSecretStoreFactory(readSecretStoreConfig({ APOLLO_SECRETS_ENVIRONMENTS: ENVIRONMENTS }), { sts: new STSClient({ region: 'us-east-1' }) });

    const unconfigured = none('prod', { principal: 'dana@apollo.local' });
    await expect(unconfigured).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(unconfigured).rejects.toThrow('secrets are not configured: set APOLLO_SECRETS_ROLE_ARN (a role in this account) or APOLLO_SECRETS_ENVIRONMENTS (a role and region per environment)');
    const unlisted = some('staging', { principal: 'dana@apollo.local' });
    await expect(unlisted).rejects.toBeInstanceOf(NotFoundError);
    await expect(unlisted).rejects.toThrow('no secret store is configured for environment staging: add it to APOLLO_SECRETS_ENVIRONMENTS or set APOLLO_SECRETS_ROLE_ARN');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});

describe('from the environment', () => {
  it('names the environments the expiry job walks only when the config lists them all', () => {
    expect(configuredEnvironments({ APOLLO_SECRETS_ENVIRONMENTS: ENVIRONMENTS })).toEqual(['prod']);
    expect(configuredEnvironments({ APOLLO_SECRETS_ENVIRONMENTS: ENVIRONMENTS, APOLLO_SECRETS_ROLE_ARN: DEFAULT_ROLE, AWS_REGION: 'us-east-1' })).toBeUndefined();
    expect(configuredEnvironments({})).toBeUndefined();
  });

  it('fails fast on a malformed config', () => {
    expect(() => storeFactoryFromEnv({ APOLLO_SECRETS_ENVIRONMENTS: 'nope' })).toThrow('APOLLO_SECRETS_ENVIRONMENTS is not JSON');
  });
});
