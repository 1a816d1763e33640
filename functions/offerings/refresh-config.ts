/**
 * The catalog refresh's configuration, from the environment. The refresh is optional: without a
 * catalog repository the offerings catalog still serves what it holds and a refresh answers 503
 * saying what to set, so it is read when first needed rather than failing the cold start.
 * GitHub's API URL, the credentials secret and the rate-limit wait are discovery's (one GitHub).
 */
import { readBaseConfig } from '#lib/config';
import { GitHubNotConfiguredError } from '#lib/github/errors';

export interface CatalogRefreshConfig {
  /** APOLLO_CATALOG_REPO: the catalog repository, `owner/name`. */
  readonly owner: string;
  readonly name: string;
  /** APOLLO_CATALOG_PATH: the directory whose *.yaml (and *.yml) documents are offerings, at any depth. @default catalog */
  readonly directory: string;
  /** APOLLO_GITHUB_API_URL: default https://api.github.com (GitHub Enterprise: https://<host>/api/v3). */
  readonly apiUrl: string;
  /** APOLLO_JOBS_FUNCTION: the jobs Lambda a refresh is handed to (AWS). */
  readonly jobsFunction: string | undefined;
  /** APOLLO_GITHUB_MAX_WAIT_SECONDS: the longest wait for a rate limit to reset before the run stops (default 60). */
  readonly maxWaitMs: number;
  readonly runtime: 'aws' | 'local';
}

export const catalogRepoName = (c: Pick<CatalogRefreshConfig, 'owner' | 'name'>): string => `${c.owner}/${c.name}`;

const REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9_.-]{1,100})$/;

export function readCatalogRefreshConfig(env: NodeJS.ProcessEnv = process.env): CatalogRefreshConfig {
  const repo = env.APOLLO_CATALOG_REPO ?? '';
  if (!repo) throw new GitHubNotConfiguredError('the catalog refresh is not configured: set APOLLO_CATALOG_REPO to the catalog repository (owner/name)');
  const m = REPO.exec(repo);
  if (!m || m[2] === '.' || m[2] === '..') throw new GitHubNotConfiguredError(`APOLLO_CATALOG_REPO must be owner/name, not "${repo}"`);
  const directory = (env.APOLLO_CATALOG_PATH ?? 'catalog').replace(/^\/+|\/+$/g, '');
  if (directory.split('/').some((s) => s === '..' || s === '.')) throw new GitHubNotConfiguredError(`APOLLO_CATALOG_PATH must be a directory of the repository, not "${env.APOLLO_CATALOG_PATH}"`);
  const runtime = readBaseConfig(env).runtime;
  if (runtime === 'aws' && !env.APOLLO_GITHUB_SECRET) throw new GitHubNotConfiguredError('the catalog refresh is not configured: set APOLLO_GITHUB_SECRET to the secret holding the GitHub credentials');
  const wait = Number(env.APOLLO_GITHUB_MAX_WAIT_SECONDS ?? 60);
  return {
    owner: m[1]!,
    name: m[2]!,
    directory,
    apiUrl: env.APOLLO_GITHUB_API_URL || 'https://api.github.com',
    jobsFunction: env.APOLLO_JOBS_FUNCTION || undefined,
    maxWaitMs: Number.isFinite(wait) && wait >= 0 ? wait * 1000 : 60_000,
    runtime,
  };
}

/** Whether `path` is a catalog document under `directory` (an empty directory: the whole repository). */
export function isCatalogDocument(path: string, directory: string): boolean {
  if (!/\.ya?ml$/i.test(path)) return false;
  return directory === '' || path.startsWith(`${directory}/`);
}
