/**
 * The organisation's repositories through the GitHub REST API (functions/lib/github/client.ts: a
 * token or a GitHub App installation, rate-limit aware, Link pagination followed).
 */
import { GitHubClient, statusOf, type GitHubClientOptions } from '#lib/github/client';
import type { RepositorySource, SourceFile, SourceRepository } from '../discovery-ports.ts';

export { rateLimitReset } from '#lib/github/client';

export interface OctokitSourceOptions extends Omit<GitHubClientOptions, 'userAgent'> {
  readonly org: string;
}

export class OctokitRepositorySource implements RepositorySource {
  readonly org: string;
  private readonly github: GitHubClient;

  constructor(options: OctokitSourceOptions) {
    this.org = options.org;
    this.github = new GitHubClient({ ...options, userAgent: 'apollo-discovery' });
  }

  private toRepository(repo: { name: string; default_branch?: string; archived?: boolean; html_url: string }): SourceRepository {
    return { name: repo.name, defaultBranch: repo.default_branch ?? 'main', archived: repo.archived ?? false, htmlUrl: repo.html_url };
  }

  async listRepositories(): Promise<SourceRepository[]> {
    const { octokit } = this.github;
    const pages = octokit.paginate.iterator(octokit.rest.repos.listForOrg, { org: this.org, per_page: 100, type: 'all' });
    return this.github.all(pages, (page) => page.data.map((r) => this.toRepository(r)));
  }

  async getRepository(name: string): Promise<SourceRepository | undefined> {
    try {
      const { data } = await this.github.call(() => this.github.octokit.rest.repos.get({ owner: this.org, repo: name }));
      return this.toRepository(data);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  headCommit(repo: string, ref: string): Promise<string> {
    return this.github.headCommit(this.org, repo, ref);
  }

  readFile(repo: string, path: string, ref: string): Promise<SourceFile | undefined> {
    return this.github.readFile(this.org, repo, path, ref);
  }
}
