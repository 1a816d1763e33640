/**
 * The catalog refresh's configuration, from the environment. The refresh is optional: without a
 * catalog repository the offerings catalog still serves what it holds and a refresh answers 503
 * saying what to set, so it is read when first needed rather than failing the cold start.
 * GitHub's API URL, the credentials secret and the rate-limit wait are every GitHub-backed run's (#lib/github/runs).
 */
import { GitHubNotConfiguredError } from '#lib/github/errors';
import { readGitHubRunSettings, type GitHubRunSettings } from '#lib/github/runs';

export interface CatalogRefreshConfig extends GitHubRunSettings {
  /** APOLLO_CATALOG_REPO: the catalog repository, `owner/name`. */
  readonly owner: string;
  readonly name: string;
  /** APOLLO_CATALOG_PATH: the directory whose *.yaml (and *.yml) documents are offerings, at any depth. @default catalog */
  readonly directory: string;
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
  return { ...readGitHubRunSettings(env, 'the catalog refresh'), owner: m[1]!, name: m[2]!, directory };
}

/** Whether `path` is a catalog document under `directory` (an empty directory: the whole repository). */
export function isCatalogDocument(path: string, directory: string): boolean {
  if (!/\.ya?ml$/i.test(path)) return false;
  return directory === '' || path.startsWith(`${directory}/`);
}
