/**
 * The local API Gateway (REST): the route table decides what exists; `iam` routes need a valid
 * SigV4 signature and an execute-api:Invoke policy that allows them (the same generated policies
 * CDK attaches to the roles); `hmac` routes go straight to their handler, as in AWS. It builds the
 * proxy event API Gateway builds and answers with API Gateway's own messages when it refuses.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayEventIdentity, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { arnMatches, invokeArn, invokeDenyPolicy, invokePolicy, type ApiArnParts } from '#shared/iam-policy';
import { matchRoute, ROUTES, type RouteDef } from '#shared/routes';
import { roleFromIamRoleName } from '#lib/identity';
import { invoke, InvocationTimeoutError } from '../lambda.ts';
import type { LocalCredentialStore } from '../credentials.ts';
import type { RouteMetrics } from './metrics.ts';
import { verifySigV4, type CredentialRecord } from './sigv4.ts';

/** API Gateway's payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  readonly region: string;
  readonly api: ApiArnParts;
  readonly credentials: LocalCredentialStore;
  readonly metrics: RouteMetrics;
  readonly allowedOrigin: string;
  readonly routes?: readonly RouteDef[];
}

export interface GatewayReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const gatewayError = (status: number, errorType: string, body: Record<string, string>, requestId: string): GatewayReply => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType, 'x-amzn-requestid': requestId },
  body: JSON.stringify(body),
});

export async function readBody(req: IncomingMessage, limit = MAX_PAYLOAD_BYTES): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function headerMap(req: IncomingMessage): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    map.set(name, [...(map.get(name) ?? []), req.rawHeaders[i + 1]!]);
  }
  return map;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export class RestGateway {
  private readonly policies: Map<string, ReturnType<typeof invokePolicy>>;
  private readonly denies: Map<string, ReturnType<typeof invokeDenyPolicy>>;
  private readonly routes: readonly RouteDef[];

  constructor(private readonly options: GatewayOptions) {
    this.routes = options.routes ?? ROUTES;
    this.policies = new Map((['viewer', 'developer', 'operator', 'admin'] as const).map((role) => [role, invokePolicy(role, options.api, this.routes)]));
    this.denies = new Map((['viewer', 'developer', 'operator', 'admin'] as const).map((role) => [role, invokeDenyPolicy(role, options.api, this.routes)]));
  }

  /** Answers one request (already read), as API Gateway would. */
  async handle(req: IncomingMessage, body: Buffer, requestId = randomUUID()): Promise<GatewayReply> {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();

    // The path routed and authorized must be the path signed: SigV4 removes `.` and `..` segments when
    // it canonicalises, so a signature for /teams/x would pass /teams/x/members/.. as well.
    if (hasDotOrEmptySegment(rawPath)) {
      return gatewayError(400, 'BadRequestException', { message: 'Invalid request path: an empty, "." or ".." segment is not allowed' }, requestId);
    }
    if (method === 'OPTIONS') return this.preflight(rawPath, requestId);
    const match = matchRoute(method, rawPath, this.routes);
    if (!match.route) return gatewayError(403, 'MissingAuthenticationTokenException', { message: 'Missing Authentication Token' }, requestId);
    const route = match.route;

    let caller: CredentialRecord | undefined;
    if (route.auth === 'iam') {
      const verified = verifySigV4({ method, rawPath, rawQuery, headers: headerMap(req), body }, { region: this.options.region, lookup: this.options.credentials.lookup });
      if (!verified.ok) {
        const reply = gatewayError(403, verified.errorType, { message: verified.message }, requestId);
        this.options.metrics.record(method, route.path, 403, (performance.now() - started) / 1000);
        return reply;
      }
      caller = verified.credential;
      const resource = invokeArn(this.options.api, method, rawPath);
      const roleName = /assumed-role\/([^/]+)\//.exec(caller.principalArn)?.[1] ?? '';
      const role = roleFromIamRoleName(roleName);
      const policy = role && this.policies.get(role);
      // As IAM: an explicit Deny wins over any Allow.
      const denied = Boolean(role && this.denies.get(role)?.Resource.some((pattern) => arnMatches(pattern, resource)));
      if (!policy || denied || !policy.Resource.some((pattern) => arnMatches(pattern, resource))) {
        this.options.metrics.record(method, route.path, 403, (performance.now() - started) / 1000);
        return gatewayError(403, 'AccessDeniedException', {
          Message: `User: ${caller.principalArn} is not authorized to perform: execute-api:Invoke on resource: ${resource}${denied ? ' with an explicit deny' : ''}`,
        }, requestId);
      }
    }

    const event = this.buildEvent(req, route, match.pathParameters, rawPath, rawQuery, body, requestId, caller);
    let reply: GatewayReply;
    try {
      const result = (await invoke(route.context, event)) as APIGatewayProxyResult;
      reply = {
        status: result.statusCode,
        headers: { ...lowerKeys(result.headers as Record<string, string> | undefined), 'x-amzn-requestid': requestId },
        body: result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('latin1') : result.body ?? '',
      };
    } catch (error) {
      reply = error instanceof InvocationTimeoutError
        ? gatewayError(504, 'IntegrationTimeout', { message: 'Endpoint request timed out' }, requestId)
        : gatewayError(502, 'InternalServerErrorException', { message: 'Internal server error' }, requestId);
      if (!(error instanceof InvocationTimeoutError)) console.error(`[gateway] ${route.context} handler crashed:`, error);
    }
    this.options.metrics.record(method, route.path, reply.status, (performance.now() - started) / 1000);
    return reply;
  }

  private preflight(rawPath: string, requestId: string): GatewayReply {
    const methods = this.routes.filter((r) => matchRoute(r.method, rawPath, [r]).route).map((r) => r.method);
    if (!methods.length) return gatewayError(403, 'MissingAuthenticationTokenException', { message: 'Missing Authentication Token' }, requestId);
    return {
      status: 204,
      headers: {
        'access-control-allow-origin': this.options.allowedOrigin,
        'access-control-allow-methods': [...new Set([...methods, 'OPTIONS'])].join(','),
        'access-control-allow-headers': 'authorization,content-type,x-amz-date,x-amz-security-token,x-amz-content-sha256,if-match,idempotency-key',
        'access-control-max-age': '600',
        'x-amzn-requestid': requestId,
      },
      body: '',
    };
  }

  private buildEvent(
    req: IncomingMessage, route: RouteDef, rawParams: Record<string, string>, rawPath: string, rawQuery: string,
    body: Buffer, requestId: string, caller: CredentialRecord | undefined,
  ): APIGatewayProxyEvent {
    const single: Record<string, string> = {};
    const multi: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      single[name] = req.rawHeaders[i + 1]!;
      (multi[name] ??= []).push(req.rawHeaders[i + 1]!);
    }
    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const pair of rawQuery.split('&').filter(Boolean)) {
      const eq = pair.indexOf('=');
      const k = decode(eq < 0 ? pair : pair.slice(0, eq));
      const v = decode(eq < 0 ? '' : pair.slice(eq + 1));
      query[k] = v;
      (multiQuery[k] ??= []).push(v);
    }
    const pathParameters = Object.keys(rawParams).length ? Object.fromEntries(Object.entries(rawParams).map(([k, v]) => [k, decode(v)])) : null;
    const now = new Date();
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const { api } = this.options;
    return {
      resource: route.path,
      path: decode(rawPath),
      httpMethod: route.method,
      headers: single,
      multiValueHeaders: multi,
      queryStringParameters: Object.keys(query).length ? query : null,
      multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
      pathParameters,
      stageVariables: null,
      // Text as API Gateway passes it; bytes that are not UTF-8 base64-encoded, so a signature over
      // them (a webhook's HMAC) still holds.
      body: body.length ? (isUtf8(body) ? body.toString('utf8') : body.toString('base64')) : null,
      isBase64Encoded: body.length > 0 && !isUtf8(body),
      requestContext: {
        accountId: api.accountId,
        apiId: api.apiId,
        authorizer: null,
        protocol: `HTTP/${req.httpVersion}`,
        httpMethod: route.method,
        path: `/${api.stage}${decode(rawPath)}`,
        stage: api.stage,
        requestId,
        requestTimeEpoch: now.getTime(),
        resourceId: route.path,
        resourcePath: route.path,
        identity: eventIdentity(caller, api.accountId, sourceIp, single['User-Agent'] ?? single['user-agent'] ?? null),
      },
    };
  }
}

/** Whether a path has a segment that is empty (`//`, a trailing `/`) or `.`/`..`, percent-encoded or not. */
export function hasDotOrEmptySegment(rawPath: string): boolean {
  return rawPath.split('/').slice(1).some((segment) => {
    const decoded = decode(segment);
    return decoded === '' || decoded === '.' || decoded === '..';
  }) && rawPath !== '/';
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}


/** `requestContext.identity` as API Gateway fills it for an IAM-authenticated caller (or none). */
export function eventIdentity(caller: CredentialRecord | undefined, accountId: string, sourceIp: string, userAgent: string | null): APIGatewayEventIdentity {
  const session = caller ? /assumed-role\/[^/]+\/(.+)$/.exec(caller.principalArn)?.[1] ?? '' : '';
  return {
    accessKey: caller?.accessKeyId ?? null,
    accountId: caller ? accountId : null,
    caller: caller ? `AROALOCAL:${session}` : null,
    user: caller ? `AROALOCAL:${session}` : null,
    userArn: caller?.principalArn ?? null,
    sourceIp,
    userAgent,
    apiKey: null,
    apiKeyId: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
  };
}
