/** The AI context: sessions of the AI operations console; their turns stream on the realtime topic ai:<id>. */
import { createApiHandler, json, type ApiRequest } from '#lib/http';
import { idempotency } from '#lib/idempotency';
import validators from '#schemas/validators/ai.gen.cjs';
import { approveAction, rejectAction } from './approvals.ts';
import { aiStats } from './stats.ts';
import { createSession, listActive, listMine, sendMessage, sessionDetail, sessionReplay, setOutcome, setToolAllowlist, terminateSession, type AiCaller } from './sessions.ts';
import { aiUser, aiUsers, setSandbox } from './users.ts';

const callerOf = (req: ApiRequest<unknown, unknown>): AiCaller => ({ principal: req.identity.principal, role: req.identity.role });

export const handler = createApiHandler('ai', {
  'POST /api/v1/ai/sessions': async (req) => {
    const session = await createSession(req.body, callerOf(req));
    req.audit.resourceId = session.id;
    return json(201, session, { location: `/api/v1/ai/sessions/${session.id}` });
  },
  'GET /api/v1/ai/sessions': async (req) => json(200, await listMine(callerOf(req), req.query.limit ?? 50, req.query.cursor)),
  'GET /api/v1/ai/sessions/active': async (req) => json(200, await listActive(req.query.limit ?? 50, req.query.cursor)),
  'GET /api/v1/ai/sessions/{id}': async (req) => json(200, await sessionDetail(req.params.id, callerOf(req))),
  'DELETE /api/v1/ai/sessions/{id}': async (req) => json(200, await terminateSession(req.params.id, callerOf(req))),
  'POST /api/v1/ai/sessions/{id}/message': async (req) => json(202, await sendMessage(req.params.id, req.body.text, callerOf(req))),
  'PUT /api/v1/ai/sessions/{id}/outcome': async (req) => json(200, await setOutcome(req.params.id, req.body, callerOf(req))),
  'POST /api/v1/ai/sessions/{id}/approve': async (req) => {
    const action = await approveAction(req.params.id, req.body.actionId, req.body.note, callerOf(req));
    req.audit.details = { actionId: action.id, tool: action.tool, route: action.route, arguments: action.arguments, status: action.status, statusCode: action.result?.statusCode, resource: action.result?.resource };
    return json(200, action);
  },
  'POST /api/v1/ai/sessions/{id}/reject': async (req) => {
    const action = await rejectAction(req.params.id, req.body.actionId, req.body.note, callerOf(req));
    req.audit.details = { actionId: action.id, tool: action.tool, route: action.route };
    return json(200, action);
  },
  'PUT /api/v1/ai/sessions/{id}/tools': async (req) => json(200, await setToolAllowlist(req.params.id, req.body.allow, callerOf(req))),
  'GET /api/v1/ai/users': async (req) => json(200, await aiUsers(req.query.date)),
  'GET /api/v1/ai/users/{principal}': async (req) => json(200, await aiUser(req.params.principal, callerOf(req))),
  'PUT /api/v1/ai/users/{principal}/sandbox': async (req) => json(200, await setSandbox(req.params.principal, req.body, callerOf(req))),
  'GET /api/v1/ai/stats': async (req) => json(200, await aiStats(req.query)),
  'GET /api/v1/ai/audit': async (req) => json(200, await sessionReplay(req.query.sessionId, callerOf(req))),
  'POST /api/v1/incidents/{id}/ai-session': async (req) => {
    const session = await createSession({ target: { incidentId: req.params.id } }, callerOf(req));
    return json(201, session, { location: `/api/v1/ai/sessions/${session.id}` });
  },
}, { validators, idempotency });
