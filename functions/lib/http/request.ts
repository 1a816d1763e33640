/**
 * What a route's handler receives and returns. Types come from the route table: a handler registered
 * under `'GET /api/v1/services/{id}'` gets that route's path parameters, query and body, and must
 * answer with its response type.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Permission } from '#shared/permissions';
import type { BodyOf, ContextName, ContextRouteKey, ParamsOf, QueryOf, ResponseOf, RouteDef, RouteKey } from '#shared/routes';
import type { Identity, UserDirectory } from '../identity.ts';
import type { Membership } from '../memberships.ts';
import type { Validators } from '../validation.ts';

export interface ApiRequest<Body = unknown, Query = unknown, Params extends Readonly<Record<string, string>> = Readonly<Record<string, string>>> {
  readonly route: RouteDef;
  /** Decoded path parameters, each checked against its schema in the route table. */
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly identity: Identity;
  readonly requestId: string;
  /** Set when an AI session acts for the caller (functions/lib/on-behalf.ts): which session and action. */
  readonly onBehalf?: { readonly aiSessionId: string; readonly actionId: string };
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

/** The request of one route of the table. */
export type RequestOf<K extends RouteKey> = ApiRequest<BodyOf<K>, QueryOf<K>, ParamsOf<K>>;

export interface ApiResult<Body = unknown> {
  readonly status: number;
  readonly body?: Body;
  readonly headers?: Record<string, string>;
}

/** One route's implementation: typed from the table, its answer checked against the response type. */
export type RouteImpl<K extends RouteKey> = (request: RequestOf<K>) => Promise<ApiResult<ResponseOf<K>>>;

/** Implementations of some routes (a context's routes may be spread over several files). */
export type RouteImpls<K extends RouteKey> = { readonly [P in K]: RouteImpl<P> };

/** Every route of a context, exactly: a missing or unknown key fails typecheck. */
export type ContextImpls<C extends ContextName> = RouteImpls<ContextRouteKey<C>>;

/** A route implementation whose types are not checked against the table (tests with their own routes). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UntypedRouteImpl = (request: ApiRequest<any, any, any>) => Promise<ApiResult>;

/** The proxy event as it moves through the middleware: the parsed request is attached to it. */
export type Event = APIGatewayProxyEvent & { apollo?: ApiRequest; apolloIdempotencyKey?: string; apolloRawBody?: Buffer };

/** What an `hmac` route's sender check sees: the body exactly as signed. */
export interface SignedRequest {
  readonly route: RouteDef;
  /** The bytes as sent: a signature is over bytes, whatever their encoding. */
  readonly rawBody: Buffer;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The address the delivery came from (API Gateway's `sourceIp`). */
  readonly sourceIp: string;
}

export interface ApiHandlerOptions {
  /**
   * The context's request validators (`#schemas/validators/<context>.gen.cjs`): a Lambda bundles
   * only its own. Every body and query schema its routes name must be there (checked at cold start).
   */
  readonly validators?: Validators;
  /**
   * The `Idempotency-Key` middleware (#lib/idempotency), for contexts with POSTs that start work: the
   * others don't bundle it (Powertools idempotency and JMESPath, 65 KB). Checked at cold start.
   */
  readonly idempotency?: () => MiddlewareObj<Event>;
  /** Resolves web users' Cognito subs to emails (configured where web sign-in is). */
  readonly userDirectory?: UserDirectory;
  /**
   * Authenticates the sender of an `hmac` route (webhooks) from the raw body and headers, with a
   * timing-safe compare; returns the sender's principal (e.g. `github`) or throws UnauthorizedError.
   * Runs before anything else, so an unsigned request is never parsed or audited.
   */
  readonly verifySender?: (request: SignedRequest) => Promise<string>;
}

export function json<T>(status: number, body: T, headers: Record<string, string> = {}): ApiResult<T> {
  return { status, body, headers };
}

/** A versioned item's ETag is its version, quoted. */
export const etag = (version: number): string => `"${version}"`;
