/**
 * The catalog repository through the GitHub REST API (functions/lib/github/client.ts: a token or a
 * GitHub App installation, rate-limit aware). Listing is one Git Trees call (recursive, with every
 * file's blob sha, so unchanged files are never read); a tree GitHub truncated (over 100,000 entries
 * or 7 MB) is walked directory by directory through the contents API instead. Changed files between
 * two commits come from the compare API, following its Link pagination; GitHub lists at most 300
 * files for a comparison, so a comparison at that cap is reported as incomplete (the refresh then
 * looks at every file).
 */
import { GitHubClient, statusOf, type GitHubClientOptions } from '#lib/github/client';
import { CODEOWNERS_PATHS } from '#lib/github/codeowners';
import type { CatalogRepository, CatalogSource, ChangedFile, RepositoryFile } from '../refresh-ports.ts';

/** GitHub's cap on the files of one comparison. */
export const COMPARE_FILE_CAP = 300;

/** A comparison with more files than GitHub lists: the caller must look at everything. */
export class ComparisonTooLargeError extends Error {
  override readonly name = 'ComparisonTooLargeError';
}

export interface GitHubCatalogSourceOptions extends Omit<GitHubClientOptions, 'userAgent'> {
  readonly owner: string;
  readonly repo: string;
}

interface CompareFile {
  readonly filename: string;
  readonly status: ChangedFile['status'];
  readonly previous_filename?: string;
}

const under = (path: string, directory: string): boolean => directory === '' || path.startsWith(`${directory}/`);

export class GitHubCatalogSource implements CatalogSource {
  private readonly github: GitHubClient;

  constructor(private readonly options: GitHubCatalogSourceOptions) {
    this.github = new GitHubClient({ ...options, userAgent: 'apollo-catalog-refresh' });
  }

  private get ids() {
    return { owner: this.options.owner, repo: this.options.repo };
  }

  async repository(): Promise<CatalogRepository> {
    const { data } = await this.github.call(() => this.github.octokit.rest.repos.get(this.ids));
    return { fullName: data.full_name, owner: data.owner.login, defaultBranch: data.default_branch ?? 'main' };
  }

  headCommit(ref: string): Promise<string> {
    return this.github.headCommit(this.options.owner, this.options.repo, ref);
  }

  async listFiles(commit: string, directory: string): Promise<RepositoryFile[]> {
    const { data } = await this.github.call(() => this.github.octokit.rest.git.getTree({ ...this.ids, tree_sha: commit, recursive: 'true' }));
    const wanted = (path: string) => under(path, directory) || (CODEOWNERS_PATHS as readonly string[]).includes(path);
    if (!data.truncated) {
      return data.tree.filter((e) => e.type === 'blob' && e.path && e.sha && wanted(e.path)).map((e) => ({ path: e.path!, sha: e.sha! }));
    }
    const files = await this.walk(directory, commit);
    for (const path of CODEOWNERS_PATHS) {
      const file = await this.entry(path, commit);
      if (file) files.push(file);
    }
    return files;
  }

  /** A directory's files, depth first, through the contents API (a truncated tree's fallback). */
  private async walk(directory: string, ref: string): Promise<RepositoryFile[]> {
    let data;
    try {
      ({ data } = await this.github.call(() => this.github.octokit.rest.repos.getContent({ ...this.ids, path: directory, ref })));
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
    if (!Array.isArray(data)) return [];
    const files: RepositoryFile[] = [];
    for (const entry of data) {
      if (entry.type === 'file') files.push({ path: entry.path, sha: entry.sha });
      else if (entry.type === 'dir') files.push(...(await this.walk(entry.path, ref)));
    }
    return files;
  }

  private async entry(path: string, ref: string): Promise<RepositoryFile | undefined> {
    const file = await this.readFile(path, ref);
    return file && { path: file.path, sha: file.sha };
  }

  readFile(path: string, ref: string): Promise<(RepositoryFile & { text: string }) | undefined> {
    return this.github.readFile(this.options.owner, this.options.repo, path, ref);
  }

  async changedFiles(base: string, head: string): Promise<ChangedFile[]> {
    const { octokit } = this.github;
    const pages = octokit.paginate.iterator(octokit.rest.repos.compareCommitsWithBasehead, { ...this.ids, basehead: `${base}...${head}`, per_page: 100 });
    // GitHub lists the files on the first page only; the later pages carry the rest of the commits.
    // (The comparison is an object, not a list: Octokit's types for its pages don't say so.)
    const files = await this.github.all(pages, (page) => (page.data as unknown as { files?: CompareFile[] }).files ?? []);
    if (files.length >= COMPARE_FILE_CAP) throw new ComparisonTooLargeError(`${base}...${head} changes ${files.length} or more files`);
    return files.map((f) => ({ path: f.filename, status: f.status, ...(f.previous_filename ? { previousPath: f.previous_filename } : {}) }));
  }
}
