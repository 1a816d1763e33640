/**
 * A file of a service's repository (the catalog's `repository`) at its default branch, read with Apollo's GitHub
 * credentials, the ones code changes are opened with (functions/services/change-deps.ts): what the AI console's
 * `upgrade` reads a dependency manifest through. Only where Apollo opens changes (APOLLO_GITHUB_ORG, when set):
 * its credentials read no repository the catalog merely names elsewhere.
 */
import { GitHubClient, statusOf } from '#lib/github/client';
import { githubCredentials } from '#lib/github/credentials';
import { GitHubNotConfiguredError, GitHubRateLimitedError } from '#lib/github/errors';
import { readGitHubRunSettings } from '#lib/github/runs';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '#shared/errors';
import { parseRepository } from './changes.ts';
import { requireService } from './services.ts';

/** The largest file answered (a code change's own limit per file). */
export const MAX_REPOSITORY_FILE_BYTES = 200 * 1024;

export interface RepositoryFile {
  /** `owner/name` */
  readonly repository: string;
  /** The default branch it was read at, and that branch's file blob. */
  readonly branch: string;
  readonly path: string;
  readonly text: string;
  readonly sha: string;
}

let made: { apiUrl: string; client: GitHubClient } | undefined;

function client(env: NodeJS.ProcessEnv = process.env): GitHubClient {
  const settings = readGitHubRunSettings(env, 'reading repository files');
  if (made?.apiUrl !== settings.apiUrl) {
    // A read never sleeps through a rate limit: the caller hears when it resets instead.
    made = { apiUrl: settings.apiUrl, client: new GitHubClient({ baseUrl: settings.apiUrl, maxWaitMs: 0, userAgent: 'apollo-repository-files', credentials: { credentials: (options) => githubCredentials(env).credentials(options) } }) };
  }
  return made.client;
}

async function repositoryOf(serviceId: string): Promise<{ owner: string; repo: string }> {
  const service = await requireService(serviceId);
  if (!service.repository?.trim()) throw new ConflictError(`service ${service.id} has no repository in the catalog`);
  const parsed = parseRepository(service.repository);
  if (!parsed) throw new ConflictError(`service ${service.id}'s repository "${service.repository}" is not a GitHub repository (owner/name or https://<host>/owner/name)`);
  const org = process.env.APOLLO_GITHUB_ORG?.trim();
  if (org && parsed.owner.toLowerCase() !== org.toLowerCase()) {
    throw new ConflictError(`service ${service.id}'s repository ${parsed.owner}/${parsed.repo} is outside the GitHub organisation ${org} Apollo reads (APOLLO_GITHUB_ORG)`);
  }
  return parsed;
}

/**
 * The file at `path` on the default branch of the service's repository, or undefined when there is none. 404 for an
 * unknown service, 409 when its repository is missing, not GitHub's or outside the organisation (or the file is
 * too large), 503 when GitHub is not configured, refuses Apollo's credentials or is rate limited.
 */
export async function readRepositoryFile(serviceId: string, path: string): Promise<RepositoryFile | undefined> {
  const { owner, repo } = await repositoryOf(serviceId);
  const repository = `${owner}/${repo}`;
  try {
    const github = client();
    const { data } = await github.call(() => github.octokit.rest.repos.get({ owner, repo }));
    const branch = data.default_branch;
    const file = await github.readFile(owner, repo, path, branch);
    if (!file) return undefined;
    if (Buffer.byteLength(file.text, 'utf8') > MAX_REPOSITORY_FILE_BYTES) throw new ConflictError(`${repository}'s ${path} is larger than ${MAX_REPOSITORY_FILE_BYTES} bytes`);
    return { repository, branch, path, text: file.text, sha: file.sha };
  } catch (error) {
    if (error instanceof GitHubNotConfiguredError) throw new ServiceUnavailableError(error.message, { cause: error });
    if (error instanceof GitHubRateLimitedError) throw new ServiceUnavailableError(`${error.message}; try again then`, { cause: error });
    const status = statusOf(error);
    if (status === 404) throw new NotFoundError(`GitHub has no repository ${repository} (or Apollo's GitHub credentials can't see it)`, { cause: error });
    if (status === 401 || status === 403) throw new ServiceUnavailableError(`Apollo's GitHub credentials may not read ${repository} (GitHub answered ${status})`, { cause: error });
    throw error;
  }
}
