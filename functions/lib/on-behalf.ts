/**
 * Calling an Apollo route as a person, from inside Apollo (ARCHITECTURE.md §6: "the agent acts only through
 * Apollo's own APIs, as the user"). The call is the very API Gateway event the route's Lambda receives from the
 * gateway, its identity the person's (their principal as the session name of their Apollo role), so it meets
 * exactly what a call from them meets: the route's permission over its body, schema validation, idempotency,
 * the write-ahead audit, and every safeguard of the handler. `requestContext.apolloOnBehalf` (which API
 * Gateway never sets) tells the audit middleware an AI session acted, so the entry says so.
 *
 * In AWS the event goes to the route's context Lambda by a synchronous Invoke (on-behalf-lambda.ts:
 * `apollo-<stage>-<context>`, the `apollo-api-invoke` binding grants it); locally, to the same handler module in
 * this process. This module imports no SDK: every Lambda's authorizer reads the marker from it.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Role } from '#shared/permissions';
import { ROUTES, fillPath, routeKey, type RouteDef } from '#shared/routes';

/** Who acts and for which AI session and action. */
export interface OnBehalf {
  readonly principal: string;
  readonly role: Role | null;
  readonly aiSessionId: string;
  /** The action's id: the call's request id and Idempotency-Key, so a retry never does it twice. */
  readonly actionId: string;
}

export interface RouteCall {
  /** `POST /api/v1/services/{id}/scale` */
  readonly route: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export interface RouteAnswer {
  readonly statusCode: number;
  /** The parsed JSON body (an error's `{ error: { code, message, details } }` too). */
  readonly body: unknown;
}

export interface ApolloApi {
  call(as: OnBehalf, call: RouteCall): Promise<RouteAnswer>;
}

/** What API Gateway never sets: the marker of a call made on someone's behalf from inside Apollo. */
export interface OnBehalfMarker {
  readonly aiSessionId: string;
  readonly actionId: string;
}

export function onBehalfOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): OnBehalfMarker | undefined {
  const marker = (event.requestContext as { apolloOnBehalf?: OnBehalfMarker } | undefined)?.apolloOnBehalf;
  return marker && typeof marker.aiSessionId === 'string' ? marker : undefined;
}

const ROLE_NAME: Record<Role, string> = { viewer: 'ApolloViewer', developer: 'ApolloDeveloper', operator: 'ApolloOperator', admin: 'ApolloAdmin' };

/** The route a call names, and its path with the parameters in. */
export function resolveCall(call: RouteCall): { route: RouteDef; path: string } {
  const route = ROUTES.find((r) => routeKey(r) === call.route);
  if (!route) throw new Error(`no route ${call.route}`);
  return { route, path: fillPath(route.path, call.params ?? {}) };
}

/** The gateway's event for the call, as the person. */
export function onBehalfEvent(as: OnBehalf, call: RouteCall, accountId = process.env.APOLLO_ACCOUNT_ID ?? '000000000000'): APIGatewayProxyEvent {
  const { route, path } = resolveCall(call);
  const userAgent = `apollo-ai-console (session ${as.aiSessionId})`;
  const roleName = as.role ? ROLE_NAME[as.role] : 'ApolloNone';
  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers: { 'content-type': 'application/json', 'idempotency-key': `ai-${as.actionId.slice(0, 60)}`, 'user-agent': userAgent },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: call.params ? { ...call.params } : null,
    stageVariables: null,
    body: call.body === undefined ? null : JSON.stringify(call.body),
    isBase64Encoded: false,
    requestContext: {
      accountId, apiId: 'apollo-internal', authorizer: {}, protocol: 'HTTP/1.1', httpMethod: route.method, path, stage: 'internal',
      requestId: `ai-${as.actionId.slice(0, 32)}`, requestTimeEpoch: Date.now(), resourceId: 'internal', resourcePath: route.path,
      identity: {
        accessKey: null, accountId, apiKey: null, apiKeyId: null, caller: null, clientCert: null, cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null, cognitoIdentityId: null, cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: '127.0.0.1',
        user: null, userAgent, userArn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${as.principal}`,
      },
      apolloOnBehalf: { aiSessionId: as.aiSessionId, actionId: as.actionId },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

export function answerOf(result: APIGatewayProxyResult): RouteAnswer {
  let body: unknown = null;
  if (result.body) {
    try {
      body = JSON.parse(result.body);
    } catch {
      body = { error: { code: 'UnreadableResponse', message: result.body.slice(0, 500) } };
    }
  }
  return { statusCode: result.statusCode, body };
}

/** The local runtime and tests: the context's handler module in this process. */
export class InProcessApolloApi implements ApolloApi {
  constructor(private readonly invoke: (context: string, event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>) {}

  async call(as: OnBehalf, call: RouteCall): Promise<RouteAnswer> {
    const { route } = resolveCall(call);
    return answerOf(await this.invoke(route.context, onBehalfEvent(as, call)));
  }
}
