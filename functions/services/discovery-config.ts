/**
 * Discovery's configuration, from the environment. Discovery is optional: without an organisation
 * the catalog still works and a sync answers 503 saying what to set, so it is read when first
 * needed rather than failing the services Lambda's cold start.
 */
import { config } from '#lib/config';
import { GitHubNotConfiguredError } from '#lib/github/errors';

export interface DiscoveryConfig {
  /** APOLLO_GITHUB_ORG: the organisation whose repositories are scanned. */
  readonly org: string;
  /** APOLLO_GITHUB_API_URL: default https://api.github.com (GitHub Enterprise: https://<host>/api/v3). */
  readonly apiUrl: string;
  /** APOLLO_GITHUB_SECRET: the Secrets Manager secret (name or ARN) with the credentials (AWS). */
  readonly secretId: string | undefined;
  /** APOLLO_JOBS_FUNCTION: the jobs Lambda a sync is handed to (AWS). */
  readonly jobsFunction: string | undefined;
  /** APOLLO_GITHUB_MAX_WAIT_SECONDS: the longest wait for a rate limit to reset before the run stops (default 60). */
  readonly maxWaitMs: number;
  readonly runtime: 'aws' | 'local';
}

export function readDiscoveryConfig(env: NodeJS.ProcessEnv = process.env): DiscoveryConfig {
  const org = env.APOLLO_GITHUB_ORG ?? '';
  if (!org) throw new GitHubNotConfiguredError('discovery is not configured: set APOLLO_GITHUB_ORG (and APOLLO_GITHUB_SECRET in AWS)');
  const runtime = config().runtime;
  if (runtime === 'aws' && !env.APOLLO_GITHUB_SECRET) throw new GitHubNotConfiguredError('discovery is not configured: set APOLLO_GITHUB_SECRET to the secret holding the GitHub credentials');
  const wait = Number(env.APOLLO_GITHUB_MAX_WAIT_SECONDS ?? 60);
  return {
    org,
    apiUrl: env.APOLLO_GITHUB_API_URL || 'https://api.github.com',
    secretId: env.APOLLO_GITHUB_SECRET || undefined,
    jobsFunction: env.APOLLO_JOBS_FUNCTION || undefined,
    maxWaitMs: Number.isFinite(wait) && wait >= 0 ? wait * 1000 : 60_000,
    runtime,
  };
}
