/**
 * Integration secrets in AWS: `{{secrets.<name>}}` is the Secrets Manager secret
 * `${APOLLO_INTEGRATION_SECRETS_PREFIX}<name>` (e.g. `apollo/prod/integrations/dns_api_token`), its
 * SecretString used as it is. Each value is cached for five minutes per Lambda container, so a rotated
 * secret is picked up without a redeploy; a secret that does not exist is undefined (the action then
 * fails naming it) and is asked again next time. Values are never logged.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { IntegrationSecrets } from '../actions/ports.ts';

export const INTEGRATION_SECRETS_PREFIX_ENV = 'APOLLO_INTEGRATION_SECRETS_PREFIX';

const CACHE_MS = 5 * 60_000;
/** What a template may name: no slash, so `{{secrets.x}}` cannot leave the prefix. */
const NAME = /^[A-Za-z0-9_+=.@-]{1,200}$/;

export interface SecretsManagerIntegrationSecretsOptions {
  readonly client?: SecretsManagerClient;
  readonly cacheMs?: number;
  readonly now?: () => number;
}

export class SecretsManagerIntegrationSecrets implements IntegrationSecrets {
  readonly kind = 'Secrets Manager';
  private readonly client: SecretsManagerClient;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { value: string; at: number }>();

  constructor(readonly prefix: string, options: SecretsManagerIntegrationSecretsOptions = {}) {
    if (!prefix) throw new Error(`${INTEGRATION_SECRETS_PREFIX_ENV} is empty: set it to the integration secrets' name prefix, e.g. apollo/prod/integrations/`);
    this.client = options.client ?? new SecretsManagerClient({});
    this.cacheMs = options.cacheMs ?? CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** From APOLLO_INTEGRATION_SECRETS_PREFIX (fails fast when it is missing). */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env, client?: SecretsManagerClient): SecretsManagerIntegrationSecrets {
    const prefix = env[INTEGRATION_SECRETS_PREFIX_ENV];
    if (!prefix) throw new Error(`missing environment variable ${INTEGRATION_SECRETS_PREFIX_ENV}`);
    return new SecretsManagerIntegrationSecrets(prefix, client ? { client } : {});
  }

  async get(name: string): Promise<string | undefined> {
    if (!NAME.test(name)) return undefined;
    const cached = this.cache.get(name);
    if (cached && this.now() - cached.at < this.cacheMs) return cached.value;
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: `${this.prefix}${name}` }));
      value = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    } catch (error) {
      if (error instanceof ResourceNotFoundException || (error as { name?: string }).name === 'ResourceNotFoundException') {
        this.cache.delete(name);
        return undefined;
      }
      throw new Error(`reading the secret ${this.prefix}${name} failed (${(error as { name?: string }).name ?? 'error'})`, { cause: error });
    }
    if (value === undefined) return undefined;
    this.cache.set(name, { value, at: this.now() });
    return value;
  }
}
