/**
 * An environment's secrets in AWS Secrets Manager, through a client whose credentials are the environment's role
 * assumed as the caller (store-factory.ts). Calls pass through in Secrets Manager's own terms; its errors are
 * mapped by name to the shared errors (404, 409, 400, 403, 503) here, in one place. A value is sent on writes
 * and read back only by `lastFour`, which keeps its last 4 characters and drops the rest.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  RotateSecretCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  type DescribeSecretResponse,
  type SecretListEntry,
  type SecretsManagerClient,
  type SecretVersionsListEntry,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError, ValidationError } from '#shared/errors';
import { AWSCURRENT, type SecretStore, type StoredSecret, type StoredVersion } from '../ports.ts';
import { lastFourOf } from './last-four.ts';

/** ListSecrets answers at most 100 a page: 50 pages is 5,000 secrets under one prefix, far past any environment. */
export const MAX_LIST_PAGES = 50;
/** A secret keeps at most ~100 versions: 10 pages of 100. */
const MAX_VERSION_PAGES = 10;
/** Seconds to wait after Secrets Manager throttles or a quota is hit. */
const RETRY_AFTER_SECONDS = 2;

export interface SecretsManagerStoreOptions {
  /** The environment, named in errors. */
  readonly environment: string;
  /** The role the client acts as (named when access is denied); undefined: Apollo's own role. */
  readonly roleArn?: string;
}

interface Target {
  readonly secret: string;
  readonly versionId?: string;
  /** What was being done, for an AccessDenied message ("read", "tag", …). */
  readonly action: string;
}

const iso = (date: Date | undefined): string | null => (date ? date.toISOString() : null);

function tagsOf(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

/** Newest first; versions whose creation date is unknown (ListSecrets gives none) keep their order, last. */
function newestFirst(versions: StoredVersion[]): StoredVersion[] {
  return versions.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
}

function secretOf(entry: SecretListEntry | DescribeSecretResponse, versions: StoredVersion[]): StoredSecret {
  const created = entry.CreatedDate ?? entry.LastChangedDate ?? new Date(0);
  return {
    name: entry.Name ?? '',
    arn: entry.ARN ?? '',
    description: entry.Description ?? '',
    tags: tagsOf(entry.Tags),
    createdAt: created.toISOString(),
    lastChangedAt: (entry.LastChangedDate ?? created).toISOString(),
    lastRotatedAt: iso(entry.LastRotatedDate),
    lastAccessedAt: iso(entry.LastAccessedDate),
    rotationEnabled: entry.RotationEnabled === true,
    deletionDate: iso(entry.DeletedDate),
    versions: newestFirst(versions),
  };
}

/** Stages only (ListSecrets and DescribeSecret give no dates per version). */
const versionsOfStages = (stages: Record<string, string[]> | undefined): StoredVersion[] =>
  Object.entries(stages ?? {}).map(([versionId, labels]) => ({ versionId, stages: [...labels], createdAt: null, lastAccessedAt: null }));

export class SecretsManagerStore implements SecretStore {
  readonly simulated = false;

  constructor(private readonly client: SecretsManagerClient, private readonly options: SecretsManagerStoreOptions) {}

  async list(prefix: string): Promise<StoredSecret[]> {
    const secrets: StoredSecret[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const out = await this.call({ secret: `${prefix}*`, action: 'list' }, () =>
        this.client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], IncludePlannedDeletion: true, MaxResults: 100, NextToken: token })),
      );
      // The name filter matches a prefix without regard to case: keep only the exact prefix.
      for (const entry of out.SecretList ?? []) if (entry.Name?.startsWith(prefix)) secrets.push(secretOf(entry, versionsOfStages(entry.SecretVersionsToStages)));
      token = out.NextToken;
      if (!token) return secrets;
    }
    throw new ServiceUnavailableError(`more than ${MAX_LIST_PAGES} pages of secrets under ${prefix} in ${this.options.environment}: narrow the prefix`);
  }

  /** DescribeSecret for the secret, ListSecretVersionIds (deprecated included) for each version's dates. */
  async describe(name: string): Promise<StoredSecret | undefined> {
    const target = { secret: name, action: 'describe' };
    let described: DescribeSecretResponse;
    try {
      described = await this.call(target, () => this.client.send(new DescribeSecretCommand({ SecretId: name })));
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    const listed: SecretVersionsListEntry[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_VERSION_PAGES; page++) {
      const out = await this.call(target, () => this.client.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true, MaxResults: 100, NextToken: token })));
      listed.push(...(out.Versions ?? []));
      token = out.NextToken;
      if (!token) break;
    }
    // DescribeSecret's stages are the truth (ListSecretVersionIds may lag); the listing adds dates and deprecated versions.
    const stages = described.VersionIdsToStages ?? {};
    const versions = new Map(versionsOfStages(stages).map((v) => [v.versionId, v]));
    for (const entry of listed) {
      if (!entry.VersionId) continue;
      versions.set(entry.VersionId, {
        versionId: entry.VersionId,
        stages: [...(stages[entry.VersionId] ?? [])],
        createdAt: iso(entry.CreatedDate),
        lastAccessedAt: iso(entry.LastAccessedDate),
      });
    }
    return secretOf(described, [...versions.values()]);
  }

  async create(input: { name: string; value: string; description: string; tags: Readonly<Record<string, string>>; clientRequestToken: string }): Promise<{ arn: string; versionId: string }> {
    const out = await this.call({ secret: input.name, action: 'create' }, () =>
      this.client.send(
        new CreateSecretCommand({
          Name: input.name,
          SecretString: input.value,
          Description: input.description,
          Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
          ClientRequestToken: input.clientRequestToken,
        }),
      ),
    );
    return { arn: out.ARN ?? '', versionId: out.VersionId ?? input.clientRequestToken };
  }

  async putValue(name: string, value: string, options: { clientRequestToken: string; stage?: 'AWSCURRENT' | 'AWSPENDING' }): Promise<{ versionId: string }> {
    const out = await this.call({ secret: name, action: 'write' }, () =>
      this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value, VersionStages: [options.stage ?? AWSCURRENT], ClientRequestToken: options.clientRequestToken })),
    );
    return { versionId: out.VersionId ?? options.clientRequestToken };
  }

  /** `key` (beyond the port, for JSON values): that field's last 4 (last-four.ts). */
  async lastFour(name: string, versionId?: string, key?: string): Promise<string> {
    const out = await this.call({ secret: name, action: 'read', ...(versionId ? { versionId } : {}) }, () =>
      this.client.send(new GetSecretValueCommand(versionId ? { SecretId: name, VersionId: versionId } : { SecretId: name, VersionStage: AWSCURRENT })),
    );
    // The whole value exists only in this expression: nothing keeps, logs or returns more than its tail.
    return lastFourOf(out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : ''), key);
  }

  /** UpdateSecretVersionStage needs the version holding the stage now (RemoveFromVersionId): read it first. */
  async moveStage(name: string, stage: string, toVersionId: string): Promise<void> {
    const target = { secret: name, versionId: toVersionId, action: 'move a stage of' };
    const described = await this.call(target, () => this.client.send(new DescribeSecretCommand({ SecretId: name })));
    const holder = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes(stage))?.[0];
    if (holder === toVersionId) return;
    await this.call(target, () =>
      this.client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: stage, MoveToVersionId: toVersionId, ...(holder ? { RemoveFromVersionId: holder } : {}) })),
    );
  }

  async removeStage(name: string, stage: string): Promise<void> {
    const target = { secret: name, action: 'take a stage off' };
    const described = await this.call(target, () => this.client.send(new DescribeSecretCommand({ SecretId: name })));
    const holder = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes(stage))?.[0];
    if (!holder) return;
    await this.call(target, () => this.client.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: stage, RemoveFromVersionId: holder })));
  }

  async setTags(name: string, tags: Readonly<Record<string, string | null>>): Promise<void> {
    const target = { secret: name, action: 'tag' };
    const set = Object.entries(tags).flatMap(([Key, Value]) => (Value === null ? [] : [{ Key, Value }]));
    const removed = Object.entries(tags).flatMap(([key, value]) => (value === null ? [key] : []));
    if (set.length > 0) await this.call(target, () => this.client.send(new TagResourceCommand({ SecretId: name, Tags: set })));
    if (removed.length > 0) await this.call(target, () => this.client.send(new UntagResourceCommand({ SecretId: name, TagKeys: removed })));
  }

  async setDescription(name: string, description: string): Promise<void> {
    await this.call({ secret: name, action: 'update' }, () => this.client.send(new UpdateSecretCommand({ SecretId: name, Description: description })));
  }

  async rotate(name: string, clientRequestToken: string): Promise<{ versionId: string }> {
    const out = await this.call({ secret: name, action: 'rotate' }, () =>
      this.client.send(new RotateSecretCommand({ SecretId: name, RotateImmediately: true, ClientRequestToken: clientRequestToken })),
    );
    return { versionId: out.VersionId ?? clientRequestToken };
  }

  async scheduleDeletion(name: string, recoveryDays: number): Promise<{ deletionDate: string }> {
    const out = await this.call({ secret: name, action: 'delete' }, () => this.client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: recoveryDays })));
    if (!out.DeletionDate) throw new Error(`DeleteSecret for ${name} answered no DeletionDate`);
    return { deletionDate: out.DeletionDate.toISOString() };
  }

  async restore(name: string): Promise<void> {
    await this.call({ secret: name, action: 'restore' }, () => this.client.send(new RestoreSecretCommand({ SecretId: name })));
  }

  private async call<T>(target: Target, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw mapSecretsManagerError(error, target, this.options);
    }
  }
}

/** Secrets Manager's errors by name → the shared errors; anything else is returned as it is (a 500). */
export function mapSecretsManagerError(error: unknown, target: Target, options: SecretsManagerStoreOptions): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  const awsMessage = error instanceof Error ? error.message : String(error);
  const { secret } = target;
  switch (name) {
    case 'ResourceNotFoundException':
      return new NotFoundError(target.versionId ? `secret ${secret} has no version ${target.versionId} (or there is no such secret)` : `secret ${secret} not found`, { cause: error });
    case 'ResourceExistsException':
      return new ConflictError(target.action === 'create' ? `secret ${secret} already exists` : `secret ${secret}: ${awsMessage}`, { cause: error });
    case 'InvalidRequestException':
      // e.g. the secret is scheduled for deletion, or no rotation Lambda is configured.
      return new ConflictError(`secret ${secret}: ${awsMessage}`, { cause: error });
    case 'InvalidParameterException':
      return new ValidationError(`secret ${secret}: ${awsMessage}`, { cause: error });
    case 'LimitExceededException':
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return new ServiceUnavailableError(`Secrets Manager is busy (${name}) in ${options.environment}: retry in a moment`, { cause: error, retryAfterSeconds: RETRY_AFTER_SECONDS });
    case 'AccessDeniedException':
      return new ForbiddenError(`${options.roleArn ? `the role ${options.roleArn}` : "Apollo's role"} for ${options.environment} may not ${target.action} ${secret} in Secrets Manager`, { cause: error });
    default:
      return error;
  }
}
