/**
 * The execute-api:Invoke policies of the Apollo IAM roles, generated from the route table.
 * CDK attaches them to the roles; the local gateway evaluates the very same statements.
 */
import type { Role } from './permissions.ts';
import type { RouteDef } from './routes.ts';
import { ROUTES, roleMayInvoke } from './routes.ts';

export interface ApiArnParts {
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  /** `aws` unless given: `aws-cn`, `aws-us-gov`, or CDK's `Aws.PARTITION` token. */
  readonly partition?: string;
}

/** `/api/v1/teams/{id}` → `/api/v1/teams/*`: IAM has no per-segment wildcard. */
export function resourcePathPattern(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}

export function invokeArn(parts: ApiArnParts, method: string, path: string): string {
  return `arn:${parts.partition ?? 'aws'}:execute-api:${parts.region}:${parts.accountId}:${parts.apiId}/${parts.stage}/${method}${path}`;
}

/** The resources a role may invoke: one ARN pattern per route it holds a permission for. */
export function invokeResources(role: Role, parts: ApiArnParts, routes: readonly RouteDef[] = ROUTES): string[] {
  return routes
    .filter((route) => roleMayInvoke(role, route))
    .map((route) => invokeArn(parts, route.method, resourcePathPattern(route.path)));
}

/** Concrete values for ARN parts while only the paths matter (the parts are the same on both sides). */
const PROBE_PARTS: ApiArnParts = { region: 'r', accountId: 'a', apiId: 'i', stage: 's' };
/** A request's path for the route: every parameter filled with one segment. */
const probePath = (path: string): string => path.replace(/\{[^}]+\}/g, 'x');

/**
 * The routes a role may not call whose requests one of its Allow patterns matches anyway. IAM's `*`
 * spans slashes, so the viewer's `GET /api/v1/catalog/*` (GET /api/v1/catalog/{category}) also
 * covers `GET /api/v1/catalog/refresh/jobs`, which only admins may call: such routes are denied
 * explicitly (a Deny wins over any Allow), so IAM still stops the caller at the gateway. Throws when
 * a Deny would also cover a route the role may call (the table then needs other paths).
 */
export function invokeDenyResources(role: Role, parts: ApiArnParts, routes: readonly RouteDef[] = ROUTES): string[] {
  const allowed = invokeResources(role, PROBE_PARTS, routes);
  const shadowed = routes.filter((route) => route.auth === 'iam' && !roleMayInvoke(role, route)
    && allowed.some((pattern) => arnMatches(pattern, invokeArn(PROBE_PARTS, route.method, probePath(route.path)))));
  const denied = shadowed.map((route) => invokeArn(PROBE_PARTS, route.method, resourcePathPattern(route.path)));
  for (const route of routes.filter((r) => roleMayInvoke(role, r))) {
    const request = invokeArn(PROBE_PARTS, route.method, probePath(route.path));
    const clash = denied.find((pattern) => arnMatches(pattern, request));
    if (clash) throw new Error(`the ${role} role may call ${route.method} ${route.path}, but the Deny for a route it may not call (${clash}) covers it too`);
  }
  return shadowed.map((route) => invokeArn(parts, route.method, resourcePathPattern(route.path)));
}

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: 'execute-api:Invoke';
  readonly Resource: string[];
}

export function invokePolicy(role: Role, parts: ApiArnParts, routes: readonly RouteDef[] = ROUTES): PolicyStatement {
  return { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: invokeResources(role, parts, routes) };
}

/** The explicit Deny beside a role's Allow (see invokeDenyResources); undefined when nothing is shadowed. */
export function invokeDenyPolicy(role: Role, parts: ApiArnParts, routes: readonly RouteDef[] = ROUTES): PolicyStatement | undefined {
  const resources = invokeDenyResources(role, parts, routes);
  return resources.length ? { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: resources } : undefined;
}

/** IAM's wildcard match: `*` any run of characters (slashes included), `?` exactly one. */
export function arnMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(
    '^' + pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('') + '$',
  );
  return regex.test(arn);
}

/** Whether the statement names the ARN (for an Allow: allows it; for a Deny: denies it). */
export function policyAllows(statement: PolicyStatement, arn: string): boolean {
  return statement.Resource.some((pattern) => arnMatches(pattern, arn));
}

/**
 * The WebSocket API's `$connect` route (IAM auth): every Apollo role may open the realtime channel;
 * what it may then hear is decided per topic by the realtime Lambda (shared/topics.ts). `parts`
 * names the WebSocket API (its own api id) and its stage.
 */
export function realtimeConnectResources(parts: ApiArnParts): string[] {
  return [realtimeRouteArn(parts, '$connect')];
}

/** A WebSocket route's ARN, as IAM sees an invocation of it: `…:<apiId>/<stage>/<routeKey>`. */
export function realtimeRouteArn(parts: ApiArnParts, routeKey: string): string {
  return `arn:${parts.partition ?? 'aws'}:execute-api:${parts.region}:${parts.accountId}:${parts.apiId}/${parts.stage}/${routeKey}`;
}

/** execute-api:Invoke on `$connect`, attached to every Apollo role beside its REST policy. */
export function realtimeConnectPolicy(parts: ApiArnParts): PolicyStatement {
  return { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: realtimeConnectResources(parts) };
}

/**
 * What the Lambdas that publish need (`execute-api:ManageConnections`): post to, read and close any
 * connection of the WebSocket API's stage through `@connections`.
 */
export function realtimeManageConnectionsResources(parts: ApiArnParts): string[] {
  const base = `arn:${parts.partition ?? 'aws'}:execute-api:${parts.region}:${parts.accountId}:${parts.apiId}/${parts.stage}`;
  return ['POST', 'GET', 'DELETE'].map((method) => `${base}/${method}/@connections/*`);
}
