/**
 * What a discovery run needs: GitHub through Octokit with credentials from Secrets Manager (AWS) or
 * the local settings (`APOLLO_GITHUB_TOKEN` / `$APOLLO_HOME/github.json`), the catalog, and Argo CD's
 * applications through the deployments context (where APOLLO_ARGOCD_URL is set; loaded when a run reads
 * them). Starting a run needs none of it (discovery-start.ts). Tests and the local runtime may swap any
 * of them.
 */
import { githubCredentials } from '#lib/github/credentials';
import { OctokitRepositorySource } from './adapters/github-octokit.ts';
import { serviceCatalog } from './discovery-catalog.ts';
import { readDiscoveryConfig, type DiscoveryConfig } from './discovery-config.ts';
import type { ApplicationSource, DiscoveryCatalog, GitHubCredentialSource, RepositorySource } from './discovery-ports.ts';

export interface DiscoveryDeps {
  readonly config: DiscoveryConfig;
  readonly credentials: GitHubCredentialSource;
  readonly source: RepositorySource;
  readonly catalog: DiscoveryCatalog;
  readonly applications: ApplicationSource;
}

/** Argo CD's applications, as the deployments context reads them (its adapter is loaded only now). */
const argoCdApplications: ApplicationSource = async () => (await import('#functions/deployments/public')).deployedApplications();

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
    deps = { config: cfg, credentials, source, catalog, applications: overrides.applications ?? argoCdApplications };
  }
  return deps;
}

/** Swaps adapters (tests, the local runtime); the next discoveryDeps() rebuilds the rest from the environment. */
export function configureDiscovery(next: Partial<Omit<DiscoveryDeps, 'config'>> = {}): void {
  overrides = next;
  deps = undefined;
}

