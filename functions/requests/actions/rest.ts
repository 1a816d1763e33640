/**
 * The REST executor: renders the action's method, URL, query, headers and JSON body (a string that is
 * only one variable keeps its type), authenticates (none, bearer, basic, api-key, OAuth 2.0 client
 * credentials), sends `Idempotency-Key: <run.idempotencyKey>` and reads the declared outputs from
 * the JSON response. Success is a status in `successStatus` (default any 2xx); a 3xx is an answer,
 * not followed.
 */
import type { RestActionConfig } from '#schemas/index.ts';
import { MASK } from '#shared/variables/index';
import type { ActionExecutor, ActionResult, ActionRun } from './ports.ts';
import { ActionFailure, Attempt, headerLine, setHeader, textMap, withHeaders, type ExecutorDeps } from './attempt.ts';
import type { HttpResponse } from './http.ts';
import { accessToken, type OAuthClient } from './oauth2.ts';
import { logOutputs, readOutputs } from './outputs.ts';

export const DEFAULT_API_KEY_HEADER = 'X-API-Key';

type Auth = NonNullable<RestActionConfig['auth']>;

export class RestExecutor implements ActionExecutor {
  constructor(private readonly deps: ExecutorDeps) {}

  async execute(run: ActionRun): Promise<ActionResult> {
    const attempt = new Attempt(run, this.deps);
    if (run.action.type !== 'rest') return attempt.fail(new ActionFailure('internal', `the REST executor cannot run a ${run.action.type} action`, false));
    const config = run.action.config;
    let status: number | undefined;
    try {
      const { preview, execute: rendered } = await attempt.render(config);
      const method = String(config.method).toUpperCase();
      const hasBody = config.body !== undefined && method !== 'GET';
      const auth = config.auth ?? { type: 'none' as const };
      if (auth.type === 'api-key') attempt.maskedHeaders.add((auth.header ?? DEFAULT_API_KEY_HEADER).toLowerCase());
      attempt.input = {
        method,
        url: previewUrl(String(preview.url), textMap(preview.query, 'query parameter')),
        headers: attempt.maskHeaders(withHeaders(standardHeaders(preview.headers, hasBody, run.idempotencyKey), authHeaderNames(auth))),
        ...(hasBody ? { body: preview.body } : {}),
        ...(auth.type !== 'none' ? { auth: auth.type } : {}),
      };

      const execute = rendered();
      const url = withQuery(String(execute.url), textMap(execute.query, 'query parameter'));
      const body = hasBody ? JSON.stringify(execute.body) : undefined;
      const headers = standardHeaders(execute.headers, hasBody, run.idempotencyKey);
      const executeAuth = execute.auth ?? { type: 'none' as const };
      const target = await attempt.vet(url);
      const what = `${method} ${target.url.origin}${target.url.pathname}`;
      const send = async (refresh: boolean): Promise<HttpResponse> => {
        const authHeaders = await authenticate(attempt, executeAuth, refresh);
        return attempt.exchange(target, method, withHeaders(headers, authHeaders), body);
      };
      let response = await send(false);
      if (response.status === 401 && auth.type === 'oauth2-client-credentials') {
        attempt.log('warn', `${what} answered 401: fetching a new access token and trying once more`);
        response = await send(true);
      }
      status = response.status;
      const success = config.successStatus ? config.successStatus.includes(status) : status >= 200 && status <= 299;
      if (!success) throw attempt.statusFailure(what, response);
      attempt.log('info', `${what} answered ${status}`);
      const { outputs, sensitive } = readOutputs(run.action.outputs, response);
      logOutputs(attempt, outputs, sensitive);
      return attempt.succeed(outputs, sensitive, status);
    } catch (error) {
      return attempt.fail(error, status);
    }
  }
}

/** The template's headers, then JSON in and out (unless the template says otherwise) and the idempotency key. */
function standardHeaders(rendered: unknown, hasBody: boolean, idempotencyKey: string): Record<string, string> {
  const headers = textMap(rendered, 'header');
  if (hasBody && !headerLine(headers, 'content-type')) headers['Content-Type'] = 'application/json';
  if (!headerLine(headers, 'accept')) headers.Accept = 'application/json';
  setHeader(headers, 'Idempotency-Key', idempotencyKey);
  return headers;
}

/** The URL with the rendered query parameters added (after any the URL already has). */
function withQuery(url: string, query: Record<string, string>): string {
  if (Object.keys(query).length === 0) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url; // the egress guard says what is wrong with it
  }
  for (const [name, value] of Object.entries(query)) parsed.searchParams.append(name, value);
  return parsed.toString();
}

/** The recorded URL: as withQuery, but a preview placeholder may not parse as a URL. */
function previewUrl(url: string, query: Record<string, string>): string {
  const joined = withQuery(url, query);
  if (joined !== url || Object.keys(query).length === 0) return joined;
  return `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(query).toString()}`;
}

/** The auth headers by name, for the record (their values are masked there). */
function authHeaderNames(auth: Auth): Record<string, string> {
  switch (auth.type) {
    case 'bearer':
    case 'basic':
    case 'oauth2-client-credentials':
      return { Authorization: MASK };
    case 'api-key':
      return { [auth.header ?? DEFAULT_API_KEY_HEADER]: MASK };
    default:
      return {};
  }
}

function required(auth: Auth, name: 'token' | 'username' | 'password' | 'tokenUrl' | 'clientId' | 'clientSecret', attempt: Attempt): string {
  const value: unknown = auth[name];
  if (typeof value !== 'string' && typeof value !== 'number') throw new ActionFailure('template', `auth ${auth.type} needs auth.${name}`, false);
  const text = String(value);
  if (!text) throw new ActionFailure('template', `auth.${name} rendered empty (auth ${auth.type})`, false);
  if (name !== 'tokenUrl' && name !== 'clientId' && name !== 'username') attempt.addSecret(text);
  return text;
}

async function authenticate(attempt: Attempt, auth: Auth, refresh: boolean): Promise<Record<string, string>> {
  switch (auth.type) {
    case 'none':
      return {};
    case 'bearer':
      return { Authorization: `Bearer ${required(auth, 'token', attempt)}` };
    case 'api-key':
      return { [auth.header ?? DEFAULT_API_KEY_HEADER]: required(auth, 'token', attempt) };
    case 'basic': {
      const credentials = Buffer.from(`${required(auth, 'username', attempt)}:${required(auth, 'password', attempt)}`).toString('base64');
      attempt.addSecret(credentials);
      return { Authorization: `Basic ${credentials}` };
    }
    case 'oauth2-client-credentials': {
      const client: OAuthClient = {
        tokenUrl: required(auth, 'tokenUrl', attempt),
        clientId: required(auth, 'clientId', attempt),
        clientSecret: required(auth, 'clientSecret', attempt),
        ...(auth.scope ? { scope: auth.scope } : {}),
      };
      return { Authorization: `Bearer ${await accessToken(attempt, client, { refresh })}` };
    }
  }
}
