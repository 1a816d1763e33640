/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): a form-encoded POST of grant_type=client_credentials
 * (and the scope) to the token URL, the client authenticated with HTTP Basic (§2.3.1: id and secret
 * each form-urlencoded, then joined by a colon). The access token is cached per token URL and client
 * id until shortly before `expires_in`, in memory per Lambda container; a 401 from the target drops
 * it and fetches one more.
 */
import { ActionFailure, type Attempt } from './attempt.ts';
import { headerText } from './http.ts';

/** Refresh this long before the token expires (or at half its life when that is shorter). */
const EXPIRY_MARGIN_MS = 60_000;

export interface OAuthClient {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
}

export class OAuthTokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  get(key: string, now: number): string | undefined {
    const entry = this.tokens.get(key);
    if (entry && entry.expiresAt > now) return entry.token;
    this.tokens.delete(key);
    return undefined;
  }

  set(key: string, token: string, expiresAt: number): void {
    this.tokens.set(key, { token, expiresAt });
  }

  delete(key: string): void {
    this.tokens.delete(key);
  }
}

/** The container's tokens (in memory, per Lambda container: a cold start fetches a new one). */
export const oauthTokens = new OAuthTokenCache();

const cacheKey = (client: OAuthClient): string => `${client.tokenUrl}\n${client.clientId}\n${client.scope ?? ''}`;

/** application/x-www-form-urlencoded, as §2.3.1 asks of the Basic credentials' two halves. */
const formEncode = (text: string): string => new URLSearchParams({ v: text }).toString().slice(2);

/** An access token for the client: the cached one, unless `refresh`. Throws ActionFailure code `oauth-token`. */
export async function accessToken(attempt: Attempt, client: OAuthClient, options: { refresh?: boolean } = {}): Promise<string> {
  const tokens = attempt.deps.tokens ?? oauthTokens;
  const key = cacheKey(client);
  if (options.refresh) tokens.delete(key);
  const cached = tokens.get(key, attempt.now());
  if (cached) {
    attempt.addSecret(cached);
    return cached;
  }

  const target = await attempt.vet(client.tokenUrl);
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (client.scope) form.set('scope', client.scope);
  const basic = Buffer.from(`${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`).toString('base64');
  attempt.addSecret(basic);
  const where = `the token endpoint ${target.url.origin}${target.url.pathname}`;
  let response;
  try {
    response = await attempt.exchange(target, 'POST', { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, form.toString());
  } catch (error) {
    if (error instanceof ActionFailure) throw new ActionFailure(error.code === 'timeout' || error.code === 'circuit-open' ? error.code : 'oauth-token', `${where}: ${error.message}`, error.retryable, error.extra);
    throw error;
  }
  if (response.status < 200 || response.status > 299) {
    const failure = attempt.statusFailure(where, response);
    throw new ActionFailure('oauth-token', failure.message, failure.retryable, { retryAfterMs: failure.extra.retryAfterMs });
  }
  let body: { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
  try {
    body = JSON.parse(response.body.toString('utf8')) as typeof body;
  } catch {
    throw new ActionFailure('oauth-token', `${where} answered ${response.status} with ${headerText(response.headers, 'content-type') ?? 'no content type'}, not a JSON token`, false);
  }
  if (typeof body?.access_token !== 'string' || !body.access_token) throw new ActionFailure('oauth-token', `${where} answered without an access_token`, false);
  if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
    throw new ActionFailure('oauth-token', `${where} issued a '${body.token_type}' token; only bearer tokens are supported`, false);
  }
  const token = body.access_token;
  attempt.addSecret(token);
  const lifetimeMs = typeof body.expires_in === 'number' ? body.expires_in * 1000 : typeof body.expires_in === 'string' && /^\d+$/.test(body.expires_in) ? Number(body.expires_in) * 1000 : undefined;
  // Without expires_in the token is used for this attempt only (nothing says how long it lives).
  if (lifetimeMs !== undefined && lifetimeMs > 0) tokens.set(key, token, attempt.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 2));
  attempt.log('info', `obtained an access token from ${where}${lifetimeMs ? ` (valid ${Math.round(lifetimeMs / 1000)} s)` : ''}`);
  return token;
}
