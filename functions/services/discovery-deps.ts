/**
 * Discovery's adapters: GitHub through Octokit with credentials from Secrets Manager (AWS) or the
 * local settings (`APOLLO_GITHUB_TOKEN` / `$APOLLO_HOME/github.json`); runs handed to the jobs
 * Lambda (AWS) or run in-process (local). Tests and the local runtime may swap any of them.
 */
import { githubCredentials } from '#lib/github/credentials';
import { OctokitRepositorySource } from './adapters/github-octokit.ts';
import { serviceCatalog } from './discovery-catalog.ts';
import { readDiscoveryConfig, type DiscoveryConfig } from './discovery-config.ts';
import { configuredOr503 } from '#lib/github/errors';
import { runDispatcher } from '#lib/github/runs';
import { runJob } from './discovery-jobs.ts';
import type { DiscoveryCatalog, DiscoveryDispatcher, GitHubCredentialSource, RepositorySource } from './discovery-ports.ts';

/** The jobs Lambda's job that runs a sync (functions/services/context.ts). */
export const DISCOVERY_JOB = 'discovery-sync';

export interface DiscoveryDeps {
  readonly config: DiscoveryConfig;
  readonly credentials: GitHubCredentialSource;
  readonly source: RepositorySource;
  readonly catalog: DiscoveryCatalog;
  readonly dispatcher: DiscoveryDispatcher;
}

let deps: DiscoveryDeps | undefined;
let overrides: Partial<Omit<DiscoveryDeps, 'config'>> = {};

/** The adapters, made on first use; throws GitHubNotConfiguredError when discovery isn't configured. */
export function discoveryDeps(): DiscoveryDeps {
  if (!deps) {
    const cfg = readDiscoveryConfig();
    const credentials = overrides.credentials
      ?? githubCredentials();
    const source = overrides.source ?? new OctokitRepositorySource({ org: cfg.org, baseUrl: cfg.apiUrl, credentials, maxWaitMs: cfg.maxWaitMs });
    const catalog = overrides.catalog ?? serviceCatalog;
    const dispatcher = overrides.dispatcher
      ?? runDispatcher(cfg, DISCOVERY_JOB, 'discovery', (jobId) => runJob(jobId, { source: () => discoveryDeps().source, catalog: discoveryDeps().catalog }));
    deps = { config: cfg, credentials, source, catalog, dispatcher };
  }
  return deps;
}

/** Like discoveryDeps(), but a missing configuration is a 503 that says what to set. */
export const discoveryDepsOr503 = (): DiscoveryDeps => configuredOr503(discoveryDeps);

/** Swaps adapters (tests, the local runtime); the next discoveryDeps() rebuilds the rest from the environment. */
export function configureDiscovery(next: Partial<Omit<DiscoveryDeps, 'config'>> = {}): void {
  overrides = next;
  deps = undefined;
}

