/**
 * The LOCAL FAKE GitHub's pages of a repository's Git history (github-server.ts serves them, no token
 * needed), for the GitOps repository deployments commit to: `/{org}/{repo}` lists its branches, its
 * recent commits on the default branch (message, author, time) and its pull requests (open, merged,
 * closed); `/{org}/{repo}/commit/{sha}` is one commit with its diff, `/{org}/{repo}/pull/{n}` one pull
 * request with its commits, diff and comments. Commit and pull request `html_url`s point here, so a
 * deployment's commit link opens on this machine. Drawn as github-pages.ts draws the workflow runs:
 * plain HTML, no script, every value escaped.
 */
import { FAKE_GITHUB_LABEL, FAKE_GITHUB_TITLE, type GitHubPage } from './github-pages.ts';

/** A commit as the pages show it. */
export interface PageCommit {
  readonly sha: string;
  readonly message: string;
  readonly author: { readonly name: string; readonly email: string; readonly date: string };
  readonly committer: { readonly name: string; readonly email: string; readonly date: string };
  readonly parents: readonly string[];
}

export interface PagePull {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  readonly mergeable: boolean | null;
  readonly head: string;
  readonly base: string;
  readonly headSha: string;
  readonly mergeCommitSha: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly comments: ReadonlyArray<{ readonly body: string; readonly createdAt: string }>;
}

/** What the pages read of one repository (github-server.ts answers it from its store). */
export interface PageRepository {
  readonly name: string;
  readonly defaultBranch: string;
  readonly branches: ReadonlyArray<{ readonly name: string; readonly sha: string }>;
  /** The default branch's commits, newest first. */
  readonly commits: readonly PageCommit[];
  /** Newest first. */
  readonly pulls: readonly PagePull[];
  commit(sha: string): { readonly commit: PageCommit; readonly diff: string } | undefined;
  /** A pull request's commits (newest first) and the diff of its changes. */
  pull(number: number): { readonly pull: PagePull; readonly commits: readonly PageCommit[]; readonly diff: string } | undefined;
}

/** How many commits the repository page lists. */
const COMMITS_SHOWN = 50;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const STYLE = '<style>body{font:14px system-ui;margin:2rem;color:#1c2127;max-width:80rem}.fake{background:#fbd065;padding:6px 12px;font-weight:600;border-radius:3px;display:inline-block}td,th{padding:4px 8px;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}code{font-size:12px;word-break:break-all}pre{background:#f6f7f9;padding:8px;white-space:pre-wrap}.add{color:#1c6e42}.del{color:#ac2f33}.hunk{color:#215db0}.open{color:#1c6e42}.merged{color:#5a3eb5}.closed{color:#ac2f33}small{color:#5f6b7c}</style>';
const head = (title: string): string => `<!doctype html><html lang="en"><meta charset="utf-8"><title>${esc(title)}</title>${STYLE}`;
const banner = `<p class="fake">${FAKE_GITHUB_LABEL}: not GitHub. These commits are on this machine only (npm start keeps the GitOps repository's commits in $APOLLO_HOME); nothing here leaves this machine.</p>`;

/** The link to a repository's page, a commit's or a pull request's on this fake. */
export const repoPath = (org: string, repo: string): string => `/${encodeURIComponent(org)}/${encodeURIComponent(repo)}`;

/** The page at `path`, or undefined when `path` is not one of these (another page or the API answers it). */
export function fakeGitPage(path: string, org: string, repository: (name: string) => PageRepository | undefined): GitHubPage | undefined {
  const m = /^\/([^/]+)\/([^/]+)(?:\/(commit|pull)\/([^/]+))?\/?$/.exec(path);
  if (!m || decodeURIComponent(m[1]!) !== org) return undefined;
  const name = decodeURIComponent(m[2]!);
  const repo = repository(name);
  const missing = (what: string): GitHubPage => ({ status: 404, html: `${head(FAKE_GITHUB_TITLE)}${banner}<p>No ${esc(what)} in ${esc(org)}/${esc(name)}. <a href="/">The fake's front page</a></p></html>` });
  if (!repo) return missing('such repository');
  const base = repoPath(org, name);
  if (!m[3]) return { status: 200, html: repositoryPage(org, repo, base) };
  if (m[3] === 'commit') {
    const found = repo.commit(decodeURIComponent(m[4]!));
    return found ? { status: 200, html: commitPage(org, repo, base, found.commit, found.diff) } : missing(`commit ${decodeURIComponent(m[4]!)}`);
  }
  const found = /^\d+$/.test(m[4]!) ? repo.pull(Number(m[4])) : undefined;
  return found ? { status: 200, html: pullPage(org, repo, base, found.pull, found.commits, found.diff) } : missing(`pull request #${m[4]}`);
}

const title = (message: string): string => message.split('\n')[0] ?? '';
const short = (sha: string): string => sha.slice(0, 7);

function state(pull: PagePull): string {
  const kind = pull.merged ? 'merged' : pull.state;
  return `<b class="${kind}">${kind}</b>`;
}

function diffHtml(diff: string): string {
  if (!diff) return '<p><small>No changes.</small></p>';
  const lines = diff.split('\n').map((line) => {
    const kind = line.startsWith('@@') ? 'hunk' : line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '';
    return kind ? `<span class="${kind}">${esc(line)}</span>` : esc(line);
  });
  return `<pre>${lines.join('\n')}</pre>`;
}

function commitRows(base: string, commits: readonly PageCommit[]): string {
  return commits.map((c) => `<tr data-commit="${esc(c.sha)}"><td><a href="${base}/commit/${esc(c.sha)}"><code>${short(c.sha)}</code></a></td><td>${esc(title(c.message))}</td><td>${esc(c.author.name)} <small>&lt;${esc(c.author.email)}&gt;</small></td><td><small>${esc(c.author.date)}</small></td></tr>`).join('');
}

function repositoryPage(org: string, repo: PageRepository, base: string): string {
  const pulls = repo.pulls.map((p) => `<tr data-pull="${p.number}"><td><a href="${base}/pull/${p.number}">#${p.number}</a></td><td>${esc(p.title)}</td><td>${state(p)}</td><td><code>${esc(p.head)}</code> → <code>${esc(p.base)}</code></td><td><small>${esc(p.updatedAt)}</small></td></tr>`).join('');
  const branches = repo.branches.map((b) => `<li><code>${esc(b.name)}</code>${b.name === repo.defaultBranch ? ' <small>(default)</small>' : ''} at <a href="${base}/commit/${esc(b.sha)}"><code>${short(b.sha)}</code></a></li>`).join('');
  return `${head(`${org}/${repo.name} — ${FAKE_GITHUB_TITLE}`)}
${banner}
<h1>${esc(org)}/${esc(repo.name)}</h1>
<p>Apollo's deployments commit here (non-production straight to <code>${esc(repo.defaultBranch)}</code>, production through a pull request from <code>apollo/deploy/&lt;deployment&gt;</code>, squash-merged once approved); each commit's message ends with <code>Apollo-Deployment: &lt;id&gt;</code>. <a href="/">The fake's front page</a></p>
<h2>Branches</h2><ul>${branches}</ul>
<h2>Pull requests (${repo.pulls.length}, newest first)</h2>
<table><tr><th>#</th><th>title</th><th>state</th><th>head → base</th><th>updated</th></tr>${pulls || '<tr><td colspan="5">none yet</td></tr>'}</table>
<h2>Commits on ${esc(repo.defaultBranch)} (newest first${repo.commits.length > COMMITS_SHOWN ? `, the last ${COMMITS_SHOWN} of ${repo.commits.length}` : ''})</h2>
<table><tr><th>commit</th><th>message</th><th>author</th><th>time</th></tr>${commitRows(base, repo.commits.slice(0, COMMITS_SHOWN))}</table>
</html>`;
}

function commitPage(org: string, repo: PageRepository, base: string, commit: PageCommit, diff: string): string {
  const parents = commit.parents.map((p) => `<a href="${base}/commit/${esc(p)}"><code>${short(p)}</code></a>`).join(', ') || 'none (the first commit)';
  return `${head(`${title(commit.message)} · ${short(commit.sha)} — ${FAKE_GITHUB_TITLE}`)}
${banner}
<h1>${esc(title(commit.message))}</h1>
<p>Commit <code>${esc(commit.sha)}</code> in <a href="${base}">${esc(org)}/${esc(repo.name)}</a>; parent ${parents}.</p>
<p>Author ${esc(commit.author.name)} <small>&lt;${esc(commit.author.email)}&gt; ${esc(commit.author.date)}</small>; committed by ${esc(commit.committer.name)} <small>&lt;${esc(commit.committer.email)}&gt; ${esc(commit.committer.date)}</small></p>
<pre>${esc(commit.message)}</pre>
<h2>Changes</h2>${diffHtml(diff)}
</html>`;
}

function pullPage(org: string, repo: PageRepository, base: string, pull: PagePull, commits: readonly PageCommit[], diff: string): string {
  const comments = pull.comments.map((c) => `<li><small>${esc(c.createdAt)}</small><pre>${esc(c.body)}</pre></li>`).join('');
  const merge = pull.mergeCommitSha ? ` Merged as <a href="${base}/commit/${esc(pull.mergeCommitSha)}"><code>${short(pull.mergeCommitSha)}</code></a>.` : '';
  const mergeable = pull.state === 'open' ? (pull.mergeable ? ' It can be merged.' : ' <b class="closed">It conflicts with its base.</b>') : '';
  return `${head(`#${pull.number} ${pull.title} — ${FAKE_GITHUB_TITLE}`)}
${banner}
<h1>${esc(pull.title)} <small>#${pull.number}</small></h1>
<p>${state(pull)}: <code>${esc(pull.head)}</code> → <code>${esc(pull.base)}</code> in <a href="${base}">${esc(org)}/${esc(repo.name)}</a>, head <a href="${base}/commit/${esc(pull.headSha)}"><code>${short(pull.headSha)}</code></a>.${merge}${mergeable} <small>Opened ${esc(pull.createdAt)}, updated ${esc(pull.updatedAt)}.</small></p>
<pre>${esc(pull.body ?? '')}</pre>
<h2>Commits</h2><table><tr><th>commit</th><th>message</th><th>author</th><th>time</th></tr>${commitRows(base, commits) || '<tr><td colspan="4">none</td></tr>'}</table>
<h2>Changes</h2>${diffHtml(diff)}
<h2>Comments</h2>${comments ? `<ul>${comments}</ul>` : '<p><small>none</small></p>'}
</html>`;
}
