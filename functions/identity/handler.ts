/** The identity context: who I am, teams and their members. */
import { ValidationError } from '#shared/errors';
import { createApiHandler, etag, json, type ApiRequest } from '#lib/http';
import validators from '#schemas/validators/identity.gen.cjs';
import { idempotency } from '#lib/idempotency';
import { listNotifications, markRead } from '#lib/notifications';
import { describeMe } from './me.ts';
import * as teams from './teams.ts';
import { listUsers, setUserRole } from './users.ts';

/** Principals are emails or IAM session names: what STS allows in a session name, lower-cased. */
function principalParam(req: ApiRequest, name = 'principal'): string {
  const principal = req.params[name]!.toLowerCase();
  if (!/^[a-z0-9_=,.@+-]{2,128}$/.test(principal)) {
    throw new ValidationError('principal must be an email or an IAM session name (2-128 of a-z 0-9 _ = , . @ + -)', {
      details: [{ path: `/path/${name}`, message: 'not a principal name' }],
    });
  }
  return principal;
}

export const handler = createApiHandler('identity', {
  'GET /api/v1/me': async (req) => json(200, await describeMe(req)),
  'GET /api/v1/me/notifications': async (req) => json(200, await listNotifications(req.identity.principal, req.query.limit ?? 50, req.query.cursor)),
  'POST /api/v1/me/notifications/read': async (req) => {
    req.audit.resourceId = req.identity.principal;
    return json(200, await markRead(req.identity.principal, req.body));
  },
  'GET /api/v1/teams': async (req) => json(200, await teams.listTeams(req.query.limit ?? 50, req.query.cursor)),
  'POST /api/v1/teams': async (req) => {
    const team = await teams.createTeam(req.body, req.identity.principal);
    req.audit.resourceId = team.id;
    return json(201, team, { etag: etag(team.version), location: `/api/v1/teams/${team.id}` });
  },
  'GET /api/v1/teams/{id}': async (req) => {
    const team = await teams.getTeam(req.params.id);
    return json(200, team, { etag: etag(team.version) });
  },
  'PUT /api/v1/teams/{id}': async (req) => {
    const team = await teams.updateTeam(req.params.id, req.ifMatch!, req.body);
    return json(200, team, { etag: etag(team.version) });
  },
  'DELETE /api/v1/teams/{id}': async (req) => {
    await teams.deleteTeam(req.params.id, req.ifMatch!);
    return { status: 204 };
  },
  'GET /api/v1/teams/{id}/members': async (req) =>
    json(200, await teams.listMembers(req.params.id, req.query.limit ?? 50, req.query.cursor)),
  'PUT /api/v1/teams/{id}/members/{principal}': async (req) => {
    const { member, created } = await teams.putMember(req.params.id, principalParam(req), req.body, req.identity.principal);
    return json(created ? 201 : 200, member);
  },
  'GET /api/v1/users': async (req) => json(200, await listUsers(req.query.limit ?? 50, req.query.cursor)),
  'PUT /api/v1/users/{user}/role': async (req) => json(200, await setUserRole(principalParam(req, 'user'), req.body.role)),
  'DELETE /api/v1/teams/{id}/members/{principal}': async (req) => {
    await teams.removeMember(req.params.id, principalParam(req));
    return { status: 204 };
  },
}, { validators, idempotency });
