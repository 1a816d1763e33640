/**
 * The HTTP runtime every context Lambda shares: the route table decides what runs, middy wires it.
 *
 *   outer (every request): request id + logging, metrics, header normalisation, error mapping, CORS
 *   dispatch on the route API Gateway matched (its resource template) over this context's routes
 *   per route: authorize (identity, parse + validate, permission) → idempotency → audit → handler
 *
 * Handlers receive the typed request of their route and return its typed result or throw a named
 * error. The middleware lives in `./http/`, one concern a file.
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { MethodNotAllowedError, NotFoundError } from '#shared/errors';
import { routeKey, routesOf, type ContextName, type RouteDef } from '#shared/routes';
import { CognitoUserDirectory } from './adapters/cognito-user-directory.ts';
import { audited } from './http/audit.ts';
import { authenticateSender, authorize } from './http/authorize.ts';
import { cors, errorMapper, lowerCaseHeaders } from './http/outer.ts';
import type { ApiHandlerOptions, ContextImpls, Event, UntypedRouteImpl } from './http/request.ts';
import { toProxyResult } from './http/responses.ts';
import type { UserDirectory } from './identity.ts';
import { logger, metrics } from './observability.ts';
import { validatorKey } from './validation.ts';

export { etag, json } from './http/request.ts';
export type { ApiHandlerOptions, ApiRequest, ApiResult, ContextImpls, RequestOf, RouteImpl, RouteImpls, SignedRequest, UntypedRouteImpl } from './http/request.ts';
export { MAX_BODY_BYTES } from './http/parse.ts';

type Handler = MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

function routeHandler(route: RouteDef, impl: UntypedRouteImpl, options: ApiHandlerOptions): Handler {
  const handler = middy<Event, APIGatewayProxyResult, Error, Context>()
    .use(route.auth === 'hmac' ? authenticateSender(route, options) : authorize(route, options));
  if (route.idempotent) handler.use(options.idempotency!());
  if (route.audit) handler.use(audited(route.audit));
  return handler.handler(async (event) => toProxyResult(await impl(event.apollo!), route)) as unknown as Handler;
}

/** Web users (Cognito identity-pool sessions) are resolved through the user pool, when there is one. */
const defaultUserDirectory = (): UserDirectory | undefined =>
  process.env.APOLLO_USER_POOL_ID ? new CognitoUserDirectory(process.env.APOLLO_USER_POOL_ID) : undefined;

/**
 * The Lambda handler of one context: every route of that context in the table has exactly one
 * implementation (typecheck says which is missing or unknown), typed from its schemas.
 */
export function createApiHandler<C extends ContextName>(context: C, impls: ContextImpls<C>, options: ApiHandlerOptions = {}): Handler {
  return createRoutesHandler(routesOf(context), impls as unknown as Record<string, UntypedRouteImpl>, options);
}

/**
 * The handler of any set of routes (tests of the middleware use routes of their own). Every route
 * must have exactly one implementation, checked here at cold start.
 */
export function createRoutesHandler(routes: readonly RouteDef[], impls: Readonly<Record<string, UntypedRouteImpl>>, givenOptions: ApiHandlerOptions = {}): Handler {
  const options: ApiHandlerOptions = { ...givenOptions, userDirectory: givenOptions.userDirectory ?? defaultUserDirectory() };
  const validators = options.validators ?? {};
  const unvalidated = routes.flatMap((r) => [
    ...(r.bodySchema && !validators[validatorKey('body', r.bodySchema)] ? [`${routeKey(r)} body ${r.bodySchema}`] : []),
    ...(r.querySchema && !validators[validatorKey('query', r.querySchema)] ? [`${routeKey(r)} query ${r.querySchema}`] : []),
  ]);
  if (unvalidated.length) throw new Error(`no validator given for [${unvalidated.join(', ')}]: pass the context's #schemas/validators/<context>.gen.cjs`);
  const idempotent = routes.filter((r) => r.idempotent).map(routeKey);
  if (idempotent.length && !options.idempotency) throw new Error(`idempotent routes [${idempotent.join(', ')}] need the idempotency middleware: pass { idempotency } from #lib/idempotency`);
  const missing = routes.filter((r) => !impls[routeKey(r)]).map(routeKey);
  const extra = Object.keys(impls).filter((k) => !routes.some((r) => routeKey(r) === k));
  if (missing.length || extra.length) {
    throw new Error(`routes without a handler [${missing.join(', ')}], handlers without a route [${extra.join(', ')}]`);
  }
  // API Gateway has matched the route already: its resource template (`/api/v1/teams/{id}`) says which.
  // Routing again on the decoded path would misread an id holding an encoded slash (`qa%2Fteam`).
  const byKey = new Map(routes.map((route) => [routeKey(route), routeHandler(route, impls[routeKey(route)]!, options)]));
  const router = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const handler = byKey.get(`${event.httpMethod} ${event.resource}`);
    if (handler) return handler(event, context);
    const allowed = routes.filter((r) => r.path === event.resource).map((r) => r.method);
    if (allowed.length) throw new MethodNotAllowedError(`${event.httpMethod} is not allowed on ${event.resource}`, { details: allowed.map((m) => ({ path: '/method', message: m })) });
    throw new NotFoundError(`no route ${event.httpMethod} ${event.resource}`);
  };
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }));
  // Metrics off (the local runtime): nothing to publish, and one process's concurrent invocations
  // would flush each other's buffer and print "No application metrics to publish" for each.
  if (process.env.POWERTOOLS_METRICS_DISABLED !== 'true') handler.use(logMetrics(metrics));
  return handler
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
