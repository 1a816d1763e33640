/**
 * A fake GitHub REST API on loopback, for the integration tests and the local runtime's demo
 * organisation (`npm start` says it is a fake). Real HTTP on a free port, shapes typed against
 * `@octokit/openapi-types`: organisation repositories with Link-header pagination (`per_page`,
 * `page`), file contents (base64) and directory listings at any commit, a branch's head commit
 * (`application/vnd.github.sha`), recursive Git trees (with blob shas; truncated on demand), the
 * comparison of two commits (its commits Link-paginated, its files on the first page only, at most
 * 300, as GitHub does), GitHub App installation tokens (the app's RS256 JWT is verified),
 * Bearer/token auth, and rate-limit answers on demand (403 with `x-ratelimit-remaining: 0`, or 429
 * with `retry-after`). Every commit keeps its files, so a run reading at a commit isn't disturbed by
 * a later one.
 *
 * GitHub Actions, for the workflow action: the workflows are the files under `.github/workflows/`
 * (their `name`, `run-name` and `workflow_dispatch` inputs are read); a dispatch is checked as GitHub
 * checks it (404 for an unknown workflow, 422 without `workflow_dispatch`, for an unknown ref, an
 * undeclared input or a missing required one), starts a run whose `display_title` is the rendered
 * `run-name`, and answers 200 with the run's id when asked `return_run_details` (or 204 in
 * `dispatchMode` 'no-content', as an older GitHub Enterprise does). Runs go queued → in_progress →
 * completed on timers (`runTiming`, or 'manual' and `advanceRun`), succeed unless `failRuns` (or
 * `POST /_fail {"workflow"?, "times", "conclusion"?}`) says otherwise, are listed newest first with
 * the `event`, `status`, `branch` and `created` filters, read one by one and cancelled (202; 409 once
 * completed). With a webhook target (`sendWebhooksTo`) each transition is delivered as a signed
 * `workflow_run` event (requested, in_progress, completed), in order. A run's `html_url` is its page on this
 * fake, which (with `/`, listing every run) is drawn by github-pages.ts.
 *
 * Git writes, for a GitOps repository: commits carry a message, author and committer (with dates) and
 * their parents; branches besides the default one. `PUT /contents/{path}` creates (201) or updates
 * (200, with the blob `sha` it replaces: a stale one is 409 `<path> does not match <sha>`, none 422) a
 * file in a new commit, on `branch` if given (404 for an unknown one); `GET /commits` lists a branch's
 * or commit's history (`sha`, `path`, `since`, `until`, Link-paginated); `GET /git/ref/heads/{branch}`,
 * `POST /git/refs` (422 "Reference already exists") and `DELETE /git/refs/heads/{branch}` (422
 * "Reference does not exist"; an open pull request from it is closed); pull requests: open (422 when one
 * is open for the same head and base, or no commits are between them), list (`state`, `head`
 * owner:branch, `base`), read (with `mergeable` from a three-way comparison), update (close, reopen,
 * title, body), merge (`squash`: one new commit on the base; `merge`: a commit with both parents; 405
 * once closed or merged or when it conflicts, 409 when `sha` is not its head), and comment on them
 * (`/issues/{n}/comments`). Commit and pull request `html_url`s are this fake's pages (github-git-pages.ts).
 *
 * The Git database API, for a change of several files in one commit: `POST /git/trees` (`base_tree`, entries
 * with `content`, or `sha: null` to delete; blobs only), `GET /git/trees/{tree_sha}` of such a tree or of a
 * commit's, `POST /git/commits` (`message`, `tree`, `parents`: a commit no branch points at yet),
 * `GET /git/commits/{sha}` and `PATCH /git/refs/heads/{branch}` (`sha`, `force`: 422 "Update is not a fast
 * forward" otherwise; moving the default branch is pushed to the webhook target like any API commit).
 */
import { createHash, createHmac, createVerify, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { components } from '@octokit/openapi-types';
import { parse as parseYaml } from 'yaml';
import { unifiedDiff } from '#lib/line-diff';
import { fakeGitHubPage, PAGE_HEADERS, runPath, type GitHubPageState } from './github-pages.ts';
import { fakeGitPage, type PageCommit, type PageRepository } from './github-git-pages.ts';

type MinimalRepository = components['schemas']['minimal-repository'];
type SimpleUser = components['schemas']['simple-user'];
type ContentFile = components['schemas']['content-file'];
type InstallationToken = components['schemas']['installation-token'];
type BasicError = components['schemas']['basic-error'];
type GitTree = components['schemas']['git-tree'];
type DiffEntry = components['schemas']['diff-entry'];
type ContentDirectory = components['schemas']['content-directory'];
type WorkflowRun = components['schemas']['workflow-run'];
type WorkflowDispatchResponse = components['schemas']['workflow-dispatch-response'];
type Commit = components['schemas']['commit'];
type FileCommit = components['schemas']['file-commit'];
type GitRef = components['schemas']['git-ref'];
type IssueComment = components['schemas']['issue-comment'];
type MergeResult = components['schemas']['pull-request-merge-result'];
type PullRequest = components['schemas']['pull-request'];
type PullRequestRef = Omit<PullRequest['head'], 'repo'> & { repo: MinimalRepository };
/** A pull request as GitHub answers it; its head and base repositories in the minimal shape (what the fake knows of a repository). */
export type FakePullRequest = Omit<PullRequest, 'head' | 'base'> & { head: PullRequestRef; base: PullRequestRef };

export interface FakeRepo {
  readonly name: string;
  readonly defaultBranch?: string;
  readonly archived?: boolean;
  /** Path → file text, at the default branch's head. */
  readonly files: Readonly<Record<string, string>>;
}

export interface FakeApp {
  readonly appId: number;
  readonly installationId: number;
  /** PEM public key the app's JWTs are verified with. */
  readonly publicKey: string;
}

export interface FakeGitHubOptions {
  readonly org: string;
  /** Tokens accepted as `Authorization: Bearer|token <token>`. */
  readonly tokens?: readonly string[];
  readonly repos?: readonly FakeRepo[];
  readonly app?: FakeApp;
  readonly host?: string;
}

/** A rate limit the fake applies to the next `times` requests (default: until cleared). */
export interface FakeRateLimit {
  readonly kind: 'primary' | 'secondary';
  /** Seconds until the limit resets (primary: `x-ratelimit-reset`; secondary: `retry-after`). */
  readonly resetInSeconds: number;
  readonly times?: number;
}

export type FakeRunConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out' | 'startup_failure' | 'action_required' | 'neutral' | 'skipped' | 'stale';

/**
 * How a workflow dispatch is answered: 'run-details' as github.com does (200 with the run when asked
 * `return_run_details`), 'no-content' as an older GitHub Enterprise does (always 204), 'reject-run-details'
 * as one that refuses the unknown parameter (422).
 */
export type FakeDispatchMode = 'run-details' | 'no-content' | 'reject-run-details';

/** How long a run stays queued, then in progress; 'manual': until `advanceRun`. */
export type FakeRunTiming = { readonly queuedMs: number; readonly inProgressMs: number } | 'manual';

/** A dispatch the fake accepted (what the tests count). */
export interface FakeDispatch {
  readonly repo: string;
  readonly workflow: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly runId: number;
  /** 200 (with the run's id) or 204. */
  readonly status: number;
}

/** A webhook delivery the fake sent (or tried to). */
export interface FakeWebhookDelivery {
  readonly id: string;
  readonly event: string;
  readonly action: string;
  readonly runId: number;
  /** When it was queued. */
  readonly at: string;
  /** Apollo's answer, when there was one. */
  status?: number;
  response?: string;
  error?: string;
}

interface FakeWorkflow {
  readonly id: number;
  /** `.github/workflows/<file>` */
  readonly path: string;
  readonly file: string;
  readonly name: string;
  readonly runName: string | undefined;
  readonly dispatchable: boolean;
  readonly inputs: ReadonlyMap<string, { readonly required: boolean; readonly hasDefault: boolean }>;
}

interface StoredRun {
  readonly id: number;
  readonly repo: string;
  readonly workflow: FakeWorkflow;
  readonly runNumber: number;
  readonly displayTitle: string;
  readonly headBranch: string;
  readonly headSha: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly createdAt: string;
  /** Listed from this time on (GitHub lists a dispatched run after a moment). */
  readonly listedFrom: number;
  /** How it ends unless cancelled. */
  readonly outcome: FakeRunConclusion;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: FakeRunConclusion | null;
  updatedAt: string;
  startedAt: string;
  timer?: NodeJS.Timeout;
}

/** GitHub's cap on a workflow_dispatch's inputs. */
const MAX_DISPATCH_INPUTS = 25;

/** Who wrote or committed a commit, and when (a Git signature). */
export interface FakeSignature {
  readonly name: string;
  readonly email: string;
  /** ISO time. @default now */
  readonly date?: string;
}

/** How a commit the fake makes is described (seeded history, the tests). */
export interface FakeCommitOptions {
  /** @default "Update <path>" / "Update <n> files" */
  readonly message?: string;
  /** @default the fake's bot */
  readonly author?: FakeSignature;
  /** @default the author */
  readonly committer?: FakeSignature;
  /** The branch to commit on. @default the default branch */
  readonly branch?: string;
  /** The commit's id (the demo gives its seeded commits the ids the demo catalog records); default: a fresh one. */
  readonly sha?: string;
}

/** A commit: the files it left, its parents, message and signatures. */
interface StoredCommit {
  readonly sha: string;
  readonly files: Map<string, string>;
  readonly parents: readonly string[];
  readonly message: string;
  readonly author: Required<FakeSignature>;
  readonly committer: Required<FakeSignature>;
}

interface StoredRepo {
  id: number;
  name: string;
  defaultBranch: string;
  archived: boolean;
  /** The files at the head. */
  files: Map<string, string>;
  head: string;
  /** The default branch's commits, oldest first, with the files each left. */
  history: StoredCommit[];
  /** Every commit of every branch, by sha. */
  commits: Map<string, StoredCommit>;
  /** The branches other than the default one: name → head commit. */
  branches: Map<string, string>;
  /** Pull requests (and their comments), numbered from 1. */
  pulls: StoredPull[];
}

/** A pull request as the fake keeps it (GitHub's shape is made from it on each answer). */
interface StoredPull {
  readonly number: number;
  readonly id: number;
  title: string;
  body: string | null;
  /** The head and base branch names (both of this repository). */
  readonly head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergeCommitSha: string | null;
  /** The head commit once the pull request is closed or merged (an open one follows its branch). */
  headSha: string;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  readonly comments: Array<{ readonly id: number; readonly body: string; readonly createdAt: string }>;
}

/** A repository's Git state as `keepRepo` writes it (each file's text once, by blob sha). */
interface KeptRepo {
  readonly defaultBranch: string;
  readonly head: string;
  /** The default branch's commits, oldest first. */
  readonly history: readonly string[];
  readonly branches: Readonly<Record<string, string>>;
  readonly pulls: StoredPull[];
  readonly commits: Record<string, { parents: readonly string[]; message: string; author: Required<FakeSignature>; committer: Required<FakeSignature>; files: Record<string, string> }>;
  readonly blobs: Readonly<Record<string, string>>;
}

function readKeptFile(file: string): { version: 1; repos: Record<string, KeptRepo> } {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; repos?: Record<string, KeptRepo> };
    if (state.version === 1 && state.repos && typeof state.repos === 'object') return { version: 1, repos: state.repos };
  } catch {
    // None yet, or unreadable: start afresh.
  }
  return { version: 1, repos: {} };
}

/** Who the fake's API writes are committed by (the token's user) unless the request says otherwise. */
const FAKE_BOT: FakeSignature = { name: 'apollo-demo-bot', email: 'apollo-demo-bot@users.noreply.github.com' };

/** GitHub's cap on the files of one comparison. */
const COMPARE_FILE_CAP = 300;

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
/** Git's blob sha: the same text always has the same one. */
const blobSha = (text: string): string => sha1(`blob ${Buffer.byteLength(text)}\0${text}`);
/** A commit's tree id: the same files always have the same one. */
const treeSha = (files: ReadonlyMap<string, string>): string => sha1(`tree ${JSON.stringify([...files].map(([path, text]) => [path, blobSha(text)]).sort())}`);

/** A branch name Git accepts (git check-ref-format, roughly). */
function validBranchName(name: string): boolean {
  if (name === '@' || [...name].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f)) return false;
  return !/(^[./]|\/\.|\.\.|[~^:?*[\\]|@\{|\/\/|[./]$|\.lock$|\.lock\/)/.test(name);
}

export class FakeGitHub {
  /** Every request's method and path (with query), in order: what the tests assert on. */
  readonly requests: string[] = [];
  private readonly repos = new Map<string, StoredRepo>();
  private readonly tokens: Set<string>;
  private readonly installationTokens = new Set<string>();
  private rateLimit: (FakeRateLimit & { left: number }) | undefined;
  /** Answer Git trees as truncated (GitHub does above 100,000 entries or 7 MB). */
  truncateTrees = false;
  private nextId = 1000;
  /** Repositories whose Git state is kept in a file across restarts: name → file. */
  private readonly kept = new Map<string, string>();
  /** Trees made by `POST /git/trees` (and commits' trees once asked for), by sha: the files they hold. */
  private readonly trees = new Map<string, Map<string, string>>();
  private server!: Server;
  url = '';

  /** How dispatches are answered (see FakeDispatchMode). */
  dispatchMode: FakeDispatchMode = 'run-details';
  /** How runs progress. @default queued 500 ms, then in progress 1 s */
  runTiming: FakeRunTiming = { queuedMs: 500, inProgressMs: 1000 };
  /** How long a new run stays out of the run listings (GitHub's lag after a dispatch). @default 0 */
  listingLagMs = 0;
  /** Every dispatch accepted, in order. */
  readonly dispatches: FakeDispatch[] = [];
  /** Every webhook delivery sent, in order. */
  readonly deliveries: FakeWebhookDelivery[] = [];
  private readonly runs = new Map<number, StoredRun>();
  private readonly workflowIds = new Map<string, number>();
  private readonly failures: Array<{ workflow: string | undefined; left: number; conclusion: FakeRunConclusion }> = [];
  // Run ids are past 2^32, as GitHub's are now.
  private nextRunId = 26_000_000_001;
  private webhookTarget: { url: string; secret: string } | undefined;
  private outbox: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: FakeGitHubOptions) {
    this.tokens = new Set(options.tokens ?? []);
    for (const repo of options.repos ?? []) this.putRepo(repo);
  }

  static async start(options: FakeGitHubOptions): Promise<FakeGitHub> {
    const fake = new FakeGitHub(options);
    fake.server = createServer((req, res) => {
      void fake.handle(req, res).catch((error: unknown) => {
        console.error('[fake-github] request failed:', error);
        if (!res.headersSent) fake.send(res, 500, { message: 'Server Error', documentation_url: 'https://docs.github.com/rest' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, options.host ?? '127.0.0.1', () => resolve());
    });
    fake.url = `http://${options.host ?? '127.0.0.1'}:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  get org(): string {
    return this.options.org;
  }

  /** Adds or replaces a repository; its head commit changes with its content (its branches and pull requests stay). */
  putRepo(repo: FakeRepo, options: FakeCommitOptions = {}): void {
    const existing = this.repos.get(repo.name);
    const stored: StoredRepo = {
      id: existing?.id ?? this.nextId++,
      name: repo.name,
      defaultBranch: repo.defaultBranch ?? 'main',
      archived: repo.archived ?? false,
      files: new Map(),
      head: existing?.head ?? '',
      history: existing?.history ?? [],
      commits: existing?.commits ?? new Map(),
      branches: existing?.branches ?? new Map(),
      pulls: existing?.pulls ?? [],
    };
    this.repos.set(repo.name, stored);
    this.record(stored, new Map(Object.entries(repo.files)), { message: existing ? 'Replace the files' : 'Initial commit', ...options });
  }

  /** Writes one file (a new head commit; on the default branch unless `options.branch`), or deletes it with `null`. */
  commit(repoName: string, path: string, text: string | null, options: FakeCommitOptions = {}): string {
    return this.commitFiles(repoName, { [path]: text }, { message: `${text === null ? 'Delete' : 'Update'} ${path}`, ...options });
  }

  /** Writes several files (text) and deletes others (null) in one commit (on the default branch unless `options.branch`). */
  commitFiles(repoName: string, changes: Readonly<Record<string, string | null>>, options: FakeCommitOptions = {}): string {
    const repo = this.repos.get(repoName);
    if (!repo) throw new Error(`no fake repository ${repoName}`);
    const branch = options.branch ?? repo.defaultBranch;
    const base = branch === repo.defaultBranch ? repo.files : repo.commits.get(repo.branches.get(branch) ?? '')?.files;
    if (!base) throw new Error(`no branch ${branch} in the fake repository ${repoName}`);
    const files = new Map(base);
    for (const [path, text] of Object.entries(changes)) {
      if (text === null) files.delete(path);
      else files.set(path, text);
    }
    return this.record(repo, files, { message: `Update ${Object.keys(changes).length} files`, ...options }).sha;
  }

  /** Makes a commit of `files` on top of the branch's head (and `mergedFrom`, for a merge commit) and moves the branch to it. */
  private record(repo: StoredRepo, files: Map<string, string>, options: FakeCommitOptions, mergedFrom?: string): StoredCommit {
    const branch = options.branch ?? repo.defaultBranch;
    const parent = branch === repo.defaultBranch ? repo.head : repo.branches.get(branch);
    const now = new Date().toISOString();
    const author = { ...(options.author ?? FAKE_BOT), date: options.author?.date ?? now };
    const committer = { ...(options.committer ?? author), date: options.committer?.date ?? author.date };
    const message = options.message ?? 'Update';
    const sha = options.sha ?? sha1(JSON.stringify([repo.name, parent, [...files].sort(), message, author, Math.random()]));
    const commit: StoredCommit = { sha, files: new Map(files), parents: [...(parent ? [parent] : []), ...(mergedFrom ? [mergedFrom] : [])], message, author, committer };
    repo.commits.set(sha, commit);
    if (branch === repo.defaultBranch) {
      repo.files = files;
      repo.head = sha;
      repo.history.push(commit);
    } else {
      repo.branches.set(branch, sha);
    }
    return commit;
  }

  /** The commit a ref names: a branch, or a commit's sha. */
  private resolve(repo: StoredRepo, ref: string | null): StoredCommit | undefined {
    const branch = (ref ?? '').replace(/^(refs\/)?heads\//, '');
    if (!branch || branch === repo.defaultBranch || branch === 'HEAD') return repo.commits.get(repo.head);
    return repo.commits.get(repo.branches.get(branch) ?? ref!);
  }

  /** The files of a repository at a commit, branch or its head. */
  private filesAt(repo: StoredRepo, ref: string | null): Map<string, string> | undefined {
    if (!ref || ref === repo.defaultBranch || ref === repo.head) return repo.files;
    return this.resolve(repo, ref)?.files;
  }

  /** A file's text at the head of the default branch, or at `ref` (a branch or a commit). */
  fileAt(repoName: string, path: string, ref?: string): string | undefined {
    const repo = this.repos.get(repoName);
    return repo && (ref === undefined ? repo.files : this.resolve(repo, ref)?.files)?.get(path);
  }

  headOf(repoName: string): string | undefined {
    return this.repos.get(repoName)?.head;
  }

  /** Applies a rate limit to the next requests (`undefined` clears it). */
  limit(rateLimit: FakeRateLimit | undefined): void {
    this.rateLimit = rateLimit && { ...rateLimit, left: rateLimit.times ?? Number.POSITIVE_INFINITY };
  }

  addToken(token: string): void {
    this.tokens.add(token);
  }

  // ---------------------------------------------------------------- GitHub Actions

  /** The next `times` runs (of `workflow`: its file name, path, name or id; any workflow when absent) end with `conclusion`. */
  failRuns(options: { readonly workflow?: string; readonly times?: number; readonly conclusion?: FakeRunConclusion } = {}): void {
    this.failures.push({ workflow: options.workflow, left: options.times ?? 1, conclusion: options.conclusion ?? 'failure' });
  }

  /** Delivers every run's transitions to `url` as signed `workflow_run` events (undefined stops). */
  sendWebhooksTo(url: string | undefined, secret = ''): void {
    this.webhookTarget = url ? { url, secret } : undefined;
  }

  /** Resolves once every delivery queued so far has been answered (or failed). */
  async webhooksSent(): Promise<void> {
    await this.outbox;
  }

  /** A run as `GET /repos/{o}/{r}/actions/runs/{id}` answers it. */
  workflowRun(id: number): WorkflowRun | undefined {
    const run = this.runs.get(id);
    return run && this.runBody(run);
  }

  /** Every run, oldest first. */
  workflowRuns(): WorkflowRun[] {
    return [...this.runs.values()].map((run) => this.runBody(run));
  }

  /** What the fake's pages show, now. */
  pageState(): GitHubPageState {
    return {
      url: this.url,
      org: this.options.org,
      runs: [...this.runs.values()].map((r) => ({
        id: r.id, repo: r.repo, runNumber: r.runNumber, displayTitle: r.displayTitle, workflowName: r.workflow.name, workflowFile: r.workflow.file,
        branch: r.headBranch, sha: r.headSha, inputs: r.inputs, status: r.status, conclusion: r.conclusion, createdAt: r.createdAt, startedAt: r.startedAt, updatedAt: r.updatedAt,
      })),
      workflows: [...this.repos.values()].flatMap((repo) => this.workflows(repo).map((w) => ({ repo: repo.name, file: w.file, name: w.name, dispatchable: w.dispatchable, inputs: [...w.inputs.keys()] }))),
      failures: this.failures.filter((f) => f.left > 0).map((f) => ({ workflow: f.workflow, left: f.left, conclusion: f.conclusion })),
      deliveries: this.deliveries,
      webhookUrl: this.webhookTarget?.url,
      runTiming: this.runTiming,
    };
  }

  /** Moves a run on one step (queued → in_progress → completed), or straight to `conclusion` when given. */
  advanceRun(id: number, conclusion?: FakeRunConclusion): void {
    const run = this.runs.get(id);
    if (!run || run.status === 'completed') return;
    clearTimeout(run.timer);
    run.timer = undefined;
    const now = new Date().toISOString();
    if (run.status === 'queued' && !conclusion) {
      run.status = 'in_progress';
      run.startedAt = now;
      run.updatedAt = now;
      this.notify(run, 'in_progress');
      if (this.runTiming !== 'manual') run.timer = this.later(() => this.advanceRun(run.id), this.runTiming.inProgressMs);
      return;
    }
    run.status = 'completed';
    run.conclusion = conclusion ?? run.outcome;
    run.updatedAt = now;
    this.notify(run, 'completed');
  }

  private later(work: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => { if (!this.closed) work(); }, ms);
    timer.unref();
    return timer;
  }

  /** The workflows at a repository's head: every `.github/workflows/*.y(a)ml` file that parses. */
  private workflows(repo: StoredRepo): FakeWorkflow[] {
    const out: FakeWorkflow[] = [];
    for (const [path, text] of repo.files) {
      const file = /^\.github\/workflows\/([^/]+\.ya?ml)$/.exec(path)?.[1];
      if (!file) continue;
      const key = `${repo.name}:${path}`;
      let id = this.workflowIds.get(key);
      if (id === undefined) {
        id = 161_000_000 + this.workflowIds.size;
        this.workflowIds.set(key, id);
      }
      const parsed = parseWorkflow(text);
      if (parsed) out.push({ id, path, file, ...parsed });
    }
    return out;
  }

  private armFailures(res: ServerResponse, body: string): void {
    let options: { workflow?: unknown; times?: unknown; conclusion?: unknown };
    try {
      options = (JSON.parse(body || '{}') ?? {}) as typeof options;
    } catch {
      return this.error(res, 400, 'Problems parsing JSON');
    }
    const times = options.times === undefined ? 1 : Number(options.times);
    if (!Number.isInteger(times) || times < 1) return this.error(res, 422, 'times must be a positive integer');
    const workflow = typeof options.workflow === 'string' && options.workflow ? options.workflow : undefined;
    const conclusion = (typeof options.conclusion === 'string' ? options.conclusion : 'failure') as FakeRunConclusion;
    this.failRuns({ workflow, times, conclusion });
    this.send(res, 200, { fake: 'LOCAL FAKE GitHub', armed: { workflow: workflow ?? '*', times, conclusion } });
  }

  /** /repos/{owner}/{repo}/actions/…: dispatches, run listings, a run, its cancel. */
  private actions(res: ServerResponse, url: URL, method: string, repo: StoredRepo, rest: string, body: string, headers: Record<string, string>): void {
    const workflowRoute = /^\/actions\/workflows\/([^/]+)\/(dispatches|runs)$/.exec(rest);
    if (workflowRoute) {
      const wanted = decodeURIComponent(workflowRoute[1]!);
      const workflow = this.workflows(repo).find((w) => w.file === wanted || String(w.id) === wanted);
      if (!workflow) return this.error(res, 404, 'Not Found');
      if (workflowRoute[2] === 'dispatches' && method === 'POST') return this.dispatch(res, repo, workflow, body);
      if (workflowRoute[2] === 'runs' && method === 'GET') return this.listRuns(res, url, repo, workflow, headers);
      return this.error(res, 404, 'Not Found');
    }
    if (rest === '/actions/runs' && method === 'GET') return this.listRuns(res, url, repo, undefined, headers);
    const runRoute = /^\/actions\/runs\/(\d+)(\/cancel)?$/.exec(rest);
    const run = runRoute ? this.runs.get(Number(runRoute[1])) : undefined;
    if (!runRoute || !run || run.repo !== repo.name) return this.error(res, 404, 'Not Found');
    if (!runRoute[2] && method === 'GET') return this.send(res, 200, this.runBody(run), headers);
    if (runRoute[2] && method === 'POST') {
      if (run.status === 'completed') return this.error(res, 409, 'Cannot cancel a workflow run that is completed.');
      this.advanceRun(run.id, 'cancelled');
      return this.send(res, 202, {}, headers);
    }
    return this.error(res, 404, 'Not Found');
  }

  private dispatch(res: ServerResponse, repo: StoredRepo, workflow: FakeWorkflow, text: string): void {
    let body: { ref?: unknown; inputs?: unknown; return_run_details?: unknown };
    try {
      body = JSON.parse(text || '{}') as typeof body;
    } catch {
      return this.error(res, 400, 'Problems parsing JSON');
    }
    if (this.dispatchMode === 'reject-run-details' && 'return_run_details' in body) {
      return this.error(res, 422, 'Invalid request.\n\n"return_run_details" is not a permitted key.');
    }
    if (typeof body.ref !== 'string' || !body.ref) return this.error(res, 422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
    if (!workflow.dispatchable) return this.error(res, 422, "Workflow does not have 'workflow_dispatch' trigger");
    const branch = body.ref.replace(/^refs\/heads\//, '');
    if (branch !== repo.defaultBranch) return this.error(res, 422, `No ref found for: ${body.ref}`);
    const given = (body.inputs ?? {}) as Record<string, unknown>;
    if (typeof given !== 'object' || Array.isArray(given)) return this.error(res, 422, 'Invalid request.\n\nFor \'properties/inputs\', it is not an object.');
    const names = Object.keys(given);
    if (names.length > MAX_DISPATCH_INPUTS) return this.error(res, 422, `you may only define up to ${MAX_DISPATCH_INPUTS} \`inputs\` for a \`workflow_dispatch\` event`);
    const unexpected = names.filter((name) => !workflow.inputs.has(name));
    if (unexpected.length) return this.error(res, 422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
    for (const [name, input] of workflow.inputs) {
      if (input.required && !input.hasDefault && (given[name] === undefined || given[name] === '')) return this.error(res, 422, `Required input '${name}' not provided`);
    }
    const inputs: Record<string, string> = {};
    for (const [name, value] of Object.entries(given)) {
      if (value !== null && typeof value === 'object') return this.error(res, 422, `Invalid request.\n\nFor 'properties/${name}', ${JSON.stringify(value)} is not a string.`);
      inputs[name] = String(value);
    }
    const run = this.startRun(repo, workflow, branch, inputs);
    const withDetails = this.dispatchMode === 'run-details' && body.return_run_details === true;
    this.dispatches.push({ repo: repo.name, workflow: workflow.file, ref: body.ref, inputs, runId: run.id, status: withDetails ? 200 : 204 });
    if (!withDetails) {
      res.writeHead(204);
      res.end();
      return;
    }
    const details: WorkflowDispatchResponse = {
      workflow_run_id: run.id,
      run_url: `${this.url}/repos/${this.options.org}/${repo.name}/actions/runs/${run.id}`,
      html_url: this.runHtmlUrl(run),
    };
    this.send(res, 200, details);
  }

  private startRun(repo: StoredRepo, workflow: FakeWorkflow, branch: string, inputs: Record<string, string>): StoredRun {
    const failure = this.failures.find((f) => f.left > 0 && (f.workflow === undefined || [workflow.file, workflow.path, workflow.name, String(workflow.id)].includes(f.workflow)));
    if (failure) failure.left -= 1;
    const now = new Date();
    const run: StoredRun = {
      id: this.nextRunId++,
      repo: repo.name,
      workflow,
      runNumber: [...this.runs.values()].filter((r) => r.workflow.id === workflow.id).length + 1,
      displayTitle: workflow.runName === undefined ? workflow.name : renderRunName(workflow.runName, inputs, { ref_name: branch, actor: FAKE_ACTOR }),
      headBranch: branch,
      headSha: repo.head,
      inputs,
      createdAt: now.toISOString(),
      listedFrom: now.getTime() + this.listingLagMs,
      outcome: failure?.conclusion ?? 'success',
      status: 'queued',
      conclusion: null,
      updatedAt: now.toISOString(),
      startedAt: now.toISOString(),
    };
    this.runs.set(run.id, run);
    this.notify(run, 'requested');
    if (this.runTiming !== 'manual') run.timer = this.later(() => this.advanceRun(run.id), this.runTiming.queuedMs);
    return run;
  }

  /** Newest first, filtered by `event`, `status` (a status or a conclusion), `branch` and `created`; Link-paginated. */
  private listRuns(res: ServerResponse, url: URL, repo: StoredRepo, workflow: FakeWorkflow | undefined, headers: Record<string, string>): void {
    const q = url.searchParams;
    const now = Date.now();
    const created = q.get('created');
    // Every run here is a dispatch's.
    const event = q.get('event');
    const all = [...this.runs.values()]
      .filter((r) => r.repo === repo.name && (!workflow || r.workflow.id === workflow.id) && r.listedFrom <= now && (!event || event === 'workflow_dispatch'))
      .filter((r) => !q.get('status') || q.get('status') === r.status || q.get('status') === r.conclusion)
      .filter((r) => !q.get('branch') || q.get('branch') === r.headBranch)
      .filter((r) => !created || createdMatches(r.createdAt, created))
      .sort((a, b) => b.id - a.id);
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30)));
    const page = Math.max(1, Number(q.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const links = pageLinks(url, page, last, perPage);
    const body = { total_count: all.length, workflow_runs: all.slice((page - 1) * perPage, page * perPage).map((r) => this.runBody(r)) };
    this.send(res, 200, body, { ...headers, ...(links.length ? { link: links.join(', ') } : {}) });
  }

  /** The run's page on this fake (a github.com link would lead nowhere). */
  private runHtmlUrl(run: StoredRun): string {
    return `${this.url}${runPath(this.options.org, run.repo, run.id)}`;
  }

  private runBody(run: StoredRun): WorkflowRun {
    const stored = this.repos.get(run.repo)!;
    const repository = this.minimalRepository(stored);
    const api = `${this.url}/repos/${this.options.org}/${run.repo}`;
    const self = `${api}/actions/runs/${run.id}`;
    return {
      id: run.id, name: run.workflow.name, node_id: `WFR_${run.id}`, check_suite_id: run.id + 1, check_suite_node_id: `CS_${run.id}`,
      head_branch: run.headBranch, head_sha: run.headSha, path: run.workflow.path, run_number: run.runNumber, run_attempt: 1,
      referenced_workflows: [], event: 'workflow_dispatch', status: run.status, conclusion: run.conclusion, workflow_id: run.workflow.id,
      url: self, html_url: this.runHtmlUrl(run), pull_requests: [], created_at: run.createdAt, updated_at: run.updatedAt,
      actor: this.owner(), triggering_actor: this.owner(), run_started_at: run.startedAt,
      jobs_url: `${self}/jobs`, logs_url: `${self}/logs`, check_suite_url: `${api}/check-suites/${run.id + 1}`, artifacts_url: `${self}/artifacts`,
      cancel_url: `${self}/cancel`, rerun_url: `${self}/rerun`, previous_attempt_url: null, workflow_url: `${api}/actions/workflows/${run.workflow.id}`,
      head_commit: { id: run.headSha, tree_id: sha1(`tree:${run.headSha}`), message: 'LOCAL FAKE commit', timestamp: run.createdAt, author: null, committer: null },
      repository, head_repository: repository, head_repository_id: stored.id, display_title: run.displayTitle,
    };
  }

  /** Queues a signed `workflow_run` delivery to the webhook target; deliveries leave one at a time, in order. */
  /**
   * A commit made through the API (a contents write, a merge) on the default branch is pushed to the webhook
   * target as GitHub's `push` event, signed the same way. Commits made in process (the demo's seeding, a test's
   * `commit()`) are not: a test delivers the push it wants.
   */
  private notifyPush(repo: StoredRepo, before: string, commit: StoredCommit, paths: readonly string[], kind: 'added' | 'modified'): void {
    const target = this.webhookTarget;
    if (!target || this.closed) return;
    const delivery: FakeWebhookDelivery = { id: randomUUID(), event: 'push', action: 'push', runId: 0, at: new Date().toISOString() };
    this.deliveries.push(delivery);
    const person = (s: Required<FakeSignature>) => ({ name: s.name, email: s.email, username: s.name });
    const head = { id: commit.sha, tree_id: treeSha(commit.files), distinct: true, message: commit.message, timestamp: commit.committer.date, url: `${this.webOf(repo)}/commit/${commit.sha}`, author: person(commit.author), committer: person(commit.committer), added: kind === 'added' ? [...paths] : [], removed: [], modified: kind === 'modified' ? [...paths] : [] };
    const payload = JSON.stringify({
      ref: `refs/heads/${repo.defaultBranch}`, before: before || '0'.repeat(40), after: commit.sha, created: false, deleted: false, forced: false,
      repository: { ...this.minimalRepository(repo), default_branch: repo.defaultBranch }, organization: { login: this.options.org, id: 1 },
      pusher: { name: commit.committer.name, email: commit.committer.email }, sender: { login: FAKE_ACTOR, type: 'User' },
      commits: [head], head_commit: head,
    });
    this.deliver(target, delivery, payload);
  }

  /** Sends one delivery to the webhook target, signed as GitHub signs (X-Hub-Signature-256), in order; records Apollo's answer on it. */
  private deliver(target: { readonly url: string; readonly secret: string }, delivery: FakeWebhookDelivery, payload: string): void {
    const signature = `sha256=${createHmac('sha256', target.secret).update(payload).digest('hex')}`;
    this.outbox = this.outbox.then(async () => {
      try {
        const answer = await fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/fake', 'x-github-event': delivery.event,
            'x-github-delivery': delivery.id, 'x-github-hook-id': '1', 'x-hub-signature-256': signature,
          },
          body: payload,
          signal: AbortSignal.timeout(10_000),
        });
        delivery.status = answer.status;
        delivery.response = await answer.text();
      } catch (error) {
        delivery.error = (error as Error).message;
      }
    });
  }

  private notify(run: StoredRun, action: 'requested' | 'in_progress' | 'completed'): void {
    const target = this.webhookTarget;
    if (!target || this.closed) return;
    const delivery: FakeWebhookDelivery = { id: randomUUID(), event: 'workflow_run', action, runId: run.id, at: new Date().toISOString() };
    this.deliveries.push(delivery);
    const stored = this.repos.get(run.repo)!;
    const payload = JSON.stringify({
      action,
      workflow_run: this.runBody(run),
      workflow: { id: run.workflow.id, node_id: `W_${run.workflow.id}`, name: run.workflow.name, path: run.workflow.path, state: 'active' },
      repository: { ...this.minimalRepository(stored), default_branch: stored.defaultBranch },
      organization: { login: this.options.org, id: 1 },
      sender: { login: FAKE_ACTOR, type: 'User' },
    });
    this.deliver(target, delivery, payload);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const run of this.runs.values()) clearTimeout(run.timer);
    await this.outbox;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- HTTP

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...headers });
    res.end(text);
  }

  private error(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    const body: BasicError = { message, documentation_url: 'https://docs.github.com/rest' };
    this.send(res, status, body, headers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    // The fake's pages, for people: no token, no rate limit, not counted with the API's requests.
    const page = method === 'GET' ? fakeGitHubPage(url.pathname, () => this.pageState()) : undefined;
    if (page) return void res.writeHead(page.status, PAGE_HEADERS).end(page.html);
    const gitPage = method === 'GET' ? fakeGitPage(url.pathname, this.options.org, (name) => this.gitPageRepository(name)) : undefined;
    if (gitPage) return void res.writeHead(gitPage.status, PAGE_HEADERS).end(gitPage.html);
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');

    // The fake's own control: failure injection for the demo and the tests (no GitHub has it).
    if (url.pathname === '/_fail' && method === 'POST') return this.armFailures(res, body);

    if (this.rateLimit && this.rateLimit.left > 0) {
      this.rateLimit.left -= 1;
      const reset = Math.ceil(Date.now() / 1000) + this.rateLimit.resetInSeconds;
      if (this.rateLimit.kind === 'primary') {
        return this.error(res, 403, 'API rate limit exceeded for installation.', {
          'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(reset),
        });
      }
      return this.error(res, 429, 'You have exceeded a secondary rate limit.', { 'retry-after': String(this.rateLimit.resetInSeconds) });
    }

    const auth = req.headers.authorization ?? '';
    const token = /^(?:bearer|token)\s+(.+)$/i.exec(auth)?.[1];
    const installation = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (installation && method === 'POST') return this.issueInstallationToken(res, token, Number(installation[1]));
    if (!token || !(this.tokens.has(token) || this.installationTokens.has(token))) return this.error(res, 401, 'Bad credentials');
    const headers = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600) };

    // GitHub answers its rate limit to any valid credentials, without counting the call.
    if (url.pathname === '/rate_limit' && method === 'GET') {
      const core = { limit: 5000, remaining: 4999, reset: Math.ceil(Date.now() / 1000) + 3600, used: 1 };
      return this.send(res, 200, { resources: { core }, rate: core }, headers);
    }

    let match = /^\/orgs\/([^/]+)\/repos$/.exec(url.pathname);
    if (match && method === 'GET') {
      if (decodeURIComponent(match[1]!) !== this.options.org) return this.error(res, 404, 'Not Found');
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const all = [...this.repos.values()].sort((a, b) => a.id - b.id);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const items = all.slice((page - 1) * perPage, page * perPage).map((r) => this.minimalRepository(r));
      const links = pageLinks(url, page, last, perPage);
      return this.send(res, 200, items, { ...headers, ...(links.length ? { link: links.join(', ') } : {}) });
    }

    match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!match || decodeURIComponent(match[1]!) !== this.options.org) return this.error(res, 404, 'Not Found');
    const repo = this.repos.get(decodeURIComponent(match[2]!));
    if (!repo) return this.error(res, 404, 'Not Found');
    const rest = match[3] ?? '';
    if (rest.startsWith('/actions/')) return this.actions(res, url, method, repo, rest, body, headers);
    if (this.gitWrites(res, url, method, repo, rest, body, headers)) {
      if (method !== 'GET') this.saveKept(repo);
      return;
    }
    if (method !== 'GET') return this.error(res, 404, 'Not Found');
    if (rest === '') return this.send(res, 200, this.minimalRepository(repo), headers);

    const commit = /^\/commits\/(.+)$/.exec(rest);
    if (commit) {
      const ref = decodeURIComponent(commit[1]!);
      const found = this.resolve(repo, ref);
      if (!found) return this.error(res, 422, `No commit found for SHA: ${ref}`);
      if (/application\/vnd\.github(\.v3)?\.sha/.test(req.headers.accept ?? '')) return this.send(res, 200, found.sha, headers);
      return this.send(res, 200, this.commitBody(repo, found), headers);
    }

    const tree = /^\/git\/trees\/(.+)$/.exec(rest);
    if (tree) {
      const ref = decodeURIComponent(tree[1]!);
      const files = this.filesAt(repo, ref);
      if (!files) {
        // A tree's own sha (one POST /git/trees made, or a commit's tree).
        const made = this.treeFiles(repo, ref);
        if (!made) return this.error(res, 404, 'Not Found');
        return this.send(res, 200, { ...this.tree(repo, ref, made, url.searchParams.has('recursive')), sha: ref, url: `${this.apiOf(repo)}/git/trees/${ref}` }, headers);
      }
      return this.send(res, 200, this.tree(repo, ref, files, url.searchParams.has('recursive')), headers);
    }

    const compare = /^\/compare\/([^/]+?)\.\.\.([^/]+)$/.exec(rest);
    if (compare) return this.compare(res, url, repo, decodeURIComponent(compare[1]!), decodeURIComponent(compare[2]!), headers);

    const contents = /^\/contents\/(.+)$/.exec(rest);
    if (contents) {
      const path = decodeURIComponent(contents[1]!).replace(/\/$/, '');
      const ref = url.searchParams.get('ref');
      const files = this.filesAt(repo, ref);
      if (!files) return this.error(res, 404, `No commit found for the ref ${ref}`);
      const text = files.get(path);
      if (text === undefined) {
        const listing = this.directory(repo, path, files);
        return listing.length ? this.send(res, 200, listing, headers) : this.error(res, 404, 'Not Found');
      }
      const self = `${this.url}/repos/${this.options.org}/${repo.name}/contents/${path}?ref=${repo.defaultBranch}`;
      const file: ContentFile = {
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(text),
        name: path.split('/').pop()!,
        path,
        // GitHub wraps base64 content at 60 characters.
        content: Buffer.from(text).toString('base64').replace(/(.{60})/g, '$1\n'),
        sha: blobSha(text),
        url: self,
        git_url: null,
        html_url: `https://github.com/${this.options.org}/${repo.name}/blob/${repo.defaultBranch}/${path}`,
        download_url: null,
        _links: { git: null, html: null, self },
      };
      return this.send(res, 200, file, headers);
    }
    return this.error(res, 404, 'Not Found');
  }

  /** A directory's entries (files and subdirectories), as the contents API lists them. */
  private directory(repo: StoredRepo, dir: string, files: Map<string, string>): ContentDirectory {
    const prefix = `${dir}/`;
    const entries = new Map<string, 'file' | 'dir'>();
    for (const path of files.keys()) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      entries.set(prefix + (slash < 0 ? rest : rest.slice(0, slash)), slash < 0 ? 'file' : 'dir');
    }
    return [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([path, type]) => {
      const text = files.get(path) ?? '';
      const self = `${this.url}/repos/${this.options.org}/${repo.name}/contents/${path}`;
      return {
        type, path, name: path.split('/').pop()!, size: type === 'file' ? Buffer.byteLength(text) : 0,
        sha: type === 'file' ? blobSha(text) : sha1(`tree:${path}`),
        url: self, git_url: null, html_url: null, download_url: null, _links: { git: null, html: null, self },
      };
    });
  }

  /** A Git tree at a commit: recursive lists every blob and directory below the root. */
  private tree(repo: StoredRepo, ref: string, files: Map<string, string>, recursive: boolean): GitTree {
    const api = `${this.url}/repos/${this.options.org}/${repo.name}/git`;
    const dirs = new Set<string>();
    for (const path of files.keys()) {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    const entries: GitTree['tree'] = [
      ...[...dirs].map((path) => ({ path, mode: '040000', type: 'tree', sha: sha1(`tree:${path}`), url: `${api}/trees/${sha1(`tree:${path}`)}` })),
      ...[...files].map(([path, text]) => ({ path, mode: '100644', type: 'blob', sha: blobSha(text), size: Buffer.byteLength(text), url: `${api}/blobs/${blobSha(text)}` })),
    ].filter((e) => recursive || !e.path.includes('/')).sort((a, b) => a.path.localeCompare(b.path));
    const sha = this.resolve(repo, ref)?.sha ?? repo.head;
    return { sha, url: `${api}/trees/${sha}`, tree: this.truncateTrees ? entries.slice(0, 1) : entries, truncated: this.truncateTrees };
  }

  /** base...head: the commits after base up to head (Link-paginated) and, on the first page, the files that differ. */
  private compare(res: ServerResponse, url: URL, repo: StoredRepo, base: string, head: string, headers: Record<string, string>): void {
    const index = (ref: string) => (ref === repo.defaultBranch ? repo.history.length - 1 : repo.history.findIndex((c) => c.sha === ref));
    const from = index(base);
    const to = index(head);
    if (from < 0 || to < 0) return this.error(res, 404, 'Not Found');
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const commits = repo.history.slice(from + 1, to + 1);
    const last = Math.max(1, Math.ceil(commits.length / perPage));
    const before = repo.history[from]!.files;
    const after = repo.history[to]!.files;
    const files: DiffEntry[] = [];
    for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const a = before.get(path);
      const b = after.get(path);
      if (a === b) continue;
      const status = a === undefined ? 'added' : b === undefined ? 'removed' : 'modified';
      files.push({ sha: blobSha(b ?? ''), filename: path, status, additions: 0, deletions: 0, changes: 0, blob_url: '', raw_url: '', contents_url: '' });
    }
    const links = pageLinks(url, page, last, perPage);
    const compareUrl = `${this.url}/repos/${this.options.org}/${repo.name}/compare/${base}...${head}`;
    const body = {
      // GitHub's comparison carries its url (Octokit's paginate tells a comparison from a search result by it).
      url: compareUrl, html_url: `https://github.com/${this.options.org}/${repo.name}/compare/${base}...${head}`,
      status: to > from ? 'ahead' : to === from ? 'identical' : 'behind',
      ahead_by: Math.max(0, to - from), behind_by: Math.max(0, from - to), total_commits: commits.length,
      commits: commits.slice((page - 1) * perPage, page * perPage).map((c) => ({ sha: c.sha })),
      ...(page === 1 ? { files: files.slice(0, COMPARE_FILE_CAP) } : {}),
    };
    this.send(res, 200, body, { ...headers, ...(links.length ? { link: links.join(', ') } : {}) });
  }

  // ---------------------------------------------------------------- Git writes, branches and pull requests (a GitOps repository)

  /** A branch's head commit (undefined when there is no such branch). */
  branchHead(repoName: string, branch: string): string | undefined {
    const repo = this.repos.get(repoName);
    if (!repo) return undefined;
    return branch === repo.defaultBranch ? repo.head : repo.branches.get(branch);
  }

  /** The commits reached from a branch or commit (default: the default branch), newest first, first parents only. */
  commitLog(repoName: string, ref?: string): Array<{ readonly sha: string; readonly message: string; readonly author: Required<FakeSignature>; readonly parents: readonly string[] }> {
    const repo = this.repos.get(repoName);
    const start = repo && this.resolve(repo, ref ?? null);
    return repo && start ? this.walk(repo, start).map(({ sha, message, author, parents }) => ({ sha, message, author, parents })) : [];
  }

  /** A repository's pull requests as `GET /repos/{o}/{r}/pulls/{n}` answers them, oldest first. */
  pullRequests(repoName: string): FakePullRequest[] {
    const repo = this.repos.get(repoName);
    return repo ? repo.pulls.map((pr) => this.pullBody(repo, pr)) : [];
  }

  /** A pull request's comments (their bodies), oldest first. */
  pullComments(repoName: string, number: number): string[] {
    return this.repos.get(repoName)?.pulls.find((pr) => pr.number === number)?.comments.map((c) => c.body) ?? [];
  }

  /**
   * Keeps a repository's Git state (commits, branches, pull requests) in `file` from now on: written
   * after each write through the API (not after the in-process `commit`/`putRepo`, which tests and seeds use).
   */
  keepRepo(repoName: string, file: string): void {
    this.kept.set(repoName, file);
  }

  /** Restores a repository kept in `file` (replacing what is there); false when the file does not hold it. */
  restoreRepo(repoName: string, file: string): boolean {
    const saved = readKeptFile(file).repos[repoName];
    if (!saved) return false;
    const commits = new Map<string, StoredCommit>();
    for (const [sha, c] of Object.entries(saved.commits)) {
      const files = new Map(Object.entries(c.files).map(([path, blob]) => [path, saved.blobs[blob] ?? '']));
      commits.set(sha, { sha, files, parents: c.parents, message: c.message, author: c.author, committer: c.committer });
    }
    const head = commits.get(saved.head);
    if (!head) return false;
    const existing = this.repos.get(repoName);
    this.repos.set(repoName, {
      id: existing?.id ?? this.nextId++, name: repoName, defaultBranch: saved.defaultBranch, archived: false,
      files: new Map(head.files), head: head.sha, history: saved.history.map((sha) => commits.get(sha)!).filter(Boolean),
      commits, branches: new Map(Object.entries(saved.branches)), pulls: saved.pulls,
    });
    this.nextId = Math.max(this.nextId, ...saved.pulls.flatMap((pr) => [pr.id, ...pr.comments.map((c) => c.id)]).map((id) => id + 1));
    return true;
  }

  private saveKept(repo: StoredRepo): void {
    const file = this.kept.get(repo.name);
    if (!file) return;
    const blobs: Record<string, string> = {};
    const commits: KeptRepo['commits'] = {};
    for (const [sha, c] of repo.commits) {
      const files: Record<string, string> = {};
      for (const [path, text] of c.files) {
        const blob = blobSha(text);
        blobs[blob] = text;
        files[path] = blob;
      }
      commits[sha] = { parents: c.parents, message: c.message, author: c.author, committer: c.committer, files };
    }
    const state = readKeptFile(file);
    state.repos[repo.name] = {
      defaultBranch: repo.defaultBranch, head: repo.head, history: repo.history.map((c) => c.sha),
      branches: Object.fromEntries(repo.branches), pulls: repo.pulls, commits, blobs,
    };
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
    renameSync(temp, file);
  }

  /** What the Git pages (github-git-pages.ts) show of a repository, read when a page is asked for. */
  private gitPageRepository(name: string): PageRepository | undefined {
    const repo = this.repos.get(name);
    if (!repo) return undefined;
    const view = ({ sha, message, author, committer, parents }: StoredCommit): PageCommit => ({ sha, message, author, committer, parents });
    const diffOf = (before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>) =>
      [...new Set([...before.keys(), ...after.keys()])].sort().map((path) => unifiedDiff(path, before.get(path), after.get(path))).join('');
    const pullView = (pr: StoredPull) => {
      const body = this.pullBody(repo, pr);
      return {
        number: pr.number, title: pr.title, body: pr.body, state: pr.state, merged: pr.merged, mergeable: body.mergeable, head: pr.head, base: pr.base,
        headSha: body.head.sha, mergeCommitSha: pr.mergeCommitSha, createdAt: pr.createdAt, updatedAt: pr.updatedAt, comments: pr.comments,
      };
    };
    return {
      name: repo.name,
      defaultBranch: repo.defaultBranch,
      branches: [{ name: repo.defaultBranch, sha: repo.head }, ...[...repo.branches].map(([branch, sha]) => ({ name: branch, sha }))],
      commits: [...repo.history].reverse().map(view),
      pulls: [...repo.pulls].reverse().map(pullView),
      commit: (sha) => {
        const commit = repo.commits.get(sha);
        return commit && { commit: view(commit), diff: diffOf(repo.commits.get(commit.parents[0] ?? '')?.files ?? new Map(), commit.files) };
      },
      pull: (number) => {
        const pr = repo.pulls.find((p) => p.number === number);
        if (!pr) return undefined;
        const pull = pullView(pr);
        const merge = this.mergeOf(repo, pull.headSha, pr.merged ? repo.commits.get(pr.mergeCommitSha!)?.parents[0] ?? repo.head : this.resolve(repo, pr.base)?.sha ?? repo.head);
        return { pull, commits: merge.commits.map(view), diff: diffOf(merge.mergeBase, repo.commits.get(pull.headSha)!.files) };
      },
    };
  }

  /** Contents writes, commit listings, branch refs, pull requests and their comments; false when `rest` is none of these. */
  private gitWrites(res: ServerResponse, url: URL, method: string, repo: StoredRepo, rest: string, body: string, headers: Record<string, string>): boolean {
    const on = (verb: string, pattern: RegExp): RegExpExecArray | null => (method === verb ? pattern.exec(rest) : null);
    let m: RegExpExecArray | null;
    if ((m = on('PUT', /^\/contents\/(.+)$/))) this.putContents(res, repo, decodeURIComponent(m[1]!).replace(/^\/+|\/+$/g, ''), body, headers);
    else if (on('GET', /^\/commits$/)) this.listCommits(res, url, repo, headers);
    else if ((m = on('GET', /^\/git\/ref\/(.+)$/))) this.getRef(res, repo, decodeURIComponent(m[1]!), headers);
    else if (on('POST', /^\/git\/refs$/)) this.createRef(res, repo, body, headers);
    else if ((m = on('PATCH', /^\/git\/refs\/(.+)$/))) this.updateRef(res, repo, decodeURIComponent(m[1]!), body, headers);
    else if (on('POST', /^\/git\/trees$/)) this.createTree(res, repo, body, headers);
    else if (on('POST', /^\/git\/commits$/)) this.createCommit(res, repo, body, headers);
    else if ((m = on('GET', /^\/git\/commits\/([0-9a-f]{40})$/))) {
      const commit = repo.commits.get(m[1]!);
      if (commit) this.send(res, 200, this.gitCommitBody(repo, commit), headers);
      else this.error(res, 404, 'Not Found');
    }
    else if ((m = on('DELETE', /^\/git\/refs\/(.+)$/))) this.deleteRef(res, repo, decodeURIComponent(m[1]!), headers);
    else if (on('POST', /^\/pulls$/)) this.createPull(res, repo, body, headers);
    else if (on('GET', /^\/pulls$/)) this.listPulls(res, url, repo, headers);
    else if ((m = /^\/(pulls|issues)\/(\d+)(\/merge|\/comments)?$/.exec(rest))) {
      const pr = repo.pulls.find((p) => p.number === Number(m![2]));
      const what = `${m[1]} ${m[3] ?? ''}`;
      if (!pr) this.error(res, 404, 'Not Found');
      else if (what === 'pulls ' && method === 'GET') this.send(res, 200, this.pullBody(repo, pr), headers);
      else if (what === 'pulls ' && method === 'PATCH') this.updatePull(res, repo, pr, body, headers);
      else if (what === 'pulls /merge' && method === 'PUT') this.mergePull(res, repo, pr, body, headers);
      // "Check if a pull request has been merged": 204 yes, 404 no.
      else if (what === 'pulls /merge' && method === 'GET' && pr.merged) this.send(res, 204, '', headers);
      else if (what === 'pulls /merge' && method === 'GET') this.error(res, 404, 'Not Found');
      else if (what === 'issues /comments' && method === 'POST') this.comment(res, repo, pr, body, headers);
      else if (what === 'issues /comments' && method === 'GET') this.send(res, 200, pr.comments.map((c) => this.commentBody(repo, pr, c)), headers);
      else this.error(res, 404, 'Not Found');
    } else return false;
    return true;
  }

  private apiOf(repo: StoredRepo): string {
    return `${this.url}/repos/${this.options.org}/${repo.name}`;
  }

  /** The repository's pages on this fake (GitHub's html_url points at github.com; these open locally). */
  private webOf(repo: StoredRepo): string {
    return `${this.url}/${this.options.org}/${repo.name}`;
  }

  /** A JSON body, or undefined once a 400 has been sent. */
  private jsonBody(res: ServerResponse, text: string): Record<string, unknown> | undefined {
    try {
      const value = JSON.parse(text || '{}') as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // answered below
    }
    this.error(res, 400, 'Problems parsing JSON');
    return undefined;
  }

  /** GitHub's 422 "Validation Failed" with its errors list. */
  private invalid(res: ServerResponse, errors: ReadonlyArray<{ resource: string; code: string; field?: string; message?: string }>): void {
    this.send(res, 422, { message: 'Validation Failed', errors, documentation_url: 'https://docs.github.com/rest' });
  }

  private signature(value: unknown): FakeSignature | undefined | null {
    if (value === undefined || value === null) return undefined;
    const v = value as { name?: unknown; email?: unknown; date?: unknown };
    if (typeof v !== 'object' || typeof v.name !== 'string' || !v.name || typeof v.email !== 'string' || !v.email) return null;
    return { name: v.name, email: v.email, ...(typeof v.date === 'string' ? { date: v.date } : {}) };
  }

  /** `PUT /contents/{path}`: creates (201) or updates (200, with the blob sha it replaces) one file in a new commit. */
  private putContents(res: ServerResponse, repo: StoredRepo, path: string, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    const branch = typeof body.branch === 'string' && body.branch ? body.branch.replace(/^refs\/heads\//, '') : repo.defaultBranch;
    const head = branch === repo.defaultBranch ? repo.commits.get(repo.head) : repo.commits.get(repo.branches.get(branch) ?? '');
    if (!head) return this.error(res, 404, `Branch ${branch} not found`);
    if (typeof body.message !== 'string' || !body.message) return this.error(res, 422, 'Invalid request.\n\n"message" wasn\'t supplied.');
    if (typeof body.content !== 'string') return this.error(res, 422, 'Invalid request.\n\n"content" wasn\'t supplied.');
    if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(body.content)) return this.error(res, 422, 'content is not valid Base64');
    const author = this.signature(body.author);
    const committer = this.signature(body.committer);
    if (author === null || committer === null) return this.error(res, 422, 'Invalid request.\n\n"name", "email" weren\'t supplied.');
    const existing = head.files.get(path);
    if (existing !== undefined) {
      if (typeof body.sha !== 'string' || !body.sha) return this.error(res, 422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
      if (body.sha !== blobSha(existing)) return this.error(res, 409, `${path} does not match ${body.sha}`);
    }
    const written = Buffer.from(body.content, 'base64').toString('utf8');
    const files = new Map(head.files).set(path, written);
    const by = committer ?? FAKE_BOT;
    const before = repo.head;
    const commit = this.record(repo, files, { message: body.message, author: author ?? by, committer: by, branch });
    if (branch === repo.defaultBranch) this.notifyPush(repo, before, commit, [path], existing === undefined ? 'added' : 'modified');
    const api = this.apiOf(repo);
    const blob = blobSha(written);
    const self = `${api}/contents/${path}?ref=${branch}`;
    const html = `${this.webOf(repo)}/blob/${branch}/${path}`;
    const answer: FileCommit = {
      content: {
        name: path.split('/').pop()!, path, sha: blob, size: Buffer.byteLength(written), url: self, html_url: html,
        git_url: `${api}/git/blobs/${blob}`, type: 'file', _links: { self, git: `${api}/git/blobs/${blob}`, html },
      },
      commit: this.gitCommitBody(repo, commit),
    };
    this.send(res, existing === undefined ? 201 : 200, answer, headers);
  }

  /** A commit as the Git database API (and a contents write) answers it. */
  private gitCommitBody(repo: StoredRepo, commit: StoredCommit): FileCommit['commit'] {
    const api = this.apiOf(repo);
    const tree = treeSha(commit.files);
    return {
      sha: commit.sha, node_id: `C_${commit.sha.slice(0, 16)}`, url: `${api}/git/commits/${commit.sha}`, html_url: `${this.webOf(repo)}/commit/${commit.sha}`,
      author: commit.author, committer: commit.committer, message: commit.message, tree: { sha: tree, url: `${api}/git/trees/${tree}` },
      parents: commit.parents.map((sha) => ({ sha, url: `${api}/git/commits/${sha}`, html_url: `${this.webOf(repo)}/commit/${sha}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  /** A commit as `GET /commits` and `GET /commits/{ref}` answer it. */
  private commitBody(repo: StoredRepo, commit: StoredCommit): Commit {
    const api = this.apiOf(repo);
    const tree = treeSha(commit.files);
    return {
      url: `${api}/commits/${commit.sha}`, sha: commit.sha, node_id: `C_${commit.sha.slice(0, 16)}`, html_url: `${this.webOf(repo)}/commit/${commit.sha}`,
      comments_url: `${api}/commits/${commit.sha}/comments`,
      commit: {
        url: `${api}/git/commits/${commit.sha}`, author: commit.author, committer: commit.committer, message: commit.message, comment_count: 0,
        tree: { sha: tree, url: `${api}/git/trees/${tree}` },
      },
      // The signatures' emails belong to no GitHub account here.
      author: null, committer: null,
      parents: commit.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `${this.webOf(repo)}/commit/${sha}` })),
    };
  }

  /** The commits from `start` back, newest first, along first parents. */
  private walk(repo: StoredRepo, start: StoredCommit): StoredCommit[] {
    const out: StoredCommit[] = [];
    for (let c: StoredCommit | undefined = start; c; c = repo.commits.get(c.parents[0] ?? '')) out.push(c);
    return out;
  }

  /** Whether a commit changed `path` (a file, or anything below a directory) from its first parent. */
  private touches(repo: StoredRepo, commit: StoredCommit, path: string): boolean {
    const parent = repo.commits.get(commit.parents[0] ?? '')?.files ?? new Map<string, string>();
    const under = (p: string) => p === path || p.startsWith(`${path}/`);
    for (const p of new Set([...commit.files.keys(), ...parent.keys()])) if (under(p) && commit.files.get(p) !== parent.get(p)) return true;
    return false;
  }

  /** `GET /commits?sha=&path=&since=&until=&per_page=&page=`: newest first, Link-paginated. */
  private listCommits(res: ServerResponse, url: URL, repo: StoredRepo, headers: Record<string, string>): void {
    const q = url.searchParams;
    const start = this.resolve(repo, q.get('sha'));
    if (!start) return this.error(res, 404, `No commit found for SHA: ${q.get('sha')}`);
    const path = (q.get('path') ?? '').replace(/^\/+|\/+$/g, '');
    const since = q.get('since') ? Date.parse(q.get('since')!) : undefined;
    const until = q.get('until') ? Date.parse(q.get('until')!) : undefined;
    const all = this.walk(repo, start)
      .filter((c) => !path || this.touches(repo, c, path))
      .filter((c) => (since === undefined || Date.parse(c.committer.date) >= since) && (until === undefined || Date.parse(c.committer.date) <= until));
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30)));
    const page = Math.max(1, Number(q.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const links = pageLinks(url, page, last, perPage);
    this.send(res, 200, all.slice((page - 1) * perPage, page * perPage).map((c) => this.commitBody(repo, c)), { ...headers, ...(links.length ? { link: links.join(', ') } : {}) });
  }

  private refBody(repo: StoredRepo, branch: string, sha: string): GitRef {
    const api = this.apiOf(repo);
    return { ref: `refs/heads/${branch}`, node_id: `REF_${sha1(`${repo.name}:${branch}`).slice(0, 16)}`, url: `${api}/git/refs/heads/${branch}`, object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` } };
  }

  /** `GET /git/ref/heads/{branch}` (branches only: the fake keeps no tags). */
  private getRef(res: ServerResponse, repo: StoredRepo, ref: string, headers: Record<string, string>): void {
    const branch = /^heads\/(.+)$/.exec(ref)?.[1];
    const sha = branch && (branch === repo.defaultBranch ? repo.head : repo.branches.get(branch));
    if (!branch || !sha) return this.error(res, 404, 'Not Found');
    this.send(res, 200, this.refBody(repo, branch, sha), headers);
  }

  /** `POST /git/refs {ref: "refs/heads/<branch>", sha}`: a new branch at a commit. */
  private createRef(res: ServerResponse, repo: StoredRepo, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    const { ref, sha } = body as { ref?: unknown; sha?: unknown };
    if (typeof ref !== 'string' || !ref.startsWith('refs/') || ref.split('/').length < 3) return this.error(res, 422, "Reference name must start with 'refs/' and have at least two slashes.");
    const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
    if (!branch) return this.error(res, 422, `${ref} is not a branch (this LOCAL FAKE GitHub keeps branches only)`);
    if (!validBranchName(branch)) return this.error(res, 422, `${ref} is not a valid ref name.`);
    if (typeof sha !== 'string' || !repo.commits.has(sha)) return this.error(res, 422, 'Object does not exist');
    if (branch === repo.defaultBranch || repo.branches.has(branch)) return this.error(res, 422, 'Reference already exists');
    repo.branches.set(branch, sha);
    this.send(res, 201, this.refBody(repo, branch, sha), headers);
  }

  /** The files of a tree: one `POST /git/trees` made, or a commit's (found by its tree's sha, then kept). */
  private treeFiles(repo: StoredRepo, sha: string): Map<string, string> | undefined {
    const made = this.trees.get(sha);
    if (made) return made;
    for (const commit of repo.commits.values()) {
      if (treeSha(commit.files) !== sha) continue;
      this.trees.set(sha, commit.files);
      return commit.files;
    }
    return undefined;
  }

  /** `POST /git/trees {base_tree, tree: [{path, mode, type: "blob", content | sha}]}`: 201; `sha: null` deletes the path. */
  private createTree(res: ServerResponse, repo: StoredRepo, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    const { base_tree: baseTree, tree } = body as { base_tree?: unknown; tree?: unknown };
    const base = typeof baseTree === 'string' ? this.treeFiles(repo, baseTree) ?? this.resolve(repo, baseTree)?.files : undefined;
    if (baseTree !== undefined && !base) return this.invalid(res, [{ resource: 'Tree', field: 'base_tree', code: 'invalid', message: 'base_tree is not a valid tree oid' }]);
    if (!Array.isArray(tree)) return this.error(res, 422, 'Invalid request.\n\n"tree" wasn\'t supplied.');
    const files = new Map(base ?? []);
    for (const entry of tree as Array<Record<string, unknown>>) {
      const { path, mode, type, content, sha } = entry ?? {};
      if (typeof path !== 'string' || !path || path.startsWith('/') || path.endsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..')) {
        return this.invalid(res, [{ resource: 'Tree', field: 'path', code: 'invalid', message: `tree.path ${JSON.stringify(path)} is not a valid path` }]);
      }
      if (type !== 'blob') return this.error(res, 422, `tree.type ${JSON.stringify(type)}: this LOCAL FAKE GitHub writes blobs only`);
      if (!['100644', '100755', '120000'].includes(String(mode))) return this.error(res, 422, `tree.mode ${JSON.stringify(mode)} is not a blob's mode`);
      if (sha === null) {
        files.delete(path);
      } else if (typeof content === 'string') {
        files.set(path, content);
      } else if (typeof sha === 'string') {
        const blob = [...repo.commits.values()].flatMap((c) => [...c.files.values()]).find((t) => blobSha(t) === sha);
        if (blob === undefined) return this.error(res, 422, `tree.sha ${sha} is not a valid blob`);
        files.set(path, blob);
      } else {
        return this.error(res, 422, 'Must supply either tree.sha or tree.content');
      }
    }
    const sha = treeSha(files);
    this.trees.set(sha, files);
    this.send(res, 201, { ...this.tree(repo, sha, files, false), sha, url: `${this.apiOf(repo)}/git/trees/${sha}` }, headers);
  }

  /** `POST /git/commits {message, tree, parents, author, committer}`: 201; a commit no branch points at until a ref is made or moved to it. */
  private createCommit(res: ServerResponse, repo: StoredRepo, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    const { message, tree, parents } = body as { message?: unknown; tree?: unknown; parents?: unknown };
    if (typeof message !== 'string') return this.error(res, 422, 'Invalid request.\n\n"message" wasn\'t supplied.');
    const files = typeof tree === 'string' ? this.treeFiles(repo, tree) : undefined;
    if (!files) return this.error(res, 422, 'Tree SHA does not exist');
    const parentShas = parents === undefined ? [] : parents;
    if (!Array.isArray(parentShas) || parentShas.some((p) => typeof p !== 'string' || !repo.commits.has(p))) return this.error(res, 422, 'Parent SHA does not exist or is not a commit object');
    const author = this.signature(body.author);
    const committer = this.signature(body.committer);
    if (author === null || committer === null) return this.error(res, 422, 'Invalid request.\n\n"name", "email" weren\'t supplied.');
    const now = new Date().toISOString();
    const by = { ...(committer ?? author ?? FAKE_BOT), date: committer?.date ?? author?.date ?? now };
    const commit: StoredCommit = {
      sha: sha1(JSON.stringify([repo.name, parentShas, treeSha(files), message, by, Math.random()])), files: new Map(files), parents: parentShas as string[], message,
      author: { ...(author ?? by), date: author?.date ?? by.date }, committer: by,
    };
    repo.commits.set(commit.sha, commit);
    this.send(res, 201, this.gitCommitBody(repo, commit), headers);
  }

  /** `PATCH /git/refs/heads/{branch} {sha, force}`: 200; 422 when the branch or commit does not exist, or the move is not a fast forward unless forced. */
  private updateRef(res: ServerResponse, repo: StoredRepo, ref: string, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    const branch = /^heads\/(.+)$/.exec(ref)?.[1];
    const current = branch && (branch === repo.defaultBranch ? repo.head : repo.branches.get(branch));
    if (!branch || !current) return this.error(res, 422, 'Reference does not exist');
    const target = typeof body.sha === 'string' ? repo.commits.get(body.sha) : undefined;
    if (!target) return this.error(res, 422, 'Object does not exist');
    if (body.force !== true && !this.ancestors(repo, target.sha).has(current)) return this.error(res, 422, 'Update is not a fast forward');
    if (branch === repo.defaultBranch) {
      const before = repo.commits.get(current)!;
      repo.head = target.sha;
      repo.files = new Map(target.files);
      repo.history = this.walk(repo, target).reverse();
      const changed = [...new Set([...before.files.keys(), ...target.files.keys()])].filter((p) => before.files.get(p) !== target.files.get(p)).sort();
      if (target.sha !== before.sha) this.notifyPush(repo, before.sha, target, changed, 'modified');
    } else {
      repo.branches.set(branch, target.sha);
    }
    this.send(res, 200, this.refBody(repo, branch, target.sha), headers);
  }

  /** `DELETE /git/refs/heads/{branch}`: 204; an open pull request from it is closed, as GitHub does. */
  private deleteRef(res: ServerResponse, repo: StoredRepo, ref: string, headers: Record<string, string>): void {
    const branch = /^heads\/(.+)$/.exec(ref)?.[1];
    if (branch === repo.defaultBranch) return this.error(res, 422, 'Cannot delete the default branch');
    const sha = branch && repo.branches.get(branch);
    if (!branch || !sha) return this.error(res, 422, 'Reference does not exist');
    repo.branches.delete(branch);
    const now = new Date().toISOString();
    for (const pr of repo.pulls.filter((p) => p.head === branch && p.state === 'open')) Object.assign(pr, { state: 'closed', closedAt: now, updatedAt: now, headSha: sha });
    res.writeHead(204, headers);
    res.end();
  }

  /** An open pull request's head follows its branch; a closed one keeps the commit it ended at. */
  private headOfPull(repo: StoredRepo, pr: StoredPull): string {
    return (pr.state === 'open' && repo.branches.get(pr.head)) || pr.headSha;
  }

  private ancestors(repo: StoredRepo, sha: string): Set<string> {
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(repo.commits.get(next)?.parents ?? []));
    }
    return seen;
  }

  /**
   * What merging `head` into `base` gives: the head's commits not on the base (newest first), the
   * files the head changed since their merge base, the base's files with those changes, and the
   * files both sides changed differently (conflicts).
   */
  private mergeOf(repo: StoredRepo, headSha: string, baseSha: string): { commits: StoredCommit[]; changed: string[]; files: Map<string, string>; conflicts: string[]; mergeBase: Map<string, string> } {
    const onBase = this.ancestors(repo, baseSha);
    const commits = [...this.ancestors(repo, headSha)].filter((sha) => !onBase.has(sha)).map((sha) => repo.commits.get(sha)!);
    // The merge base: the first commit back from the head (breadth first) the base also has.
    let mergeBase: Map<string, string> = new Map();
    const queue = [headSha];
    const seen = new Set<string>();
    while (queue.length) {
      const sha = queue.shift()!;
      if (seen.has(sha)) continue;
      seen.add(sha);
      if (onBase.has(sha)) { mergeBase = repo.commits.get(sha)!.files; break; }
      queue.push(...(repo.commits.get(sha)?.parents ?? []));
    }
    const head = repo.commits.get(headSha)!.files;
    const base = repo.commits.get(baseSha)!.files;
    const files = new Map(base);
    const changed: string[] = [];
    const conflicts: string[] = [];
    for (const path of [...new Set([...head.keys(), ...mergeBase.keys()])].sort()) {
      const mine = head.get(path);
      const original = mergeBase.get(path);
      if (mine === original) continue;
      changed.push(path);
      const theirs = base.get(path);
      if (theirs !== original && theirs !== mine) conflicts.push(path);
      else if (mine === undefined) files.delete(path);
      else files.set(path, mine);
    }
    commits.sort((a, b) => Date.parse(b.committer.date) - Date.parse(a.committer.date));
    return { commits, changed, files, conflicts, mergeBase };
  }

  private botUser(): SimpleUser {
    return { ...this.owner(), login: FAKE_BOT.name, id: 2, node_id: 'U_fake_bot', html_url: `https://github.com/${FAKE_BOT.name}`, type: 'Bot' };
  }

  /** A pull request in GitHub's shape (the head and base repositories as minimal repositories). */
  private pullBody(repo: StoredRepo, pr: StoredPull): FakePullRequest {
    const api = this.apiOf(repo);
    const self = `${api}/pulls/${pr.number}`;
    const html = `${this.webOf(repo)}/pull/${pr.number}`;
    const headSha = this.headOfPull(repo, pr);
    const baseSha = (pr.base === repo.defaultBranch ? repo.head : repo.branches.get(pr.base)) ?? repo.head;
    const merge = this.mergeOf(repo, headSha, pr.merged ? repo.commits.get(pr.mergeCommitSha!)?.parents[0] ?? baseSha : baseSha);
    let additions = 0;
    let deletions = 0;
    for (const path of merge.changed) {
      for (const line of unifiedDiff(path, merge.mergeBase.get(path), repo.commits.get(headSha)!.files.get(path)).split('\n').slice(2)) {
        if (line.startsWith('+')) additions++;
        else if (line.startsWith('-')) deletions++;
      }
    }
    const user = this.botUser();
    const minimal = this.minimalRepository(repo);
    const link = (href: string) => ({ href });
    const open = pr.state === 'open';
    return {
      url: self, id: pr.id, node_id: `PR_${pr.id}`, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${pr.number}`, commits_url: `${self}/commits`, review_comments_url: `${self}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`, comments_url: `${api}/issues/${pr.number}/comments`, statuses_url: `${api}/statuses/${headSha}`,
      number: pr.number, state: pr.state, locked: false, title: pr.title, user, body: pr.body, labels: [], milestone: null,
      created_at: pr.createdAt, updated_at: pr.updatedAt, closed_at: pr.closedAt, merged_at: pr.mergedAt, merge_commit_sha: pr.mergeCommitSha,
      assignee: null, assignees: [], requested_reviewers: [], requested_teams: [],
      head: { label: `${this.options.org}:${pr.head}`, ref: pr.head, repo: minimal, sha: headSha, user: this.owner() },
      base: { label: `${this.options.org}:${pr.base}`, ref: pr.base, repo: minimal, sha: baseSha, user: this.owner() },
      _links: {
        comments: link(`${api}/issues/${pr.number}/comments`), commits: link(`${self}/commits`), statuses: link(`${api}/statuses/${headSha}`), html: link(html),
        issue: link(`${api}/issues/${pr.number}`), review_comments: link(`${self}/comments`), review_comment: link(`${api}/pulls/comments{/number}`), self: link(self),
      },
      author_association: 'MEMBER', auto_merge: null, draft: false,
      merged: pr.merged, mergeable: open ? merge.conflicts.length === 0 : null, rebaseable: open ? merge.conflicts.length === 0 : null,
      mergeable_state: open ? (merge.conflicts.length ? 'dirty' : 'clean') : 'unknown', merged_by: pr.merged ? user : null,
      comments: pr.comments.length, review_comments: 0, maintainer_can_modify: false,
      commits: merge.commits.length, additions, deletions, changed_files: merge.changed.length,
    };
  }

  /** `head` as `owner:branch` or `branch`; undefined when it names another owner (forks are not kept here). */
  private headBranch(head: string): string | undefined {
    const colon = head.indexOf(':');
    if (colon < 0) return head;
    return head.slice(0, colon) === this.options.org ? head.slice(colon + 1) : undefined;
  }

  /** `POST /pulls {title, head, base, body}`: 201; 422 when one is open for the same head and base, or nothing is to merge. */
  private createPull(res: ServerResponse, repo: StoredRepo, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    const { title, head, base } = body as { title?: unknown; head?: unknown; base?: unknown };
    if (typeof title !== 'string' || !title) return this.invalid(res, [{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    const baseSha = typeof base === 'string' ? (base === repo.defaultBranch ? repo.head : repo.branches.get(base)) : undefined;
    if (typeof base !== 'string' || !baseSha) return this.invalid(res, [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    const branch = typeof head === 'string' ? this.headBranch(head) : undefined;
    const headSha = branch && repo.branches.get(branch);
    if (!branch || !headSha) return this.invalid(res, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    if (repo.pulls.some((p) => p.state === 'open' && p.head === branch && p.base === base)) {
      return this.invalid(res, [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.options.org}:${branch}.` }]);
    }
    if (this.mergeOf(repo, headSha, baseSha).commits.length === 0) return this.invalid(res, [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${branch}` }]);
    const now = new Date().toISOString();
    const pr: StoredPull = {
      number: repo.pulls.length + 1, id: this.nextId++, title, body: typeof body.body === 'string' ? body.body : null, head: branch, base,
      state: 'open', merged: false, mergeCommitSha: null, headSha, createdAt: now, updatedAt: now, closedAt: null, mergedAt: null, comments: [],
    };
    repo.pulls.push(pr);
    this.send(res, 201, this.pullBody(repo, pr), headers);
  }

  /** `GET /pulls?state=open|closed|all&head=owner:branch&base=&sort=&direction=`: newest first, Link-paginated, without the single pull request's merge fields (as GitHub lists them). */
  private listPulls(res: ServerResponse, url: URL, repo: StoredRepo, headers: Record<string, string>): void {
    const q = url.searchParams;
    const state = q.get('state') ?? 'open';
    const head = q.get('head');
    const branch = head === null ? undefined : this.headBranch(head);
    const ascending = q.get('direction') === 'asc' || (q.get('direction') === null && q.get('sort') === 'popularity');
    const key = (pr: StoredPull) => (q.get('sort') === 'updated' ? pr.updatedAt : pr.createdAt);
    const all = repo.pulls
      .filter((pr) => state === 'all' || pr.state === state)
      .filter((pr) => head === null || pr.head === branch)
      .filter((pr) => !q.get('base') || pr.base === q.get('base'))
      .sort((a, b) => (ascending ? 1 : -1) * (key(a).localeCompare(key(b)) || a.number - b.number));
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30)));
    const page = Math.max(1, Number(q.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const links = pageLinks(url, page, last, perPage);
    const items = all.slice((page - 1) * perPage, page * perPage).map((pr) => {
      const {
        merged: _merged, mergeable: _mergeable, rebaseable: _rebaseable, mergeable_state: _state, merged_by: _by, comments: _comments,
        review_comments: _reviewComments, maintainer_can_modify: _modify, commits: _commits, additions: _additions, deletions: _deletions, changed_files: _files, ...simple
      } = this.pullBody(repo, pr);
      return simple;
    });
    this.send(res, 200, items, { ...headers, ...(links.length ? { link: links.join(', ') } : {}) });
  }

  /** `PATCH /pulls/{n} {title, body, state, base}`. */
  private updatePull(res: ServerResponse, repo: StoredRepo, pr: StoredPull, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    const now = new Date().toISOString();
    if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') return this.invalid(res, [{ resource: 'PullRequest', field: 'state', code: 'invalid' }]);
    if (body.state === 'open' && pr.state === 'closed') {
      const sha = repo.branches.get(pr.head);
      if (pr.merged) return this.invalid(res, [{ resource: 'PullRequest', code: 'custom', field: 'state', message: 'state cannot be changed. The pull request has been merged.' }]);
      if (!sha) return this.invalid(res, [{ resource: 'PullRequest', code: 'custom', field: 'state', message: `state cannot be changed. The ${pr.head} branch has been deleted.` }]);
      if (repo.pulls.some((p) => p !== pr && p.state === 'open' && p.head === pr.head && p.base === pr.base)) {
        return this.invalid(res, [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.options.org}:${pr.head}.` }]);
      }
      Object.assign(pr, { state: 'open', closedAt: null });
    } else if (body.state === 'closed' && pr.state === 'open') {
      Object.assign(pr, { state: 'closed', closedAt: now, headSha: this.headOfPull(repo, pr) });
    }
    if (typeof body.title === 'string' && body.title) pr.title = body.title;
    if (typeof body.body === 'string') pr.body = body.body;
    if (typeof body.base === 'string' && body.base) {
      if (body.base !== repo.defaultBranch && !repo.branches.has(body.base)) return this.invalid(res, [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      pr.base = body.base;
    }
    pr.updatedAt = now;
    this.send(res, 200, this.pullBody(repo, pr), headers);
  }

  /**
   * `PUT /pulls/{n}/merge {merge_method, commit_title, commit_message, sha}`: a squash is one new commit
   * on the base with the head's changes (a merge, a commit with both parents); 405 when the pull request
   * is closed, merged or conflicts with its base, 409 when `sha` is not its head any more.
   */
  private mergePull(res: ServerResponse, repo: StoredRepo, pr: StoredPull, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    const method = body.merge_method ?? 'merge';
    if (method !== 'merge' && method !== 'squash' && method !== 'rebase') {
      return this.error(res, 422, `Invalid request.\n\nFor 'properties/merge_method', ${JSON.stringify(method)} is not one of ["merge", "squash", "rebase"].`);
    }
    if (pr.state !== 'open') return this.error(res, 405, 'Pull Request is not mergeable');
    if (method === 'rebase') return this.error(res, 405, 'Rebase merges are not allowed on this repository.');
    const headSha = this.headOfPull(repo, pr);
    if (typeof body.sha === 'string' && body.sha !== headSha) return this.error(res, 409, 'Head branch was modified. Review and try the merge again.');
    const baseSha = pr.base === repo.defaultBranch ? repo.head : repo.branches.get(pr.base);
    if (!baseSha) return this.error(res, 405, 'Pull Request is not mergeable');
    const merge = this.mergeOf(repo, headSha, baseSha);
    if (merge.conflicts.length || merge.commits.length === 0) return this.error(res, 405, 'Pull Request is not mergeable');
    const title = typeof body.commit_title === 'string' && body.commit_title ? body.commit_title
      : method === 'squash' ? `${pr.title} (#${pr.number})` : `Merge pull request #${pr.number} from ${this.options.org}/${pr.head}`;
    const details = typeof body.commit_message === 'string' ? body.commit_message
      : method === 'squash' ? merge.commits.map((c) => `* ${c.message}`).reverse().join('\n\n') : pr.title;
    // GitHub commits a web merge as itself, with the pull request's (oldest) commit's author.
    const author = merge.commits[merge.commits.length - 1]!.author;
    const before = repo.head;
    const commit = this.record(repo, merge.files, {
      message: details ? `${title}\n\n${details}` : title, author: { name: author.name, email: author.email },
      committer: { name: 'GitHub', email: 'noreply@github.com' }, branch: pr.base,
    }, method === 'merge' ? headSha : undefined);
    const now = new Date().toISOString();
    Object.assign(pr, { state: 'closed', merged: true, mergeCommitSha: commit.sha, headSha, mergedAt: now, closedAt: now, updatedAt: now });
    if (pr.base === repo.defaultBranch) this.notifyPush(repo, before, commit, merge.changed, 'modified');
    this.send(res, 200, { sha: commit.sha, merged: true, message: 'Pull Request successfully merged' } satisfies MergeResult, headers);
  }

  private commentBody(repo: StoredRepo, pr: StoredPull, comment: StoredPull['comments'][number]): IssueComment {
    const api = this.apiOf(repo);
    return {
      id: comment.id, node_id: `IC_${comment.id}`, url: `${api}/issues/comments/${comment.id}`, body: comment.body,
      html_url: `${this.webOf(repo)}/pull/${pr.number}#issuecomment-${comment.id}`, user: this.botUser(),
      created_at: comment.createdAt, updated_at: comment.createdAt, issue_url: `${api}/issues/${pr.number}`, author_association: 'MEMBER',
    };
  }

  /** `POST /issues/{n}/comments {body}` on a pull request: 201. */
  private comment(res: ServerResponse, repo: StoredRepo, pr: StoredPull, text: string, headers: Record<string, string>): void {
    const body = this.jsonBody(res, text);
    if (!body) return;
    if (typeof body.body !== 'string' || !body.body) return this.invalid(res, [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
    const comment = { id: this.nextId++, body: body.body, createdAt: new Date().toISOString() };
    pr.comments.push(comment);
    pr.updatedAt = comment.createdAt;
    this.send(res, 201, this.commentBody(repo, pr, comment), headers);
  }

  private issueInstallationToken(res: ServerResponse, jwt: string | undefined, installationId: number): void {
    const app = this.options.app;
    if (!app || installationId !== app.installationId) return this.error(res, 404, 'Not Found');
    if (!jwt || !verifyAppJwt(jwt, app)) return this.error(res, 401, 'A JSON web token could not be decoded');
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    this.installationTokens.add(token);
    const body: InstallationToken = { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), repository_selection: 'all' };
    this.send(res, 201, body);
  }

  private owner(): SimpleUser {
    const login = this.options.org;
    const base = `${this.url}/users/${login}`;
    return {
      login, id: 1, node_id: 'O_fake', avatar_url: '', gravatar_id: null, url: base, html_url: `https://github.com/${login}`,
      followers_url: `${base}/followers`, following_url: `${base}/following{/other_user}`, gists_url: `${base}/gists{/gist_id}`,
      starred_url: `${base}/starred{/owner}{/repo}`, subscriptions_url: `${base}/subscriptions`, organizations_url: `${base}/orgs`,
      repos_url: `${base}/repos`, events_url: `${base}/events{/privacy}`, received_events_url: `${base}/received_events`,
      type: 'Organization', site_admin: false,
    };
  }

  private minimalRepository(repo: StoredRepo): MinimalRepository {
    const full = `${this.options.org}/${repo.name}`;
    const api = `${this.url}/repos/${full}`;
    const u = (suffix: string) => `${api}/${suffix}`;
    return {
      id: repo.id, node_id: `R_${repo.id}`, name: repo.name, full_name: full, owner: this.owner(), private: true,
      html_url: `https://github.com/${full}`, description: null, fork: false, url: api,
      archive_url: u('{archive_format}{/ref}'), assignees_url: u('assignees{/user}'), blobs_url: u('git/blobs{/sha}'),
      branches_url: u('branches{/branch}'), collaborators_url: u('collaborators{/collaborator}'), comments_url: u('comments{/number}'),
      commits_url: u('commits{/sha}'), compare_url: u('compare/{base}...{head}'), contents_url: u('contents/{+path}'),
      contributors_url: u('contributors'), deployments_url: u('deployments'), downloads_url: u('downloads'), events_url: u('events'),
      forks_url: u('forks'), git_commits_url: u('git/commits{/sha}'), git_refs_url: u('git/refs{/sha}'), git_tags_url: u('git/tags{/sha}'),
      issue_comment_url: u('issues/comments{/number}'), issue_events_url: u('issues/events{/number}'), issues_url: u('issues{/number}'),
      keys_url: u('keys{/key_id}'), labels_url: u('labels{/name}'), languages_url: u('languages'), merges_url: u('merges'),
      milestones_url: u('milestones{/number}'), notifications_url: u('notifications{?since,all,participating}'), pulls_url: u('pulls{/number}'),
      releases_url: u('releases{/id}'), stargazers_url: u('stargazers'), statuses_url: u('statuses/{sha}'), subscribers_url: u('subscribers'),
      subscription_url: u('subscription'), tags_url: u('tags'), teams_url: u('teams'), trees_url: u('git/trees{/sha}'), hooks_url: u('hooks'),
      default_branch: repo.defaultBranch, archived: repo.archived, disabled: false, visibility: 'private',
    };
  }
}

/** Who the fake's runs are started by. */
const FAKE_ACTOR = 'apollo-demo-bot';

/** A workflow file's name, run-name, whether it has `workflow_dispatch` and its inputs; undefined when it does not parse. */
export function parseWorkflow(text: string): Omit<FakeWorkflow, 'id' | 'path' | 'file'> | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const { name, 'run-name': runName, on } = doc as { name?: unknown; 'run-name'?: unknown; on?: unknown };
  let dispatch: unknown;
  let dispatchable = false;
  if (on === 'workflow_dispatch') dispatchable = true;
  else if (Array.isArray(on)) dispatchable = on.includes('workflow_dispatch');
  else if (on && typeof on === 'object' && 'workflow_dispatch' in on) {
    dispatchable = true;
    dispatch = (on as Record<string, unknown>).workflow_dispatch;
  }
  const inputs = new Map<string, { required: boolean; hasDefault: boolean }>();
  const declared = dispatch && typeof dispatch === 'object' ? (dispatch as { inputs?: unknown }).inputs : undefined;
  for (const [input, spec] of Object.entries(declared && typeof declared === 'object' ? declared : {})) {
    const s = (spec ?? {}) as { required?: unknown; default?: unknown };
    inputs.set(input, { required: s.required === true, hasDefault: s.default !== undefined });
  }
  return { name: typeof name === 'string' ? name : '', runName: typeof runName === 'string' ? runName : undefined, dispatchable, inputs };
}

/** `run-name` with `${{ inputs.x }}`, `${{ github.event.inputs.x }}`, `${{ github.ref_name }}` and `${{ github.actor }}` filled in (anything else: empty). */
export function renderRunName(template: string, inputs: Readonly<Record<string, string>>, github: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    const input = /^(?:github\.event\.)?inputs\.([A-Za-z0-9_-]+)$/.exec(expression)?.[1];
    if (input !== undefined) return inputs[input] ?? '';
    const context = /^github\.([a-z_]+)$/.exec(expression)?.[1];
    return context !== undefined ? github[context] ?? '' : '';
  });
}

/** GitHub's `created` filter: `>=T`, `>T`, `<=T`, `<T`, `A..B` (`*` open) or a day (`YYYY-MM-DD`). */
export function createdMatches(createdAt: string, filter: string): boolean {
  const t = Date.parse(createdAt);
  const dayOnly = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);
  const start = (v: string) => Date.parse(v);
  const end = (v: string) => Date.parse(v) + (dayOnly(v) ? 86_400_000 - 1 : 0);
  const range = /^(.+)\.\.(.+)$/.exec(filter);
  if (range) return (range[1] === '*' || t >= start(range[1]!)) && (range[2] === '*' || t <= end(range[2]!));
  const op = /^(>=|>|<=|<)(.+)$/.exec(filter);
  if (op) {
    const v = op[2]!;
    switch (op[1]) {
      case '>=': return t >= start(v);
      case '>': return t > end(v);
      case '<=': return t <= end(v);
      default: return t < start(v);
    }
  }
  return t >= start(filter) && t <= end(filter);
}

/** Verifies an app JWT as GitHub does: RS256 over header.payload with the app's key, `iss` the app id, not expired. */
export function verifyAppJwt(jwt: string, app: Pick<FakeApp, 'appId' | 'publicKey'>): boolean {
  const parts = jwt.split('.');
  if (parts.length !== 3) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as { alg?: string };
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as { iss?: unknown; iat?: number; exp?: number };
    if (header.alg !== 'RS256') return false;
    const ok = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(app.publicKey, Buffer.from(parts[2]!, 'base64url'));
    const now = Date.now() / 1000;
    return ok && String(payload.iss) === String(app.appId) && typeof payload.exp === 'number' && payload.exp > now
      && payload.exp - (payload.iat ?? 0) <= 600;
  } catch {
    return false;
  }
}

/** GitHub's Link header parts for page `page` of `last` (next/last, first/prev), keeping the request's other parameters. */
function pageLinks(url: URL, page: number, last: number, perPage: number): string[] {
  const link = (p: number, rel: string) => {
    const next = new URL(url.href);
    next.searchParams.set('page', String(p));
    next.searchParams.set('per_page', String(perPage));
    return `<${next.href}>; rel="${rel}"`;
  };
  return [
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
  ];
}
