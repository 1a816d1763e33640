/**
 * The requests context: submit a request and follow it, end a manual one, the approvals inbox, team quotas, and
 * the team and platform analytics (kept on write, ./stats.ts). The
 * fulfilment itself runs in the fulfillment state machine (./steps.ts).
 */
import { createApiHandler, json, type ApiRequest } from '#lib/http';
import validators from '#schemas/validators/requests.gen.cjs';
import { idempotency } from '#lib/idempotency';
import type { RequestCaller } from './access.ts';
import { performanceStats, teamAnalytics, teamCatalog, teamRequestHistory, teamUsage, usageStats } from './analytics.ts';
import { decideBatch } from './approval-batch.ts';
import { decide, listPending } from './approvals.ts';
import { endDelegation, readDelegations, setDelegation } from './delegations.ts';
import { rateRequest } from './ratings.ts';
import { cancelRequest, completeManual, deprovisionRequest, retryRequest } from './lifecycle.ts';
import { getLogs, getStatus, list, toRequest } from './read.ts';
import { quotaUsage, setQuotaLimits } from './quotas.ts';
import { submitRequest } from './submit.ts';

async function callerOf(req: ApiRequest<unknown, unknown>): Promise<RequestCaller> {
  return { principal: req.identity.principal, role: req.identity.role, teams: (await req.teams()).map((m) => m.teamId) };
}

export const handler = createApiHandler('requests', {
  'POST /api/v1/requests': async (req) => {
    const request = await submitRequest(req.body, await callerOf(req));
    req.audit.resourceId = request.id;
    return json(201, request, { Location: `/api/v1/requests/${request.id}` });
  },
  'GET /api/v1/requests': async (req) => json(200, await list(req.query, await callerOf(req))),
  'GET /api/v1/quota/usage/{id}': async (req) => json(200, await quotaUsage(req.params.id)),
  'POST /api/v1/quota/limits/{id}': async (req) => json(200, await setQuotaLimits(req.params.id, req.body, req.identity.principal)),
  'GET /api/v1/teams/{id}/requests': async (req) => json(200, await teamRequestHistory(req.params.id, req.query, await callerOf(req))),
  'GET /api/v1/teams/{id}/catalog': async (req) => json(200, await teamCatalog(req.params.id, req.query)),
  'GET /api/v1/teams/{id}/usage': async (req) => json(200, await teamUsage(req.params.id, req.query)),
  'GET /api/v1/teams/{id}/analytics': async (req) => json(200, await teamAnalytics(req.params.id, req.query)),
  'GET /api/v1/stats/usage': async (req) => json(200, await usageStats(req.query)),
  'GET /api/v1/stats/performance': async (req) => json(200, await performanceStats(req.query)),
  'GET /api/v1/requests/{id}': async (req) => json(200, await toRequest(req.params.id, await callerOf(req))),
  'GET /api/v1/requests/{id}/status': async (req) => json(200, await getStatus(req.params.id, await callerOf(req))),
  'GET /api/v1/requests/{id}/logs': async (req) => json(200, await getLogs(req.params.id, req.query, await callerOf(req))),
  'POST /api/v1/requests/{id}/complete': async (req) => json(200, await completeManual(req.params.id, req.body, await callerOf(req))),
  'POST /api/v1/requests/{id}/retry': async (req) => json(200, await retryRequest(req.params.id, req.body, await callerOf(req))),
  'POST /api/v1/requests/{id}/cancel': async (req) => json(200, await cancelRequest(req.params.id, req.body, await callerOf(req))),
  'POST /api/v1/requests/{id}/deprovision': async (req) => json(200, await deprovisionRequest(req.params.id, req.body, await callerOf(req))),
  'GET /api/v1/approvals/pending': async (req) => json(200, await listPending(await callerOf(req), req.query.limit ?? 50, req.query.cursor)),
  'POST /api/v1/approvals/decide': async (req) => {
    const caller = await callerOf(req);
    const { identity } = req;
    return json(200, await decideBatch(req.body, caller, {
      actor: identity.principal, actorType: req.onBehalf ? 'ai' : 'user', ...(identity.role ? { actorRole: identity.role } : {}),
      ...(req.onBehalf ? { aiSessionId: req.onBehalf.aiSessionId } : {}), sourceIp: identity.sourceIp, userAgent: identity.userAgent, requestId: req.requestId,
    }));
  },
  'GET /api/v1/approvals/delegation': async (req) => json(200, await readDelegations(await callerOf(req))),
  'PUT /api/v1/approvals/delegation': async (req) => {
    const delegation = await setDelegation(await callerOf(req), req.body);
    req.audit.resourceId = delegation.principal;
    return json(200, delegation);
  },
  'DELETE /api/v1/approvals/delegation': async (req) => {
    req.audit.resourceId = req.identity.principal;
    await endDelegation(await callerOf(req));
    return { status: 204 };
  },
  'PUT /api/v1/requests/{id}/rating': async (req) => json(200, await rateRequest(req.params.id, req.body, await callerOf(req))),
  'POST /api/v1/approvals/{id}/approve': async (req) => json(200, await decide(req.params.id, await callerOf(req), 'approved', req.body.comment, req.audit)),
  'POST /api/v1/approvals/{id}/reject': async (req) => json(200, await decide(req.params.id, await callerOf(req), 'rejected', req.body.reason, req.audit)),
}, { validators, idempotency });
