/**
 * Discovery's configuration, from the environment: the organisation, and what every GitHub-backed
 * run reads (#lib/github/runs). Discovery is optional: without an organisation the catalog still
 * works and a sync answers 503 saying what to set, so it is read when first needed rather than
 * failing the services Lambda's cold start.
 */
import { GitHubNotConfiguredError } from '#lib/github/errors';
import { readGitHubRunSettings, type GitHubRunSettings } from '#lib/github/runs';

/** The manifest's path in a repository (a push touching it re-syncs the repository). */
export const MANIFEST_PATH = 'apollo.yaml';

export interface DiscoveryConfig extends GitHubRunSettings {
  /** APOLLO_GITHUB_ORG: the organisation whose repositories are scanned. */
  readonly org: string;
}

export function readDiscoveryConfig(env: NodeJS.ProcessEnv = process.env): DiscoveryConfig {
  const org = env.APOLLO_GITHUB_ORG ?? '';
  if (!org) throw new GitHubNotConfiguredError('discovery is not configured: set APOLLO_GITHUB_ORG (and APOLLO_GITHUB_SECRET in AWS)');
  return { ...readGitHubRunSettings(env, 'discovery'), org };
}
