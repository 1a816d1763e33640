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
 */
import { createHash, createVerify, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { components } from '@octokit/openapi-types';

type MinimalRepository = components['schemas']['minimal-repository'];
type SimpleUser = components['schemas']['simple-user'];
type ContentFile = components['schemas']['content-file'];
type InstallationToken = components['schemas']['installation-token'];
type BasicError = components['schemas']['basic-error'];
type GitTree = components['schemas']['git-tree'];
type DiffEntry = components['schemas']['diff-entry'];
type ContentDirectory = components['schemas']['content-directory'];

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

interface StoredRepo {
  id: number;
  name: string;
  defaultBranch: string;
  archived: boolean;
  /** The files at the head. */
  files: Map<string, string>;
  head: string;
  /** Every commit, oldest first, with the files it left. */
  history: Array<{ sha: string; files: Map<string, string> }>;
}

/** GitHub's cap on the files of one comparison. */
const COMPARE_FILE_CAP = 300;

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
/** Git's blob sha: the same text always has the same one. */
const blobSha = (text: string): string => sha1(`blob ${Buffer.byteLength(text)}\0${text}`);

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
  private server!: Server;
  url = '';

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

  /** Adds or replaces a repository; its head commit changes with its content. */
  putRepo(repo: FakeRepo): void {
    const existing = this.repos.get(repo.name);
    const files = new Map(Object.entries(repo.files));
    const head = sha1(JSON.stringify([repo.name, [...files.entries()].sort(), Date.now(), Math.random()]));
    this.repos.set(repo.name, {
      id: existing?.id ?? this.nextId++,
      name: repo.name,
      defaultBranch: repo.defaultBranch ?? 'main',
      archived: repo.archived ?? false,
      files,
      head,
      history: [...(existing?.history ?? []), { sha: head, files: new Map(files) }],
    });
  }

  /** Writes one file on the default branch (a new head commit), or deletes it with `null`. */
  commit(repoName: string, path: string, text: string | null): string {
    const repo = this.repos.get(repoName);
    if (!repo) throw new Error(`no fake repository ${repoName}`);
    if (text === null) repo.files.delete(path);
    else repo.files.set(path, text);
    repo.head = sha1(`${repo.head}:${path}:${text ?? ''}:${Math.random()}`);
    repo.history.push({ sha: repo.head, files: new Map(repo.files) });
    return repo.head;
  }

  /** Writes several files (text) and deletes others (null) in one commit on the default branch. */
  commitFiles(repoName: string, changes: Readonly<Record<string, string | null>>): string {
    const repo = this.repos.get(repoName);
    if (!repo) throw new Error(`no fake repository ${repoName}`);
    for (const [path, text] of Object.entries(changes)) {
      if (text === null) repo.files.delete(path);
      else repo.files.set(path, text);
    }
    repo.head = sha1(`${repo.head}:${JSON.stringify(changes)}:${Math.random()}`);
    repo.history.push({ sha: repo.head, files: new Map(repo.files) });
    return repo.head;
  }

  /** The files of a repository at a commit, branch or its head. */
  private filesAt(repo: StoredRepo, ref: string | null): Map<string, string> | undefined {
    if (!ref || ref === repo.defaultBranch || ref === repo.head) return repo.files;
    return repo.history.find((c) => c.sha === ref)?.files;
  }

  /** A file's text at the head of the default branch. */
  fileAt(repoName: string, path: string): string | undefined {
    return this.repos.get(repoName)?.files.get(path);
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

  async close(): Promise<void> {
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
    this.requests.push(`${method} ${url.pathname}${url.search}`);
    for await (const chunk of req) void chunk; // drain

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
    if (!match || method !== 'GET' || decodeURIComponent(match[1]!) !== this.options.org) return this.error(res, 404, 'Not Found');
    const repo = this.repos.get(decodeURIComponent(match[2]!));
    if (!repo) return this.error(res, 404, 'Not Found');
    const rest = match[3] ?? '';
    if (rest === '') return this.send(res, 200, this.minimalRepository(repo), headers);

    const commit = /^\/commits\/(.+)$/.exec(rest);
    if (commit) {
      const ref = decodeURIComponent(commit[1]!);
      const sha = ref === repo.defaultBranch ? repo.head : repo.history.find((c) => c.sha === ref)?.sha;
      if (!sha) return this.error(res, 422, `No commit found for SHA: ${ref}`);
      if (/application\/vnd\.github(\.v3)?\.sha/.test(req.headers.accept ?? '')) return this.send(res, 200, sha, headers);
      return this.send(res, 200, { sha }, headers);
    }

    const tree = /^\/git\/trees\/(.+)$/.exec(rest);
    if (tree) {
      const ref = decodeURIComponent(tree[1]!);
      const files = this.filesAt(repo, ref);
      if (!files) return this.error(res, 404, 'Not Found');
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
    const sha = repo.history.find((c) => c.sha === ref)?.sha ?? repo.head;
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
