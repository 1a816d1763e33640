/**
 * What a catalog refresh run needs: the catalog repository through Octokit with the GitHub
 * credentials every integration shares (Secrets Manager in AWS, the local settings on a laptop) and
 * the offerings store. Starting a run needs none of it (refresh-start.ts). Tests and the local
 * runtime may swap any of them.
 */
import { githubCredentials } from '#lib/github/credentials';
import { GitHubCatalogSource } from './adapters/github-catalog-source.ts';
import { offeringsDeps } from './deps.ts';
import { readCatalogRefreshConfig, type CatalogRefreshConfig } from './refresh-config.ts';
import type { CatalogSource, RefreshStore } from './refresh-ports.ts';
import type { RefreshDeps } from './refresh.ts';

export interface CatalogRefreshDeps {
  readonly config: CatalogRefreshConfig;
  readonly source: CatalogSource;
  readonly store: RefreshStore;
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
    deps = { config: cfg, source, store: offerings };
  }
  return deps;
}

/** What a run needs (the jobs Lambda, or in-process). */
export function refreshDeps(): RefreshDeps {
  const d = catalogRefreshDeps();
  return { source: d.source, store: d.store, directory: d.config.directory, teams: offeringsDeps().teams };
}

/** Swaps adapters (tests, the local runtime); the next catalogRefreshDeps() rebuilds the rest from the environment. */
export function configureCatalogRefresh(next: Partial<Omit<CatalogRefreshDeps, 'config'>> = {}): void {
  overrides = next;
  deps = undefined;
}
