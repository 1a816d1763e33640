/**
 * The organisation's repositories through the GitHub REST API with @octokit/rest: a personal or
 * fine-grained token, or a GitHub App installation (token exchanged and renewed here). Rate-limit
 * aware: a 403/429 with `x-ratelimit-remaining: 0` or `retry-after` waits for the reset when it is
 * near (at most `maxWaitMs`), otherwise stops with GitHubRateLimitedError naming the reset time.
 */
import { Octokit } from '@octokit/rest';
import { logger } from '#lib/observability';
import type { GitHubCredentialSource, GitHubCredentials, RepositorySource, SourceFile, SourceRepository } from '../discovery-ports.ts';
import { GitHubRateLimitedError } from '../discovery-errors.ts';
import { appJwt, isFresh, type InstallationToken } from './github-app-token.ts';

export interface OctokitSourceOptions {
  readonly org: string;
  readonly baseUrl: string;
  readonly credentials: GitHubCredentialSource;
  /** The longest wait for a rate limit to reset before giving up. @default 60 s */
  readonly maxWaitMs?: number;
  /** Attempts after a rate-limit wait. @default 3 */
  readonly maxRateLimitWaits?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface HttpErrorLike {
  status?: number;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** When a GitHub error is a rate limit, when it resets. */
export function rateLimitReset(error: unknown, now = Date.now()): Date | undefined {
  const { status, response } = (error ?? {}) as HttpErrorLike;
  if (status !== 403 && status !== 429) return undefined;
  const headers = response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter))) return new Date(now + Number(retryAfter) * 1000);
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    return new Date(Number.isFinite(reset) ? reset * 1000 : now + 60_000);
  }
  // A secondary limit without retry-after: GitHub asks to wait at least a minute.
  return status === 429 ? new Date(now + 60_000) : undefined;
}

const statusOf = (error: unknown): number | undefined => (error as HttpErrorLike | undefined)?.status;

export class OctokitRepositorySource implements RepositorySource {
  readonly org: string;
  private readonly octokit: Octokit;
  private installation: InstallationToken | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: OctokitSourceOptions) {
    this.org = options.org;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.octokit = new Octokit({
      baseUrl: options.baseUrl.replace(/\/$/, ''),
      userAgent: 'apollo-discovery',
      log: { debug: () => undefined, info: () => undefined, warn: (m: string) => logger.warn(m), error: (m: string) => logger.debug(m) },
    });
    this.octokit.hook.before('request', async (request) => {
      // The token exchange signs with the app JWT it was given (request.url is the route template here).
      if (/\/app\/installations\/[^/]+\/access_tokens$/.test(request.url)) return;
      request.headers.authorization = `token ${await this.token()}`;
    });
  }

  /** The token to send: the configured one, or a fresh installation token of the app. */
  private async token(refresh = false): Promise<string> {
    const credentials: GitHubCredentials = await this.options.credentials.credentials({ refresh });
    if ('token' in credentials) return credentials.token;
    if (!refresh && isFresh(this.installation)) return this.installation.token;
    const { data } = await this.rateLimited(() => this.octokit.rest.apps.createInstallationAccessToken({
      installation_id: Number(credentials.installationId),
      headers: { authorization: `bearer ${appJwt(credentials.appId, credentials.privateKey)}` },
    }));
    this.installation = { token: data.token, expiresAt: Date.parse(data.expires_at) };
    return data.token;
  }

  /** Runs one API call, waiting out a near rate-limit reset; a 401 re-reads the credentials once. */
  private async rateLimited<T>(call: () => Promise<T>): Promise<T> {
    const maxWait = this.options.maxWaitMs ?? 60_000;
    let waits = 0;
    let refreshed = false;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (statusOf(error) === 401 && !refreshed) {
          refreshed = true;
          this.installation = undefined;
          await this.token(true);
          continue;
        }
        const resetAt = rateLimitReset(error);
        if (!resetAt) throw error;
        const waitMs = Math.max(1000, resetAt.getTime() - Date.now());
        if (waitMs > maxWait || waits >= (this.options.maxRateLimitWaits ?? 3)) throw new GitHubRateLimitedError(resetAt, { cause: error });
        waits += 1;
        logger.info('github rate limit; waiting for the reset', { waitMs });
        await this.sleep(waitMs);
      }
    }
  }

  private toRepository(repo: { name: string; default_branch?: string; archived?: boolean; html_url: string }): SourceRepository {
    return { name: repo.name, defaultBranch: repo.default_branch ?? 'main', archived: repo.archived ?? false, htmlUrl: repo.html_url };
  }

  async listRepositories(): Promise<SourceRepository[]> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.repos.listForOrg, { org: this.org, per_page: 100, type: 'all' });
    const iterator = pages[Symbol.asyncIterator]();
    const repos: SourceRepository[] = [];
    for (;;) {
      // A failed page is asked again (the iterator keeps its place), so a wait never restarts the list.
      const next = await this.rateLimited(() => iterator.next());
      if (next.done) break;
      repos.push(...next.value.data.map((r) => this.toRepository(r)));
    }
    return repos;
  }

  async getRepository(name: string): Promise<SourceRepository | undefined> {
    try {
      const { data } = await this.rateLimited(() => this.octokit.rest.repos.get({ owner: this.org, repo: name }));
      return this.toRepository(data);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async headCommit(repo: string, ref: string): Promise<string> {
    const { data } = await this.rateLimited(() => this.octokit.rest.repos.getCommit({ owner: this.org, repo, ref, mediaType: { format: 'sha' } }));
    // With the `sha` media type GitHub answers the bare sha as text.
    const raw = data as unknown;
    return (typeof raw === 'string' ? raw : (raw as { sha: string }).sha).trim();
  }

  async readFile(repo: string, path: string, ref: string): Promise<SourceFile | undefined> {
    try {
      const { data } = await this.rateLimited(() => this.octokit.rest.repos.getContent({ owner: this.org, repo, path, ref }));
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      const text = Buffer.from(data.content, (data.encoding as BufferEncoding | undefined) ?? 'base64').toString('utf8');
      return { path, text, sha: data.sha };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}
