/**
 * Who is calling and may they. `iam` routes: the caller's identity from the request context, then the
 * route's permission (resolved over the body when it depends on it). `hmac` routes: the sender proves
 * itself by signature before anything is parsed. Either way the parsed request is attached to the event.
 */
import type { MiddlewareObj } from '@middy/core';
import { ForbiddenError, PreconditionRequiredError, UnauthorizedError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { permissionLabel, requiredPermission, type RouteDef } from '#shared/routes';
import { identify, type Identity } from '../identity.ts';
import { onBehalfOf } from '../on-behalf.ts';
import { membershipsOf, type Membership } from '../memberships.ts';
import { ownershipRule } from '../ownership.ts';
import { logger } from '../observability.ts';
import { parseBody, parseParams, parseQuery, rawBytes, readIfMatch } from './parse.ts';
import type { ApiHandlerOptions, ApiRequest, Event } from './request.ts';

type Parsed = Pick<ApiRequest, 'params' | 'query' | 'body'>;

const parse = (event: Event, route: RouteDef, options: ApiHandlerOptions): Parsed => {
  const validators = options.validators ?? {};
  return { params: parseParams(event), query: parseQuery(event, route, validators), body: parseBody(event, route, validators) };
};

const requestIdOf = (event: Event, awsRequestId: string): string => event.requestContext.requestId ?? awsRequestId;

export const authorize = (route: RouteDef, options: ApiHandlerOptions): MiddlewareObj<Event> => ({
  before: async ({ event, context }) => {
    const identity = await identify(event.requestContext.identity, options.userDirectory);
    logger.appendKeys({ principal: identity.principal, role: identity.role ?? 'none' });
    const headers = event.headers as Record<string, string | undefined>;
    const { params, query, body } = parse(event, route, options);
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
    const onBehalf = onBehalfOf(event);
    event.apollo = {
      route, params, query, body, headers, identity, ifMatch,
      ...(onBehalf ? { onBehalf } : {}),
      requestId: requestIdOf(event, context.awsRequestId),
      audit: {},
      teams,
      requireOwnerOr: ownershipRule(identity, async () => (await teams()).map((m) => m.teamId)),
    };
  },
});

export const authenticateSender = (route: RouteDef, options: ApiHandlerOptions): MiddlewareObj<Event> => ({
  before: async ({ event, context }) => {
    const headers = event.headers as Record<string, string | undefined>;
    const raw = rawBytes(event);
    if (!options.verifySender) throw new UnauthorizedError('this route accepts signed deliveries only');
    const sender = await options.verifySender({ route, rawBody: raw, headers, sourceIp: event.requestContext.identity?.sourceIp ?? '' });
    logger.appendKeys({ principal: sender, role: 'none' });
    const identity: Identity = {
      principal: sender, user: sender, role: null, kind: 'webhook', principalArn: '', iamRoleName: '', accountId: '',
      sourceIp: event.requestContext.identity?.sourceIp ?? '', userAgent: event.requestContext.identity?.userAgent ?? '',
    };
    const { params, query, body } = parse(event, route, options);
    event.apollo = {
      route, params, query, body, headers, identity, ifMatch: undefined,
      requestId: requestIdOf(event, context.awsRequestId),
      audit: {},
      teams: async () => [],
      requireOwnerOr: async (permission) => {
        throw new ForbiddenError(`a webhook sender does not hold ${permission}`, { details: [{ path: '/permission', message: permission }] });
      },
    };
  },
});
