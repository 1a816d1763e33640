/**
 * GitHub credentials: from Secrets Manager in AWS (the secret named by APOLLO_GITHUB_SECRET holds
 * JSON: `{ "token" }` or `{ "appId", "privateKey", "installationId" }`, plus `"webhookSecret"` for the
 * push webhook), from the environment or `$APOLLO_HOME/github.json` locally. Cached for five minutes,
 * so a rotated secret is picked up without a redeploy. Values are never logged. One secret serves
 * every GitHub integration (service discovery, the catalog refresh, the webhook's signature).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { config } from '../config.ts';
import { GitHubNotConfiguredError } from './errors.ts';

const CACHE_MS = 5 * 60_000;

/** GitHub credentials, as stored in the secret named by APOLLO_GITHUB_SECRET. */
export type GitHubCredentials =
  | { readonly token: string; readonly webhookSecret?: string }
  | { readonly appId: string | number; readonly privateKey: string; readonly installationId: string | number; readonly webhookSecret?: string };

export interface GitHubCredentialSource {
  /** The credentials (cached by the adapter; `refresh` re-reads them, e.g. after a 401). */
  credentials(options?: { refresh?: boolean }): Promise<GitHubCredentials>;
}

/** Checks the secret's shape; a message names what is wrong, never a value. */
export function parseCredentials(raw: unknown, where: string): GitHubCredentials {
  const value = raw as Record<string, unknown> | null;
  if (!value || typeof value !== 'object') throw new GitHubNotConfiguredError(`${where} is not a JSON object`);
  const webhookSecret = typeof value.webhookSecret === 'string' && value.webhookSecret ? { webhookSecret: value.webhookSecret } : {};
  if (typeof value.token === 'string' && value.token) return { token: value.token, ...webhookSecret };
  const { appId, privateKey, installationId } = value;
  const idLike = (v: unknown) => (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isInteger(v));
  if (idLike(appId) && typeof privateKey === 'string' && privateKey.includes('PRIVATE KEY') && idLike(installationId)) {
    return { appId: appId as string | number, privateKey, installationId: installationId as string | number, ...webhookSecret };
  }
  throw new GitHubNotConfiguredError(`${where} must hold {"token"} or {"appId", "privateKey" (PEM), "installationId"}`);
}

abstract class CachedCredentials implements GitHubCredentialSource {
  private cached: { value: GitHubCredentials; at: number } | undefined;
  protected abstract read(): Promise<GitHubCredentials>;
  async credentials(options: { refresh?: boolean } = {}): Promise<GitHubCredentials> {
    if (!options.refresh && this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.value;
    this.cached = { value: await this.read(), at: Date.now() };
    return this.cached.value;
  }
}

export class SecretsManagerGitHubCredentials extends CachedCredentials {
  constructor(private readonly secretId: string, private readonly client = new SecretsManagerClient({})) {
    super();
  }

  protected async read(): Promise<GitHubCredentials> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    let parsed: unknown;
    try {
      parsed = JSON.parse(out.SecretString ?? '');
    } catch (error) {
      throw new GitHubNotConfiguredError(`the secret ${this.secretId} is not JSON`, { cause: error });
    }
    return parseCredentials(parsed, `the secret ${this.secretId}`);
  }
}

/**
 * Locally: `APOLLO_GITHUB_TOKEN` (+ `APOLLO_GITHUB_WEBHOOK_SECRET`), else `$APOLLO_HOME/github.json`
 * with the same JSON as the AWS secret.
 */
export class LocalGitHubCredentials extends CachedCredentials {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    super();
  }

  protected read(): Promise<GitHubCredentials> {
    const { APOLLO_GITHUB_TOKEN: token, APOLLO_GITHUB_WEBHOOK_SECRET: webhookSecret, APOLLO_HOME: home } = this.env;
    if (token) return Promise.resolve(parseCredentials({ token, webhookSecret }, 'APOLLO_GITHUB_TOKEN'));
    const file = join(home ?? '.apollo', 'github.json');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      return Promise.reject(new GitHubNotConfiguredError(`no GitHub credentials: set APOLLO_GITHUB_TOKEN or write ${file}`, { cause: error }));
    }
    try {
      return Promise.resolve(parseCredentials(JSON.parse(text), file));
    } catch (error) {
      return Promise.reject(error instanceof GitHubNotConfiguredError ? error : new GitHubNotConfiguredError(`${file} is not JSON`, { cause: error }));
    }
  }
}

let shared: GitHubCredentialSource | undefined;
let override: GitHubCredentialSource | undefined;

/**
 * The process's GitHub credentials: Secrets Manager (APOLLO_GITHUB_SECRET) in AWS, the local settings
 * on a laptop. Throws GitHubNotConfiguredError in AWS without APOLLO_GITHUB_SECRET.
 */
export function githubCredentials(env: NodeJS.ProcessEnv = process.env): GitHubCredentialSource {
  if (override) return override;
  if (!shared) {
    if (config().runtime === 'local') shared = new LocalGitHubCredentials(env);
    else if (env.APOLLO_GITHUB_SECRET) shared = new SecretsManagerGitHubCredentials(env.APOLLO_GITHUB_SECRET);
    else throw new GitHubNotConfiguredError('GitHub is not configured: set APOLLO_GITHUB_SECRET to the secret holding the GitHub credentials');
  }
  return shared;
}

/** Swaps the credentials (tests, the local runtime); undefined goes back to the environment's. */
export function configureGitHubCredentials(next: GitHubCredentialSource | undefined): void {
  override = next;
  shared = undefined;
}
