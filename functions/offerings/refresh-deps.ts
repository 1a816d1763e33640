/**
 * The catalog refresh's adapters: the catalog repository through Octokit with the GitHub credentials
 * every integration shares (Secrets Manager in AWS, the local settings on a laptop), the offerings
 * store, runs handed to the jobs Lambda (AWS) or run in-process (local). Tests and the local runtime
 * may swap any of them.
 */
import { githubCredentials } from '#lib/github/credentials';
import { configuredOr503 } from '#lib/github/errors';
import { runDispatcher } from '#lib/github/runs';
import { GitHubCatalogSource } from './adapters/github-catalog-source.ts';
import { offeringsDeps } from './deps.ts';
import { readCatalogRefreshConfig, type CatalogRefreshConfig } from './refresh-config.ts';
import { runRefreshJob } from './refresh-jobs.ts';
import type { CatalogSource, RefreshDispatcher, RefreshStore } from './refresh-ports.ts';
import type { RefreshDeps } from './refresh.ts';

/** The jobs Lambda's job that runs a refresh (functions/offerings/context.ts). */
export const REFRESH_JOB = 'catalog-refresh';

export interface CatalogRefreshDeps {
  readonly config: CatalogRefreshConfig;
  readonly source: CatalogSource;
  readonly store: RefreshStore;
  readonly dispatcher: RefreshDispatcher;
}

let deps: CatalogRefreshDeps | undefined;
let overrides: Partial<Omit<CatalogRefreshDeps, 'config'>> = {};

/** The adapters, made on first use; throws GitHubNotConfiguredError when the refresh isn't configured. */
export function catalogRefreshDeps(): CatalogRefreshDeps {
  if (!deps) {
    const cfg = readCatalogRefreshConfig();
    const source = overrides.source
      ?? new GitHubCatalogSource({ owner: cfg.owner, repo: cfg.name, baseUrl: cfg.apiUrl, credentials: githubCredentials(), maxWaitMs: cfg.maxWaitMs });
    const offerings = overrides.store ?? offeringsDeps().store;
    const dispatcher = overrides.dispatcher ?? runDispatcher(cfg, REFRESH_JOB, 'the catalog refresh', (jobId) => runRefreshJob(jobId, { refresh: refreshDeps }));
    deps = { config: cfg, source, store: offerings, dispatcher };
  }
  return deps;
}

/** What a run needs (the jobs Lambda, or in-process). */
export function refreshDeps(): RefreshDeps {
  const d = catalogRefreshDeps();
  return { source: d.source, store: d.store, directory: d.config.directory, teams: offeringsDeps().teams };
}

/** Like catalogRefreshDeps(), but a missing configuration is a 503 that says what to set. */
export const catalogRefreshDepsOr503 = (): CatalogRefreshDeps => configuredOr503(catalogRefreshDeps);

/** Swaps adapters (tests, the local runtime); the next catalogRefreshDeps() rebuilds the rest from the environment. */
export function configureCatalogRefresh(next: Partial<Omit<CatalogRefreshDeps, 'config'>> = {}): void {
  overrides = next;
  deps = undefined;
}
