import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  LimitExceededException,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError, STATUS_BY_ERROR, ValidationError, type ApolloError } from '#shared/errors';
import { MAX_LIST_PAGES, SecretsManagerStore } from './secrets-manager-store.ts';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const ROLE = 'arn:aws:iam::210987654321:role/apollo-secrets-prod';
const NAME = 'apollo/prod/core-service/db-password';
const ARN = `arn:aws:secretsmanager:eu-west-1:210987654321:secret:${NAME}-AbCdEf`;
const V1 = 'a1b2c3d4-0000-4000-8000-000000000001';
const V2 = 'a1b2c3d4-0000-4000-8000-000000000002';
const V3 = 'a1b2c3d4-0000-4000-8000-000000000003';
const TOKEN = 'f0e1d2c3-0000-4000-8000-00000000000a';

const store = () => new SecretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }), { environment: 'prod', roleArn: ROLE });
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });
const inputs = <T extends object>(command: new (input: never) => T) => sm.commandCalls(command as never).map((call) => call.args[0].input);

describe('SecretsManagerStore.list', () => {
  it('reads every page of ListSecrets under the prefix, deleted-but-recoverable secrets included', async () => {
    // Prepare
    sm.on(ListSecretsCommand)
      .resolvesOnce({
        SecretList: [
          {
            Name: NAME, ARN, Description: 'Primary database', CreatedDate: new Date('2026-01-02T03:04:05Z'), LastChangedDate: new Date('2026-08-01T00:00:00Z'),
            LastAccessedDate: new Date('2026-12-04T00:00:00Z'), RotationEnabled: true, LastRotatedDate: new Date('2026-08-01T00:00:00Z'),
            Tags: [{ Key: 'apollo:category', Value: 'database' }], SecretVersionsToStages: { [V1]: ['AWSPREVIOUS'], [V2]: ['AWSCURRENT'] },
          },
          // The name filter is a prefix match without case: another case is not under the prefix.
          { Name: 'Apollo/prod/core-service/legacy', ARN: 'arn:legacy', CreatedDate: new Date('2026-01-01T00:00:00Z') },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        SecretList: [{ Name: 'apollo/prod/core-service/redis-auth', ARN: 'arn:redis', CreatedDate: new Date('2026-02-01T00:00:00Z'), DeletedDate: new Date('2026-12-12T00:00:00Z'), SecretVersionsToStages: { [V3]: ['AWSCURRENT'] } }],
      });

    // Act
    const secrets = await store().list('apollo/prod/core-service/');

    // Assess
    expect(inputs(ListSecretsCommand)).toEqual([
      { Filters: [{ Key: 'name', Values: ['apollo/prod/core-service/'] }], IncludePlannedDeletion: true, MaxResults: 100, NextToken: undefined },
      { Filters: [{ Key: 'name', Values: ['apollo/prod/core-service/'] }], IncludePlannedDeletion: true, MaxResults: 100, NextToken: 'page-2' },
    ]);
    expect(secrets).toEqual([
      {
        name: NAME, arn: ARN, description: 'Primary database', tags: { 'apollo:category': 'database' },
        createdAt: '2026-01-02T03:04:05.000Z', lastChangedAt: '2026-08-01T00:00:00.000Z', lastRotatedAt: '2026-08-01T00:00:00.000Z', lastAccessedAt: '2026-12-04T00:00:00.000Z',
        rotationEnabled: true, deletionDate: null,
        versions: [
          { versionId: V1, stages: ['AWSPREVIOUS'], createdAt: null, lastAccessedAt: null },
          { versionId: V2, stages: ['AWSCURRENT'], createdAt: null, lastAccessedAt: null },
        ],
      },
      {
        name: 'apollo/prod/core-service/redis-auth', arn: 'arn:redis', description: '', tags: {},
        createdAt: '2026-02-01T00:00:00.000Z', lastChangedAt: '2026-02-01T00:00:00.000Z', lastRotatedAt: null, lastAccessedAt: null,
        rotationEnabled: false, deletionDate: '2026-12-12T00:00:00.000Z',
        versions: [{ versionId: V3, stages: ['AWSCURRENT'], createdAt: null, lastAccessedAt: null }],
      },
    ]);
  });

  it(`stops after ${MAX_LIST_PAGES} pages and says so`, async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [], NextToken: 'more' });
    const listing = store().list('apollo/prod/');
    await expect(listing).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(listing).rejects.toThrow(`more than ${MAX_LIST_PAGES} pages of secrets under apollo/prod/ in prod`);
    expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(MAX_LIST_PAGES);
  });
});

describe('SecretsManagerStore.describe', () => {
  it('answers DescribeSecret with every version, its dates from ListSecretVersionIds (deprecated too), newest first', async () => {
    // Prepare
    sm.on(DescribeSecretCommand, { SecretId: NAME }).resolves({
      Name: NAME, ARN, Description: 'Primary database', CreatedDate: new Date('2026-01-02T00:00:00Z'), LastChangedDate: new Date('2026-09-01T00:00:00Z'),
      LastAccessedDate: new Date('2026-12-04T00:00:00Z'), RotationEnabled: false,
      Tags: [{ Key: 'apollo:service', Value: 'core-service' }, { Key: 'apollo:environment', Value: 'prod' }],
      VersionIdsToStages: { [V2]: ['AWSPREVIOUS'], [V3]: ['AWSCURRENT', 'AWSPENDING'] },
    });
    sm.on(ListSecretVersionIdsCommand)
      .resolvesOnce({ Versions: [{ VersionId: V1, VersionStages: [], CreatedDate: new Date('2026-01-02T00:00:00Z') }], NextToken: 'v-2' })
      .resolvesOnce({
        Versions: [
          { VersionId: V3, VersionStages: ['AWSCURRENT'], CreatedDate: new Date('2026-09-01T00:00:00Z'), LastAccessedDate: new Date('2026-12-04T00:00:00Z') },
          { VersionId: V2, VersionStages: ['AWSPREVIOUS'], CreatedDate: new Date('2026-05-01T00:00:00Z'), LastAccessedDate: new Date('2026-08-30T00:00:00Z') },
        ],
      });

    // Act
    const secret = await store().describe(NAME);

    // Assess
    expect(inputs(ListSecretVersionIdsCommand)).toEqual([
      { SecretId: NAME, IncludeDeprecated: true, MaxResults: 100, NextToken: undefined },
      { SecretId: NAME, IncludeDeprecated: true, MaxResults: 100, NextToken: 'v-2' },
    ]);
    expect(secret).toEqual({
      name: NAME, arn: ARN, description: 'Primary database', tags: { 'apollo:service': 'core-service', 'apollo:environment': 'prod' },
      createdAt: '2026-01-02T00:00:00.000Z', lastChangedAt: '2026-09-01T00:00:00.000Z', lastRotatedAt: null, lastAccessedAt: '2026-12-04T00:00:00.000Z',
      rotationEnabled: false, deletionDate: null,
      versions: [
        // DescribeSecret's stages win over the listing's (AWSPENDING here).
        { versionId: V3, stages: ['AWSCURRENT', 'AWSPENDING'], createdAt: '2026-09-01T00:00:00.000Z', lastAccessedAt: '2026-12-04T00:00:00.000Z' },
        { versionId: V2, stages: ['AWSPREVIOUS'], createdAt: '2026-05-01T00:00:00.000Z', lastAccessedAt: '2026-08-30T00:00:00.000Z' },
        { versionId: V1, stages: [], createdAt: '2026-01-02T00:00:00.000Z', lastAccessedAt: null },
      ],
    });
  });

  it('answers undefined for a secret that does not exist', async () => {
    sm.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    expect(await store().describe(NAME)).toBeUndefined();
    expect(sm.commandCalls(ListSecretVersionIdsCommand)).toHaveLength(0);
  });
});

describe('SecretsManagerStore writes', () => {
  it('creates a secret with its first value, tags, description and token', async () => {
    // Prepare
    sm.on(CreateSecretCommand).resolves({ ARN, Name: NAME, VersionId: TOKEN });

    // Act
    const created = await store().create({ name: NAME, value: 's3cr3t-value-1234', description: 'Primary database', tags: { 'apollo:category': 'database', 'apollo:owner': 'platform' }, clientRequestToken: TOKEN });

    // Assess
    expect(created).toEqual({ arn: ARN, versionId: TOKEN });
    expect(inputs(CreateSecretCommand)).toEqual([
      { Name: NAME, SecretString: 's3cr3t-value-1234', Description: 'Primary database', Tags: [{ Key: 'apollo:category', Value: 'database' }, { Key: 'apollo:owner', Value: 'platform' }], ClientRequestToken: TOKEN },
    ]);
  });

  it('is a ConflictError naming the secret when it exists', async () => {
    sm.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'The operation failed because the secret already exists.', $metadata: {} }));
    const creating = store().create({ name: NAME, value: 'x'.repeat(12), description: '', tags: {}, clientRequestToken: TOKEN });
    await expect(creating).rejects.toBeInstanceOf(ConflictError);
    await expect(creating).rejects.toThrow(`secret ${NAME} already exists`);
  });

  it('puts a value as AWSCURRENT by default, or staged as AWSPENDING', async () => {
    sm.on(PutSecretValueCommand).callsFake((input: { ClientRequestToken: string; VersionStages: string[] }) => ({ VersionId: input.ClientRequestToken, VersionStages: input.VersionStages }));
    const secrets = store();

    const current = await secrets.putValue(NAME, 'value-number-one', { clientRequestToken: V2 });
    const pending = await secrets.putValue(NAME, 'value-number-two', { clientRequestToken: V3, stage: 'AWSPENDING' });

    expect([current, pending]).toEqual([{ versionId: V2 }, { versionId: V3 }]);
    expect(inputs(PutSecretValueCommand)).toEqual([
      { SecretId: NAME, SecretString: 'value-number-one', VersionStages: ['AWSCURRENT'], ClientRequestToken: V2 },
      { SecretId: NAME, SecretString: 'value-number-two', VersionStages: ['AWSPENDING'], ClientRequestToken: V3 },
    ]);
  });

  it('moves a stage from the version holding it now (RemoveFromVersionId), read with DescribeSecret', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves({ Name: NAME, VersionIdsToStages: { [V1]: ['AWSPREVIOUS'], [V2]: ['AWSCURRENT'], [V3]: ['AWSPENDING'] } });
    sm.on(UpdateSecretVersionStageCommand).resolves({ Name: NAME });
    const secrets = store();

    // Act
    await secrets.moveStage(NAME, 'AWSCURRENT', V3); // promote the pending version
    await secrets.moveStage(NAME, 'AWSCURRENT', V2); // already there: nothing to do
    await secrets.moveStage(NAME, 'MYLABEL', V1); // held by none: nothing to remove

    // Assess
    expect(inputs(UpdateSecretVersionStageCommand)).toEqual([
      { SecretId: NAME, VersionStage: 'AWSCURRENT', MoveToVersionId: V3, RemoveFromVersionId: V2 },
      { SecretId: NAME, VersionStage: 'MYLABEL', MoveToVersionId: V1 },
    ]);
  });

  it('takes a stage off the version holding it (RemoveFromVersionId only), and does nothing when none holds it', async () => {
    sm.on(DescribeSecretCommand).resolvesOnce({ Name: NAME, VersionIdsToStages: { [V2]: ['AWSPREVIOUS'], [V3]: ['AWSCURRENT', 'AWSPENDING'] } }).resolves({ Name: NAME, VersionIdsToStages: { [V3]: ['AWSCURRENT'] } });
    sm.on(UpdateSecretVersionStageCommand).resolves({ Name: NAME });
    const secrets = store();

    await secrets.removeStage(NAME, 'AWSPENDING');
    await secrets.removeStage(NAME, 'AWSPENDING');

    expect(inputs(UpdateSecretVersionStageCommand)).toEqual([{ SecretId: NAME, VersionStage: 'AWSPENDING', RemoveFromVersionId: V3 }]);
  });

  it('sets tags with TagResource and removes the null ones with UntagResource', async () => {
    sm.on(TagResourceCommand).resolves({});
    sm.on(UntagResourceCommand).resolves({});
    await store().setTags(NAME, { 'apollo:owner': 'payments', 'apollo:rotation-days': null, 'apollo:category': 'database' });
    expect(inputs(TagResourceCommand)).toEqual([{ SecretId: NAME, Tags: [{ Key: 'apollo:owner', Value: 'payments' }, { Key: 'apollo:category', Value: 'database' }] }]);
    expect(inputs(UntagResourceCommand)).toEqual([{ SecretId: NAME, TagKeys: ['apollo:rotation-days'] }]);
  });

  it('changes the description with UpdateSecret and nothing else (no value, no new version)', async () => {
    sm.on(UpdateSecretCommand).resolves({ Name: NAME });
    await store().setDescription(NAME, 'Primary database (RDS)');
    expect(inputs(UpdateSecretCommand)).toEqual([{ SecretId: NAME, Description: 'Primary database (RDS)' }]);
  });

  it('rotates now with the configured rotation Lambda', async () => {
    sm.on(RotateSecretCommand).resolves({ Name: NAME, VersionId: TOKEN });
    expect(await store().rotate(NAME, TOKEN)).toEqual({ versionId: TOKEN });
    expect(inputs(RotateSecretCommand)).toEqual([{ SecretId: NAME, RotateImmediately: true, ClientRequestToken: TOKEN }]);
  });

  it('is a ConflictError with AWS\'s words when rotation is not configured', async () => {
    sm.on(RotateSecretCommand).rejects(new InvalidRequestException({ message: 'No Lambda rotation function ARN is associated with this secret.', $metadata: {} }));
    const rotating = store().rotate(NAME, TOKEN);
    await expect(rotating).rejects.toBeInstanceOf(ConflictError);
    await expect(rotating).rejects.toThrow(`secret ${NAME}: No Lambda rotation function ARN is associated with this secret.`);
  });

  it('schedules a deletion with a recovery window and answers its date; restores it', async () => {
    sm.on(DeleteSecretCommand).resolves({ Name: NAME, DeletionDate: new Date('2026-12-12T11:00:00Z') });
    sm.on(RestoreSecretCommand).resolves({ Name: NAME });
    const secrets = store();

    expect(await secrets.scheduleDeletion(NAME, 7)).toEqual({ deletionDate: '2026-12-12T11:00:00.000Z' });
    await secrets.restore(NAME);

    expect(inputs(DeleteSecretCommand)).toEqual([{ SecretId: NAME, RecoveryWindowInDays: 7 }]);
    expect(inputs(RestoreSecretCommand)).toEqual([{ SecretId: NAME }]);
  });
});

describe('SecretsManagerStore.lastFour', () => {
  it('reads AWSCURRENT by default, or a version by id, and answers only the last 4 characters', async () => {
    sm.on(GetSecretValueCommand, { SecretId: NAME, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: 'correct-horse-battery-9f3a' });
    sm.on(GetSecretValueCommand, { SecretId: NAME, VersionId: V1 }).resolves({ SecretBinary: new TextEncoder().encode('older-binary-value-77c1') });
    const secrets = store();

    expect(await secrets.lastFour(NAME)).toBe('9f3a');
    expect(await secrets.lastFour(NAME, V1)).toBe('77c1');
    expect(inputs(GetSecretValueCommand)).toEqual([
      { SecretId: NAME, VersionStage: 'AWSCURRENT' },
      { SecretId: NAME, VersionId: V1 },
    ]);
  });

  it('answers a JSON field\'s last 4 by its key', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'core_service_app', password: 'xKq81-long-password-Zp2w' }) });
    expect(await store().lastFour(NAME, undefined, 'password')).toBe('Zp2w');
  });

  it('answers nothing for a value too short to show a part of', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'pin1234' });
    expect(await store().lastFour(NAME)).toBe('');
  });

  it('is a NotFoundError naming the secret and version when the version does not exist', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value for VersionId: x", $metadata: {} }));
    await expect(store().lastFour(NAME, V1)).rejects.toThrow(`secret ${NAME} has no version ${V1} (or there is no such secret)`);
  });
});

describe('SecretsManagerStore error mapping', () => {
  const cases: ReadonlyArray<[string, Error, abstract new (...args: never[]) => ApolloError, number, string]> = [
    ['ResourceNotFoundException', new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }), NotFoundError, 404, `secret ${NAME} not found`],
    ['InvalidRequestException (scheduled for deletion)', new InvalidRequestException({ message: "You can't perform this operation on the secret because it was marked for deletion.", $metadata: {} }), ConflictError, 409, `secret ${NAME}: You can't perform this operation on the secret because it was marked for deletion.`],
    ['InvalidParameterException', new InvalidParameterException({ message: 'The parameter Description is too long.', $metadata: {} }), ValidationError, 400, `secret ${NAME}: The parameter Description is too long.`],
    ['LimitExceededException', new LimitExceededException({ message: 'Request limit exceeded.', $metadata: {} }), ServiceUnavailableError, 503, 'Secrets Manager is busy (LimitExceededException) in prod: retry in a moment'],
    ['ThrottlingException', awsError('ThrottlingException', 'Rate exceeded'), ServiceUnavailableError, 503, 'Secrets Manager is busy (ThrottlingException) in prod: retry in a moment'],
    ['AccessDeniedException', awsError('AccessDeniedException', 'User is not authorized to perform: secretsmanager:UpdateSecret'), ForbiddenError, 403, `the role ${ROLE} for prod may not update ${NAME} in Secrets Manager`],
  ];

  it.each(cases)('maps %s', async (_name, error, type, status, message) => {
    // Prepare
    sm.on(UpdateSecretCommand).rejects(error);

    // Act
    const failure = await store().setDescription(NAME, 'x').then(() => undefined, (e: unknown) => e as ApolloError);

    // Assess
    expect(failure).toBeInstanceOf(type);
    expect([STATUS_BY_ERROR.get(failure!.code), failure!.message, failure!.cause]).toEqual([status, message, error]);
  });

  it('says retry after a few seconds when throttled', async () => {
    sm.on(UpdateSecretCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const failure = await store().setDescription(NAME, 'x').then(() => undefined, (e: unknown) => e as ApolloError);
    expect(failure?.retryAfterSeconds).toBe(2);
  });

  it('passes other errors through unchanged (a 500)', async () => {
    const error = awsError('InternalServiceError', 'An error occurred on the server side.');
    sm.on(UpdateSecretCommand).rejects(error);
    await expect(store().setDescription(NAME, 'x')).rejects.toBe(error);
  });
});
