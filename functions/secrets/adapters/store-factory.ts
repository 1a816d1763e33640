/**
 * Opens an environment's Secrets Manager store as the caller: STS AssumeRole into the environment's role with
 * SourceIdentity = the principal, so CloudTrail names the person behind every call (the role's trust policy must
 * allow Apollo's role sts:AssumeRole and sts:SetSourceIdentity). Sessions last 15 minutes and are reused per
 * (environment, principal) until shortly before they expire.
 *
 * Config (read once, validated at cold start by `readSecretStoreConfig`):
 * - APOLLO_SECRETS_ENVIRONMENTS: JSON `{ "<env>": { "region": "eu-west-1", "roleArn": "arn:aws:iam::<acct>:role/…" } }`;
 * - APOLLO_SECRETS_ROLE_ARN: the role for environments not listed, in this account and region (AWS_REGION).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ForbiddenError, NotFoundError, ServiceUnavailableError } from '#shared/errors';
import type { SecretStore, SecretStoreFactory, StoreCaller } from '../ports.ts';
import { SecretsManagerStore } from './secrets-manager-store.ts';

export const ENVIRONMENTS_ENV = 'APOLLO_SECRETS_ENVIRONMENTS';
export const DEFAULT_ROLE_ENV = 'APOLLO_SECRETS_ROLE_ARN';

/** The shortest session STS grants: enough for one request, and a leaked one is soon useless. */
export const SESSION_SECONDS = 900;
/** A cached session is dropped this long before it expires, so no call starts on credentials about to lapse. */
export const RENEW_BEFORE_MS = 2 * 60_000;
/** Sessions kept per Lambda container (one per person and environment seen lately). */
const MAX_CACHED = 500;

const ENVIRONMENT = /^[a-z][a-z0-9-]{0,31}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export interface EnvironmentStoreConfig {
  readonly region: string;
  readonly roleArn: string;
}

export interface SecretStoreConfig {
  /** Environments with their own account or region. */
  readonly environments: Readonly<Record<string, EnvironmentStoreConfig>>;
  /** The role for any other environment, in `region`. */
  readonly defaultRoleArn: string | undefined;
  /** This Lambda's region (AWS_REGION): the default role's and STS's. */
  readonly region: string | undefined;
}

/** Reads and validates the config; throws naming the variable and what is wrong (at cold start). */
export function readSecretStoreConfig(env: NodeJS.ProcessEnv = process.env): SecretStoreConfig {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  const defaultRoleArn = env[DEFAULT_ROLE_ENV] || undefined;
  if (defaultRoleArn && !ROLE_ARN.test(defaultRoleArn)) throw new Error(`${DEFAULT_ROLE_ENV} must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), not "${defaultRoleArn}"`);
  if (defaultRoleArn && !region) throw new Error(`${DEFAULT_ROLE_ENV} is set but AWS_REGION is not: the default role's secrets are in this region`);
  const environments: Record<string, EnvironmentStoreConfig> = {};
  const raw = env[ENVIRONMENTS_ENV];
  if (raw) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${ENVIRONMENTS_ENV} is not JSON: expected { "<env>": { "region": "...", "roleArn": "arn:aws:iam::<account>:role/..." } }`, { cause: error });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${ENVIRONMENTS_ENV} must be a JSON object of environment names to { region, roleArn }`);
    for (const [name, value] of Object.entries(parsed)) {
      const where = `${ENVIRONMENTS_ENV}.${name}`;
      if (!ENVIRONMENT.test(name)) throw new Error(`${ENVIRONMENTS_ENV}: "${name}" is not an environment name (lowercase letters, digits and dashes, at most 32)`);
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where} must be { "region": "...", "roleArn": "..." }`);
      const { region: envRegion, roleArn, ...rest } = value as Record<string, unknown>;
      const unknown = Object.keys(rest);
      if (unknown.length > 0) throw new Error(`${where} has unknown field(s) ${unknown.join(', ')}: only region and roleArn`);
      if (typeof envRegion !== 'string' || !REGION.test(envRegion)) throw new Error(`${where}.region must be an AWS region such as eu-west-1, not ${JSON.stringify(envRegion)}`);
      if (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn)) throw new Error(`${where}.roleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), not ${JSON.stringify(roleArn)}`);
      environments[name] = { region: envRegion, roleArn };
    }
  }
  return { environments, defaultRoleArn, region };
}

/** CloudTrail's SourceIdentity and RoleSessionName allow [\w+=,.@-], 2 to 64 characters. */
export function sanitiseIdentity(principal: string, max = 64): string {
  const clean = principal.replace(/[^\w+=,.@-]/g, '-').slice(0, max);
  return clean.length >= 2 ? clean : clean.padEnd(2, '-');
}

/** The environment's role and region, or an error saying what to configure. */
export function roleFor(config: SecretStoreConfig, environment: string): EnvironmentStoreConfig {
  const listed = Object.prototype.hasOwnProperty.call(config.environments, environment) ? config.environments[environment] : undefined;
  if (listed) return listed;
  if (config.defaultRoleArn && config.region) return { region: config.region, roleArn: config.defaultRoleArn };
  if (Object.keys(config.environments).length === 0) {
    throw new ServiceUnavailableError(`secrets are not configured: set ${DEFAULT_ROLE_ENV} (a role in this account) or ${ENVIRONMENTS_ENV} (a role and region per environment)`);
  }
  throw new NotFoundError(`no secret store is configured for environment ${environment}: add it to ${ENVIRONMENTS_ENV} or set ${DEFAULT_ROLE_ENV}`);
}

export interface SecretStoreFactoryOptions {
  /** STS client (tests); default: one in this Lambda's region, made on first use. */
  readonly sts?: STSClient;
  /** Secrets Manager client for a region and session (tests). */
  readonly clientFor?: (region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }) => SecretsManagerClient;
  readonly now?: () => number;
}

/** A factory over the config: one assumed session per (environment, principal), reused while it is fresh. */
export function awsSecretStoreFactory(config: SecretStoreConfig, options: SecretStoreFactoryOptions = {}): SecretStoreFactory {
  const now = options.now ?? Date.now;
  const clientFor = options.clientFor ?? ((region, credentials) => new SecretsManagerClient({ region, credentials }));
  let sts = options.sts;
  const cache = new Map<string, { store: Promise<SecretStore>; expiresAt: number }>();

  async function open(environment: string, caller: StoreCaller, role: EnvironmentStoreConfig): Promise<{ store: SecretStore; expiresAt: number }> {
    sts ??= new STSClient(config.region ? { region: config.region } : {});
    const identity = sanitiseIdentity(caller.principal);
    let out;
    try {
      out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: sanitiseIdentity(`apollo-secrets-${caller.principal}`),
          SourceIdentity: identity,
          DurationSeconds: SESSION_SECONDS,
        }),
      );
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'AccessDenied' || name === 'AccessDeniedException') {
        throw new ForbiddenError(`Apollo may not assume ${role.roleArn} for ${environment}: its trust policy must allow Apollo's role sts:AssumeRole and sts:SetSourceIdentity`, { cause: error });
      }
      if (name === 'Throttling' || name === 'ThrottlingException') throw new ServiceUnavailableError(`STS is throttling role sessions for ${environment}: retry in a moment`, { cause: error, retryAfterSeconds: 2 });
      throw error;
    }
    const credentials = out.Credentials;
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken || !credentials.Expiration) {
      throw new ServiceUnavailableError(`STS answered no credentials for ${role.roleArn} (${environment})`);
    }
    const client = clientFor(role.region, {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    });
    return { store: new SecretsManagerStore(client, { environment, roleArn: role.roleArn }), expiresAt: credentials.Expiration.getTime() };
  }

  return async (environment, caller) => {
    const role = roleFor(config, environment);
    const key = `${environment}\u0000${caller.principal}`;
    const cached = cache.get(key);
    if (cached && cached.expiresAt - RENEW_BEFORE_MS > now()) return cached.store;
    // Until STS answers, the entry is the pending session (concurrent requests share it) and counts as fresh.
    const pending = open(environment, caller, role);
    const entry = { store: pending.then((opened) => opened.store), expiresAt: Number.POSITIVE_INFINITY };
    pending.then(
      (opened) => {
        entry.expiresAt = opened.expiresAt;
      },
      () => {
        if (cache.get(key) === entry) cache.delete(key);
      },
    );
    cache.delete(key);
    cache.set(key, entry);
    evict(cache, now());
    return entry.store;
  };
}

/** Drops expired sessions, then the oldest, past MAX_CACHED (a Map iterates in insertion order). */
function evict(cache: Map<string, { expiresAt: number }>, at: number): void {
  if (cache.size <= MAX_CACHED) return;
  for (const [key, entry] of cache) if (entry.expiresAt - RENEW_BEFORE_MS <= at) cache.delete(key);
  for (const key of cache.keys()) {
    if (cache.size <= MAX_CACHED) break;
    cache.delete(key);
  }
}

let fromEnv: SecretStoreConfig | undefined;
/** The config from this Lambda's environment variables, read once (throws when they are malformed). */
function envConfig(env: NodeJS.ProcessEnv | undefined): SecretStoreConfig {
  if (env) return readSecretStoreConfig(env);
  fromEnv ??= readSecretStoreConfig(process.env);
  return fromEnv;
}

/** The factory from this Lambda's environment variables (throws at cold start when they are malformed). */
export function storeFactoryFromEnv(env?: NodeJS.ProcessEnv, options: SecretStoreFactoryOptions = {}): SecretStoreFactory {
  return awsSecretStoreFactory(envConfig(env), options);
}

/**
 * The environments the expiry job walks when the config names them all: APOLLO_SECRETS_ENVIRONMENTS' keys when
 * there is no default role; undefined (walk the catalog's) when APOLLO_SECRETS_ROLE_ARN serves any other one.
 */
export function configuredEnvironments(env?: NodeJS.ProcessEnv): readonly string[] | undefined {
  const config = envConfig(env);
  const listed = Object.keys(config.environments);
  return config.defaultRoleArn || listed.length === 0 ? undefined : listed;
}
