/**
 * One GitHub REST client (@octokit/rest) for every integration: a personal or fine-grained token, or
 * a GitHub App installation (token exchanged and renewed here). Rate-limit aware: a 403/429 with
 * `x-ratelimit-remaining: 0` or `retry-after` waits for the reset when it is near (at most
 * `maxWaitMs`), otherwise stops with GitHubRateLimitedError naming the reset time. A 401 re-reads
 * the credentials once (a rotated secret). Each call is bounded (`timeoutMs`): Octokit sets no limit of its
 * own, and a GitHub that accepts the connection and never answers would hold a run until its Lambda times out.
 * A JSON answer that is not JSON (a proxy's HTML page) is an error, not a string handed on as data.
 */
import { Octokit } from '@octokit/rest';
import { envInteger } from '../config.ts';
import { logger } from '../observability.ts';
import { appJwt, isFresh, type InstallationToken } from './app-token.ts';
import type { GitHubCredentialSource, GitHubCredentials } from './credentials.ts';
import { GitHubBadAnswerError, GitHubRateLimitedError, GitHubTimeoutError } from './errors.ts';

export interface GitHubClientOptions {
  /** https://api.github.com, or GitHub Enterprise Server's https://<host>/api/v3. */
  readonly baseUrl: string;
  readonly credentials: GitHubCredentialSource;
  /** Sent as User-Agent. @default apollo */
  readonly userAgent?: string;
  /** The longest wait for a rate limit to reset before giving up. @default 60 s */
  readonly maxWaitMs?: number;
  /** Attempts after a rate-limit wait. @default 3 */
  readonly maxRateLimitWaits?: number;
  /** The longest one call may take. @default APOLLO_GITHUB_TIMEOUT_MS, else 10 s */
  readonly timeoutMs?: number;
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

/** The HTTP status of an Octokit error, if it is one. */
export const statusOf = (error: unknown): number | undefined => (error as HttpErrorLike | undefined)?.status;

export class GitHubClient {
  readonly octokit: Octokit;
  private installation: InstallationToken | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: GitHubClientOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.octokit = new Octokit({
      baseUrl: options.baseUrl.replace(/\/$/, ''),
      userAgent: options.userAgent ?? 'apollo',
      log: { debug: () => undefined, info: () => undefined, warn: (m: string) => logger.warn(m), error: (m: string) => logger.debug(m) },
    });
    const timeoutMs = options.timeoutMs ?? envInteger(process.env, 'APOLLO_GITHUB_TIMEOUT_MS', 10_000, 100, 300_000);
    this.octokit.hook.wrap('request', async (request, endpoint) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const given = endpoint.request?.signal as AbortSignal | undefined;
      const what = `${endpoint.method} ${String(endpoint.url).split('?')[0]}`;
      try {
        // In place: every hook of the chain is bound to this very options object, not to what a hook passes on.
        endpoint.request = { ...endpoint.request, signal: given ? AbortSignal.any([given, timeout]) : timeout };
        const response = await request(endpoint);
        const type = String(response.headers['content-type'] ?? '');
        // Octokit hands on the text of a JSON body that does not parse (its test of JSON, here too).
        if (typeof response.data === 'string' && response.data !== '' && /^application\/(scim\+)?json\s*(;|$)/i.test(type)) {
          throw new GitHubBadAnswerError(`GitHub answered ${what} with ${response.status} and a body that is not JSON (${type}): ${response.data.slice(0, 80).replace(/\s+/g, ' ')}`);
        }
        return response;
      } catch (error) {
        if (timeout.aborted && !given?.aborted) throw new GitHubTimeoutError(`GitHub did not answer ${what} within ${timeoutMs} ms`, { cause: error });
        throw error;
      }
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
    const { data } = await this.call(() => this.octokit.rest.apps.createInstallationAccessToken({
      installation_id: Number(credentials.installationId),
      headers: { authorization: `bearer ${appJwt(credentials.appId, credentials.privateKey)}` },
    }));
    this.installation = { token: data.token, expiresAt: Date.parse(data.expires_at) };
    return data.token;
  }

  /** Runs one API call, waiting out a near rate-limit reset; a 401 re-reads the credentials once. */
  async call<T>(request: () => Promise<T>): Promise<T> {
    const maxWait = this.options.maxWaitMs ?? 60_000;
    let waits = 0;
    let refreshed = false;
    for (;;) {
      try {
        return await request();
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

  /**
   * Every item of a Link-paginated list. A failed page is asked again (the iterator keeps its
   * place), so a rate-limit wait never restarts the list.
   */
  async all<R, T>(pages: AsyncIterable<R>, pick: (page: R) => readonly T[]): Promise<T[]> {
    const iterator = pages[Symbol.asyncIterator]();
    const items: T[] = [];
    for (;;) {
      const next = await this.call(() => iterator.next());
      if (next.done) break;
      items.push(...pick(next.value));
    }
    return items;
  }

  /** The head commit sha of `ref` (one call: the `sha` media type answers the bare sha). */
  async headCommit(owner: string, repo: string, ref: string): Promise<string> {
    const { data } = await this.call(() => this.octokit.rest.repos.getCommit({ owner, repo, ref, mediaType: { format: 'sha' } }));
    const raw = data as unknown;
    return (typeof raw === 'string' ? raw : (raw as { sha: string }).sha).trim();
  }

  /** A file's text and blob sha at `ref`, or undefined when it does not exist (or is not a file). */
  async readFile(owner: string, repo: string, path: string, ref: string): Promise<{ path: string; text: string; sha: string } | undefined> {
    try {
      const { data } = await this.call(() => this.octokit.rest.repos.getContent({ owner, repo, path, ref }));
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      const text = Buffer.from(data.content, (data.encoding as BufferEncoding | undefined) ?? 'base64').toString('utf8');
      return { path, text, sha: data.sha };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}
