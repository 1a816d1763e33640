/**
 * What the secrets context needs from outside: one secret store per environment, in Secrets Manager's own terms
 * (names, tags, versions with staging labels, rotation, scheduled deletion), so the AWS adapter passes calls
 * through and the local adapter keeps the same model in an encrypted file. A store is opened for a caller: in AWS
 * through an assumed role whose SourceIdentity is that caller, so CloudTrail names the person.
 *
 * Values cross this port only to be written, and read back only to be masked (`lastFour`): nothing above it keeps,
 * logs or returns one.
 */

/** Secrets Manager's limit on a value: 65,536 bytes (UTF-8), not characters. */
export const MAX_VALUE_BYTES = 65_536;

/** Secrets Manager's staging labels that matter here. */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

export interface StoredVersion {
  readonly versionId: string;
  /** Its staging labels (empty: deprecated, kept until Secrets Manager drops it). */
  readonly stages: readonly string[];
  readonly createdAt: string | null;
  readonly lastAccessedAt: string | null;
}

/** A secret as DescribeSecret answers it (never its value). */
export interface StoredSecret {
  /** apollo/<env>/<service>/<name> */
  readonly name: string;
  readonly arn: string;
  readonly description: string;
  /** Its tags (apollo:service, apollo:environment, apollo:category, apollo:owner, apollo:rotation-days, apollo:expires-at). */
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly lastChangedAt: string;
  readonly lastRotatedAt: string | null;
  /** Secrets Manager keeps it to the day. */
  readonly lastAccessedAt: string | null;
  /** A rotation Lambda is configured (RotationEnabled). */
  readonly rotationEnabled: boolean;
  /** Set while its deletion is scheduled: when it will be deleted. */
  readonly deletionDate: string | null;
  /** Its versions by id, with their stages (DescribeSecret's VersionIdsToStages). */
  readonly versions: readonly StoredVersion[];
}

/** Who acts: CloudTrail's SourceIdentity (the principal), or the expiry job. */
export interface StoreCaller {
  readonly principal: string;
}

export interface SecretStore {
  /** Whether this is the LOCAL encrypted file store (said in the UI), not Secrets Manager. */
  readonly simulated: boolean;
  /** Every secret under the prefix (ListSecrets with a name filter, all pages), deleted-but-recoverable ones too. */
  list(prefix: string): Promise<StoredSecret[]>;
  /** DescribeSecret; undefined when there is none (ResourceNotFoundException). */
  describe(name: string): Promise<StoredSecret | undefined>;
  /** CreateSecret with its first value (AWSCURRENT) and tags; ConflictError when it exists (ResourceExistsException). */
  create(input: { name: string; value: string; description: string; tags: Readonly<Record<string, string>>; clientRequestToken: string }): Promise<{ arn: string; versionId: string }>;
  /**
   * PutSecretValue: a new version. `stage` AWSCURRENT (default: the old current becomes AWSPREVIOUS) or AWSPENDING
   * (staged, promoted later with `moveStage`). The token makes a retry the same version (idempotent).
   */
  putValue(name: string, value: string, options: { clientRequestToken: string; stage?: typeof AWSCURRENT | typeof AWSPENDING }): Promise<{ versionId: string }>;
  /**
   * The last 4 characters of a version's value (AWSCURRENT by default): all that is ever shown. `key`: of that
   * field of a JSON value (a database secret's `password`), as the catalog's reference names it.
   */
  lastFour(name: string, versionId?: string, key?: string): Promise<string>;
  /** UpdateSecretVersionStage: moves `stage` to `toVersionId` from wherever it is (AWSCURRENT: the old becomes AWSPREVIOUS). */
  moveStage(name: string, stage: string, toVersionId: string): Promise<void>;
  /** UpdateSecretVersionStage with RemoveFromVersionId only: takes `stage` off whichever version holds it (AWSPENDING once promoted). */
  removeStage(name: string, stage: string): Promise<void>;
  /** TagResource / UntagResource (null: remove the tag). */
  setTags(name: string, tags: Readonly<Record<string, string | null>>): Promise<void>;
  /** UpdateSecret's description only (no value). */
  setDescription(name: string, description: string): Promise<void>;
  /** RotateSecret with the configured rotation Lambda (rotationEnabled only). */
  rotate(name: string, clientRequestToken: string): Promise<{ versionId: string }>;
  /** DeleteSecret with a recovery window (7-30 days): answers when it will be deleted. */
  scheduleDeletion(name: string, recoveryDays: number): Promise<{ deletionDate: string }>;
  /** RestoreSecret: cancels a scheduled deletion. */
  restore(name: string): Promise<void>;
}

/** Opens an environment's store as a caller; NotFoundError/ServiceUnavailableError when the environment has none configured. */
export type SecretStoreFactory = (environment: string, caller: StoreCaller) => Promise<SecretStore>;

/** ResourceNotFoundException and the like, mapped by adapters to the shared errors (404, 409, 400). */
export const SECRET_TAGS = {
  service: 'apollo:service',
  environment: 'apollo:environment',
  category: 'apollo:category',
  owner: 'apollo:owner',
  rotationDays: 'apollo:rotation-days',
  expiresAt: 'apollo:expires-at',
  /** When Apollo last rotated it itself (Secrets Manager's LastRotatedDate is its rotation Lambda's only). */
  lastRotatedAt: 'apollo:last-rotated-at',
} as const;

export const secretName = (environment: string, service: string, name: string): string => `apollo/${environment}/${service}/${name}`;
