/**
 * Code changes on GitHub through the Git Data API, with Apollo's GitHub credentials (#lib/github/client:
 * a token or a GitHub App installation, rate-limit aware): the base branch's commit and tree, one new
 * tree with every file (written with its text, deleted with `sha: null`; a file keeps its mode), one
 * commit on the base, then the branch made at that commit (so a branch never exists half-made), then
 * the pull request. A pull request GitHub refuses (422: nothing to merge) deletes the branch again.
 * An attempt that stopped half-way is picked up from its branch, recognised by the commit's marker line.
 */
import { GitHubClient, statusOf, type GitHubClientOptions } from '#lib/github/client';
import { logger } from '#lib/observability';
import type { ServiceChange } from '#schemas/index.ts';
import { CodeChangeError, type CodeHost, type OpenChangeInput, type OpenedChange } from '../change-ports.ts';

type TreeEntry = { path: string; mode: '100644' | '100755' | '040000' | '160000' | '120000'; type: 'blob'; content?: string; sha?: string | null };

export class GitHubCodeHost implements CodeHost {
  private readonly github: GitHubClient;

  constructor(options: Omit<GitHubClientOptions, 'userAgent'>) {
    this.github = new GitHubClient({ ...options, userAgent: 'apollo-changes' });
  }

  async openChange(input: OpenChangeInput): Promise<OpenedChange> {
    const { owner, repo } = input;
    const { octokit } = this.github;
    const full = `${owner}/${repo}`;
    // Asked first even with a base named: a missing repository is said as such, not as a missing branch.
    const defaultBranch = await this.defaultBranch(owner, repo);
    const baseBranch = input.baseBranch ?? defaultBranch;
    const baseSha = await this.branchHead(owner, repo, baseBranch);
    if (!baseSha) throw new CodeChangeError('base-missing', `${full} has no branch ${baseBranch}`);
    if (await this.branchHead(owner, repo, input.branch)) throw new CodeChangeError('branch-exists', `${full} already has a branch ${input.branch}`);

    const { data: baseCommit } = await this.github.call(() => octokit.rest.repos.getCommit({ owner, repo, ref: baseSha }));
    const baseTree = baseCommit.commit.tree.sha;
    const existing = await this.modes(owner, repo, baseTree, baseSha, input.files.map((f) => f.path));

    const files: ServiceChange['files'] = [];
    const tree: TreeEntry[] = input.files.map((file, index) => {
      const mode = existing.get(file.path);
      if ('delete' in file) {
        if (!mode) throw new CodeChangeError('file-missing', `${file.path} is not in ${full} at ${baseBranch}: there is nothing to delete`, index);
        files.push({ path: file.path, action: 'deleted' });
        return { path: file.path, mode: mode as TreeEntry['mode'], type: 'blob', sha: null };
      }
      files.push({ path: file.path, action: mode ? 'updated' : 'created' });
      return { path: file.path, mode: (mode === '100755' ? '100755' : '100644'), type: 'blob', content: file.content };
    });
    const { data: made } = await this.github.call(() => octokit.rest.git.createTree({ owner, repo, base_tree: baseTree, tree }));
    if (made.sha === baseTree) throw new CodeChangeError('nothing-to-change', `nothing to change: ${baseBranch} of ${full} already holds these files as given`);
    const { data: commit } = await this.github.call(() => octokit.rest.git.createCommit({ owner, repo, message: input.message, tree: made.sha, parents: [baseSha] }));
    try {
      await this.github.call(() => octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${input.branch}`, sha: commit.sha }));
    } catch (error) {
      // Made in between by someone else.
      if (statusOf(error) === 422) throw new CodeChangeError('branch-exists', `${full} already has a branch ${input.branch}`, undefined, { cause: error });
      throw error;
    }
    try {
      const { data: pr } = await this.github.call(() => octokit.rest.pulls.create({ owner, repo, title: input.title, head: input.branch, base: baseBranch, body: input.body }));
      logger.info('service change opened', { repository: full, branch: input.branch, number: pr.number, commit: commit.sha });
      return { baseBranch, commit: commit.sha, files, pullRequest: { number: pr.number, url: pr.html_url, state: pr.merged_at ? 'merged' : pr.state === 'closed' ? 'closed' : 'open' } };
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      // No pull request: the branch goes too, so the same change can be tried again under its name.
      await this.github.call(() => octokit.rest.git.deleteRef({ owner, repo, ref: `heads/${input.branch}` }))
        .catch((e: unknown) => logger.warn('service change branch not deleted', { repository: full, branch: input.branch, error: String(e) }));
      throw new CodeChangeError('nothing-to-change', `nothing to change: GitHub opened no pull request from ${input.branch} to ${baseBranch} (${(error as Error).message})`, undefined, { cause: error });
    }
  }

  async resumeChange(input: OpenChangeInput, marker: string): Promise<OpenedChange | undefined> {
    const { owner, repo, branch } = input;
    const { octokit } = this.github;
    const head = await this.branchHead(owner, repo, branch);
    if (!head) return undefined;
    const { data: commit } = await this.github.call(() => octokit.rest.repos.getCommit({ owner, repo, ref: head }));
    // Someone else's branch of the same name, or one moved on since: not this change's to adopt.
    if (!commit.commit.message.split('\n').includes(marker) || commit.parents.length !== 1) return undefined;
    const { data: pulls } = await this.github.call(() => octokit.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'all', per_page: 10 }));
    let pr: { number: number; html_url: string; state: string; merged_at: string | null; base: { ref: string } } | undefined = pulls.find((p) => p.head.ref === branch);
    const baseBranch = pr?.base.ref ?? input.baseBranch ?? await this.defaultBranch(owner, repo);
    if (!pr) {
      ({ data: pr } = await this.github.call(() => octokit.rest.pulls.create({ owner, repo, title: input.title, head: branch, base: baseBranch, body: input.body })));
    }
    const { data: parent } = await this.github.call(() => octokit.rest.repos.getCommit({ owner, repo, ref: commit.parents[0]!.sha }));
    const paths = input.files.map((f) => f.path);
    const [before, after] = await Promise.all([
      this.modes(owner, repo, parent.commit.tree.sha, parent.sha, paths),
      this.modes(owner, repo, commit.commit.tree.sha, commit.sha, paths),
    ]);
    const files: ServiceChange['files'] = paths.map((path) => ({ path, action: !after.has(path) ? 'deleted' : before.has(path) ? 'updated' : 'created' }));
    logger.info('service change resumed', { repository: `${owner}/${repo}`, branch, number: pr.number, commit: head });
    return { baseBranch, commit: head, files, pullRequest: { number: pr.number, url: pr.html_url, state: pr.merged_at ? 'merged' : pr.state === 'closed' ? 'closed' : 'open' } };
  }

  /** The repository's default branch; CodeChangeError when it is missing or archived (read-only). */
  private async defaultBranch(owner: string, repo: string): Promise<string> {
    try {
      const { data } = await this.github.call(() => this.github.octokit.rest.repos.get({ owner, repo }));
      if (data.archived) throw new CodeChangeError('repository-archived', `${owner}/${repo} is archived on GitHub (read-only): unarchive it to change its code`);
      return data.default_branch;
    } catch (error) {
      if (statusOf(error) === 404) throw new CodeChangeError('repository-missing', `GitHub has no repository ${owner}/${repo} (or Apollo's GitHub credentials can't see it)`, undefined, { cause: error });
      throw error;
    }
  }

  private async branchHead(owner: string, repo: string, branch: string): Promise<string | undefined> {
    try {
      const { data } = await this.github.call(() => this.github.octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` }));
      return data.object.sha;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** The modes of those of `paths` that are files in the base: from its recursive tree, or one by one when GitHub truncates it. */
  private async modes(owner: string, repo: string, treeSha: string, commitSha: string, paths: readonly string[]): Promise<Map<string, string>> {
    const { data } = await this.github.call(() => this.github.octokit.rest.git.getTree({ owner, repo, tree_sha: treeSha, recursive: 'true' }));
    const wanted = new Set(paths);
    const found = new Map<string, string>();
    for (const entry of data.tree) if (entry.type === 'blob' && entry.path && entry.mode && wanted.has(entry.path)) found.set(entry.path, entry.mode);
    if (!data.truncated) return found;
    for (const path of paths) {
      if (found.has(path)) continue;
      const file = await this.github.readFile(owner, repo, path, commitSha);
      if (file) found.set(path, '100644');
    }
    return found;
  }
}
