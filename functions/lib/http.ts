/**
 * The HTTP runtime every context Lambda shares: the route table decides what runs, middy wires it.
 *
 *   outer (every request): request id + logging, metrics, header normalisation, error mapping, CORS
 *   router (@middy/http-router) over this context's routes from the table
 *   per route: authorize → parse + validate → idempotency (POSTs that start work) → audit → handler
 *
 * Handlers receive a typed ApiRequest and return an ApiResult or throw a named error.
 */
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import httpRouterHandler, { type Method } from '@middy/http-router';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  ApolloError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionRequiredError,
  ServiceUnavailableError,
  STATUS_BY_ERROR,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  type ErrorBody,
} from '#shared/errors';
import { roleHas, type Permission } from '#shared/permissions';
import { permissionLabel, requiredPermission, routeKey, routesOf, type ContextName, type RouteDef } from '#shared/routes';
import { CognitoUserDirectory } from './adapters/cognito-user-directory.ts';
import { auditLog } from './audit-log.ts';
import { config } from './config.ts';
import { identify, type Identity, type UserDirectory } from './identity.ts';
import { idempotency } from './idempotency.ts';
import { membershipsOf, type Membership } from './memberships.ts';
import { logger, metrics, redact } from './observability.ts';
import { validate } from './validation.ts';

/** Bodies above this are refused with 413 before parsing (API Gateway's own limit is 10 MB). */
export const MAX_BODY_BYTES = 256 * 1024;

export interface ApiRequest<Body = unknown, Query = Record<string, unknown>> {
  readonly route: RouteDef;
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Query;
  readonly body: Body;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly identity: Identity;
  readonly requestId: string;
  /** The version sent in `If-Match` on versioned routes (required there: 428 without it). */
  readonly ifMatch: number | undefined;
  /** What the audit entry should say beyond the route's defaults (set before returning). */
  readonly audit: { resourceId?: string; details?: Record<string, unknown> };
  /** The caller's team memberships (read once per request, on first use). */
  teams(): Promise<readonly Membership[]>;
  /**
   * The ownership hook: passes if the caller holds `permission`, or is the resource's owner, or
   * belongs to its owning team (e.g. a developer editing their own team's service). 403 otherwise.
   */
  requireOwnerOr(permission: Permission, owner: { readonly principal?: string; readonly team?: string }): Promise<void>;
}

export interface ApiResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

// Handlers pick their own body/query types; the route table and its schemas guarantee them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RouteImpl = (request: ApiRequest<any, any>) => Promise<ApiResult>;

type Event = APIGatewayProxyEvent & { apollo?: ApiRequest; apolloIdempotencyKey?: string };
type Handler = MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

/** What an `hmac` route's sender check sees: the body exactly as signed. */
export interface SignedRequest {
  readonly route: RouteDef;
  readonly rawBody: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface ApiHandlerOptions {
  /** Resolves web users' Cognito subs to emails (configured where web sign-in is). */
  readonly userDirectory?: UserDirectory;
  /**
   * Authenticates the sender of an `hmac` route (webhooks) from the raw body and headers, with a
   * timing-safe compare; returns the sender's principal (e.g. `github`) or throws UnauthorizedError.
   * Runs before anything else, so an unsigned request is never parsed or audited.
   */
  readonly verifySender?: (request: SignedRequest) => Promise<string>;
  /** The routes served; default: this context's routes in the table. */
  readonly routes?: readonly RouteDef[];
}

// ---------------------------------------------------------------- responses

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { status, body, headers };
}

/** A versioned item's ETag is its version, quoted. */
export const etag = (version: number): string => `"${version}"`;

function toProxyResult(result: ApiResult, route: RouteDef): APIGatewayProxyResult {
  const headers: Record<string, string> = { ...result.headers };
  if (result.body === undefined) return { statusCode: result.status, headers, body: '' };
  if (typeof result.body === 'string') {
    headers['content-type'] ??= route.produces ?? 'text/plain; charset=utf-8';
    return { statusCode: result.status, headers, body: result.body };
  }
  headers['content-type'] ??= 'application/json';
  return { statusCode: result.status, headers, body: JSON.stringify(result.body) };
}

function errorResult(error: unknown, requestId: string): APIGatewayProxyResult {
  let status = 500;
  let body: ErrorBody = { error: { code: 'InternalError', message: 'internal error', details: [] }, requestId };
  if (error instanceof ApolloError) {
    status = STATUS_BY_ERROR.get(error.code) ?? 500;
    if (status < 500 || status === 503) body = { error: { code: error.code, message: error.message, details: [...error.details] }, requestId };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error instanceof MethodNotAllowedError) headers.allow = error.details.map((d) => d.message).join(', ');
  if (status === 503 || status === 429) headers['retry-after'] = '5';
  return { statusCode: status, headers, body: JSON.stringify(body) };
}

// ---------------------------------------------------------------- outer middleware

const lowerCaseHeaders = (): MiddlewareObj<Event> => ({
  before: ({ event }) => {
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) lower[k.toLowerCase()] = v;
    event.headers = lower;
  },
});

/** Named errors → status and the error body; anything else → a plain 500 with the request id. */
const errorMapper = (): MiddlewareObj<Event, APIGatewayProxyResult> => ({
  onError: (request) => {
    const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
    let error: unknown = request.error;
    // middy's own errors (router 404/405) carry statusCode and expose
    const http = error as { statusCode?: number; expose?: boolean; message?: string } | undefined;
    if (!(error instanceof ApolloError) && http?.statusCode === 404) error = new NotFoundError('no such route');
    const result = errorResult(error, requestId);
    if (result.statusCode >= 500) logger.error('request failed', { error: request.error as Error, statusCode: result.statusCode });
    else logger.info('request rejected', { statusCode: result.statusCode, code: (error as ApolloError).code });
    metrics.addMetric(result.statusCode >= 500 ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
    request.response = result;
  },
});

const cors = (): MiddlewareObj<Event, APIGatewayProxyResult> => {
  const apply = (request: { response?: APIGatewayProxyResult | null }) => {
    if (!request.response) return;
    request.response.headers = {
      ...request.response.headers,
      'access-control-allow-origin': config().allowedOrigin,
      'access-control-expose-headers': 'etag, x-amzn-requestid, retry-after',
      vary: 'origin',
    };
  };
  return { after: apply, onError: apply };
};

// ---------------------------------------------------------------- per-route middleware

function readIfMatch(headers: Record<string, string | undefined>): number | undefined {
  const raw = headers['if-match'];
  if (raw === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(raw.trim());
  if (!match) throw new ValidationError('If-Match must be an ETag this API returned, e.g. "3"', { details: [{ path: '/headers/if-match', message: 'not a version ETag' }] });
  return Number(match[1]);
}

function parseBody(event: Event, route: RouteDef): unknown {
  const raw = event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new PayloadTooLargeError(`request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (!route.bodySchema) {
    if (raw.trim() !== '') throw new ValidationError('this route takes no request body', { details: [{ path: '/body', message: 'must be empty' }] });
    return undefined;
  }
  if (raw.trim() === '') return validate(route.bodySchema, {}, 'body');
  const type = event.headers['content-type'] ?? 'application/json';
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new UnsupportedMediaTypeError('request bodies are JSON: send content-type application/json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ValidationError('request body is not valid JSON', { details: [{ path: '/body', message: (error as Error).message }], cause: error });
  }
  return validate(route.bodySchema, parsed, 'body');
}

function parseQuery(event: Event, route: RouteDef): Record<string, unknown> {
  const query: Record<string, unknown> = { ...event.queryStringParameters };
  if (!route.querySchema) {
    const unknown = Object.keys(query);
    if (unknown.length) throw new ValidationError('this route takes no query parameters', { details: unknown.map((k) => ({ path: `/query/${k}`, message: 'unknown parameter' })) });
    return {};
  }
  return validate(route.querySchema, query, 'query');
}

function decodeParams(params: Record<string, string | undefined> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined) continue;
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** Who is calling and may they: identity, then the route's permission (resolved over the body). */
const authorize = (route: RouteDef, options: ApiHandlerOptions): MiddlewareObj<Event> => ({
  before: async ({ event, context }) => {
    const identity = await identify(event.requestContext.identity, options.userDirectory);
    logger.appendKeys({ principal: identity.principal, role: identity.role ?? 'none' });
    const headers = event.headers as Record<string, string | undefined>;
    const params = decodeParams(event.pathParameters);
    const query = parseQuery(event, route);
    const body = parseBody(event, route);
    if (!route.permission) throw new ForbiddenError('this route is not callable with IAM credentials');
    const needed = requiredPermission(route.permission, { pathParameters: params, query: query as Record<string, string>, body });
    if (!roleHas(identity.role, needed)) {
      throw new ForbiddenError(`${identity.principal} (role ${identity.role ?? 'none'}) lacks the permission ${needed} needed for ${route.method} ${route.path}`, {
        details: [{ path: '/permission', message: permissionLabel(route.permission) }],
      });
    }
    const ifMatch = readIfMatch(headers);
    if (route.versioned && ifMatch === undefined) {
      throw new PreconditionRequiredError('send If-Match with the ETag you last read, so you never overwrite a change you have not seen', {
        details: [{ path: '/headers/if-match', message: 'is required' }],
      });
    }
    let memberships: Promise<Membership[]> | undefined;
    const teams = () => (memberships ??= membershipsOf(identity.principal));
    event.apollo = {
      route, params, query, body, headers, identity, ifMatch,
      requestId: event.requestContext.requestId ?? context.awsRequestId,
      audit: {},
      teams,
      requireOwnerOr: async (permission, owner) => {
        if (roleHas(identity.role, permission)) return;
        if (owner.principal && owner.principal === identity.principal) return;
        if (owner.team && (await teams()).some((m) => m.teamId === owner.team)) return;
        throw new ForbiddenError(`${identity.principal} is neither the owner${owner.team ? ` nor in team ${owner.team}` : ''} and lacks the permission ${permission}`, {
          details: [{ path: '/permission', message: permission }],
        });
      },
    };
  },
});

/** `hmac` routes: the sender proves itself by signature (no IAM); then the body is parsed as on any route. */
const authenticateSender = (route: RouteDef, options: ApiHandlerOptions): MiddlewareObj<Event> => ({
  before: async ({ event, context }) => {
    const headers = event.headers as Record<string, string | undefined>;
    const raw = event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new PayloadTooLargeError(`request body is larger than ${MAX_BODY_BYTES} bytes`);
    if (!options.verifySender) throw new UnauthorizedError('this route accepts signed deliveries only');
    const sender = await options.verifySender({ route, rawBody: raw, headers });
    logger.appendKeys({ principal: sender, role: 'none' });
    const identity: Identity = {
      principal: sender, user: sender, role: null, kind: 'webhook', principalArn: '', iamRoleName: '', accountId: '',
      sourceIp: event.requestContext.identity?.sourceIp ?? '', userAgent: event.requestContext.identity?.userAgent ?? '',
    };
    const params = decodeParams(event.pathParameters);
    const query = parseQuery(event, route);
    const body = parseBody(event, route);
    event.apollo = {
      route, params, query, body, headers, identity, ifMatch: undefined,
      requestId: event.requestContext.requestId ?? context.awsRequestId,
      audit: {},
      teams: async () => [],
      requireOwnerOr: async (permission) => {
        throw new ForbiddenError(`a webhook sender does not hold ${permission}`, { details: [{ path: '/permission', message: permission }] });
      },
    };
  },
});

/** Write-ahead audit on mutating routes: no intent recorded, no mutation (503). */
const audited = (route: RouteDef): MiddlewareObj<Event, APIGatewayProxyResult> => {
  const spec = route.audit!;
  const finish = async (event: Event, entryId: string | undefined, statusCode: number, errorCode?: string) => {
    if (!entryId) return;
    const req = event.apollo!;
    const resourceId = req.audit.resourceId;
    try {
      await auditLog.recordOutcome(entryId, {
        outcome: statusCode < 400 ? 'succeeded' : 'failed',
        statusCode,
        errorCode,
        resource: resourceId && !spec.resourceIdParam ? { type: spec.resourceType, id: resourceId } : undefined,
      });
    } catch (error) {
      // The mutation's result stands; the entry stays `pending`, which says exactly that.
      logger.error('audit outcome not recorded', { error: error as Error, auditId: entryId });
      metrics.addMetric('AuditOutcomeFailures', MetricUnit.Count, 1);
    }
  };
  const ids = new WeakMap<object, string>();
  return {
    before: async (request) => {
      const req = request.event.apollo!;
      let id: string;
      try {
        id = await auditLog.recordIntent({
          actor: req.identity.principal,
          actorType: req.identity.kind === 'webhook' ? 'system' : 'user',
          actorRole: req.identity.role ?? undefined,
          action: spec.action,
          resourceType: spec.resourceType,
          resourceId: spec.resourceIdParam ? req.params[spec.resourceIdParam] : undefined,
          details: auditDetails(req),
          sourceIp: req.identity.sourceIp,
          userAgent: req.identity.userAgent,
          requestId: req.requestId,
        });
      } catch (error) {
        logger.error('audit intent not recorded; refusing the mutation', { error: error as Error });
        metrics.addMetric('AuditIntentFailures', MetricUnit.Count, 1);
        throw new ServiceUnavailableError('the audit log is unavailable, so nothing was changed; retry shortly', { cause: error });
      }
      ids.set(request.event, id);
    },
    after: async (request) => finish(request.event, ids.get(request.event), request.response?.statusCode ?? 200),
    onError: async (request) => {
      const error = request.error;
      const status = error instanceof ApolloError ? STATUS_BY_ERROR.get(error.code) ?? 500 : 500;
      await finish(request.event, ids.get(request.event), status, error instanceof ApolloError ? error.code : 'InternalError');
    },
  };
};

/** What the audit entry records of the request: path parameters and the body, secrets redacted by key. */
function auditDetails(req: ApiRequest): Record<string, unknown> {
  const details: Record<string, unknown> = { ...req.params };
  if (req.body !== undefined) details.body = redact(req.body);
  if (req.ifMatch !== undefined) details.ifMatch = req.ifMatch;
  return details;
}

function routeHandler(route: RouteDef, impl: RouteImpl, options: ApiHandlerOptions): Handler {
  const handler = middy<Event, APIGatewayProxyResult, Error, Context>()
    .use(route.auth === 'hmac' ? authenticateSender(route, options) : authorize(route, options));
  if (route.idempotent) handler.use(idempotency());
  if (route.audit) handler.use(audited(route));
  return handler.handler(async (event) => toProxyResult(await impl(event.apollo!), route)) as unknown as Handler;
}

/**
 * The Lambda handler of one context: every route of that context in the table must have exactly one
 * implementation here (checked at cold start), so the table and the code never drift.
 */
/** Web users (Cognito identity-pool sessions) are resolved through the user pool, when there is one. */
const defaultUserDirectory = (): UserDirectory | undefined =>
  process.env.APOLLO_USER_POOL_ID ? new CognitoUserDirectory(process.env.APOLLO_USER_POOL_ID) : undefined;

export function createApiHandler(context: ContextName, impls: Record<string, RouteImpl>, givenOptions: ApiHandlerOptions = {}): Handler {
  const options: ApiHandlerOptions = { ...givenOptions, userDirectory: givenOptions.userDirectory ?? defaultUserDirectory() };
  const routes = options.routes ?? routesOf(context);
  const missing = routes.filter((r) => !impls[routeKey(r)]).map(routeKey);
  const extra = Object.keys(impls).filter((k) => !routes.some((r) => routeKey(r) === k));
  if (missing.length || extra.length) {
    throw new Error(`context ${context}: routes without a handler [${missing.join(', ')}], handlers without a route [${extra.join(', ')}]`);
  }
  const router = httpRouterHandler<APIGatewayProxyEvent, APIGatewayProxyResult>({
    routes: routes.map((route) => ({ method: route.method as Method, path: route.path, handler: routeHandler(route, impls[routeKey(route)]!, options) })),
    notFoundResponse: ({ method, path }) => {
      const allowed = routes.filter((r) => new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path)).map((r) => r.method);
      if (allowed.length) throw new MethodNotAllowedError(`${method} is not allowed on ${path}`, { details: allowed.map((m) => ({ path: '/method', message: m })) });
      throw new NotFoundError(`no route ${method} ${path}`);
    },
  });
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use({
      before: ({ event }) => {
        logger.setCorrelationId(event.requestContext?.requestId);
        logger.appendKeys({ route: `${event.httpMethod} ${event.resource}` });
        metrics.addMetric('Requests', MetricUnit.Count, 1);
      },
    })
    .use(lowerCaseHeaders())
    .use(cors())
    .use(errorMapper())
    .handler(router as never);
}
