/**
 * The incidents context: incidents from PagerDuty, CloudWatch alarms and people; their lifecycle, runbook,
 * timeline joined with Apollo's own records, postmortem and statistics.
 */
import { createApiHandler, etag, json, type ApiRequest } from '#lib/http';
import { idempotency } from '#lib/idempotency';
import validators from '#schemas/validators/incidents.gen.cjs';
import { addTimelineEntry, changeStatus, editIncident, openIncident, type Actor } from './lifecycle.ts';
import { draftPostmortem, editPostmortem, getPostmortem } from './postmortem.ts';
import { listIncidents, requireIncident } from './records.ts';
import { incidentRunbook } from './runbook.ts';
import { incidentStats } from './stats.ts';
import { incidentTimeline } from './timeline.ts';

const actorOf = (req: ApiRequest<unknown, unknown>): Actor => ({ principal: req.identity.principal, via: 'user' });
const withEtag = <T extends { version: number }>(status: 200 | 201, body: T, headers: Record<string, string> = {}) => json(status, body, { etag: etag(body.version), ...headers });

export const handler = createApiHandler('incidents', {
  'GET /api/v1/incidents': async (req) => {
    const { limit, cursor, ...filter } = req.query;
    return json(200, await listIncidents(filter, limit ?? 50, cursor));
  },
  'GET /api/v1/incidents/stats': async (req) => json(200, await incidentStats(req.query)),
  'POST /api/v1/incidents': async (req) => {
    // Opened through the AI console (its approved action, as this person): the incident says it was detected there.
    const incident = await openIncident(req.onBehalf ? { ...req.body, source: { type: 'ai-detected', alertId: req.onBehalf.aiSessionId } } : req.body, actorOf(req));
    req.audit.resourceId = incident.id;
    return withEtag(201, incident, { location: `/api/v1/incidents/${incident.id}` });
  },
  'GET /api/v1/incidents/{id}': async (req) => withEtag(200, await requireIncident(req.params.id)),
  'PUT /api/v1/incidents/{id}': async (req) => withEtag(200, await editIncident(req.params.id, req.ifMatch!, req.body, actorOf(req))),
  'POST /api/v1/incidents/{id}/acknowledge': async (req) => withEtag(200, await changeStatus(req.params.id, { to: 'acknowledged', ...(req.body.note ? { note: req.body.note } : {}) }, actorOf(req))),
  'POST /api/v1/incidents/{id}/resolve': async (req) => withEtag(200, await changeStatus(req.params.id, { to: 'resolved', ...(req.body.note ? { note: req.body.note } : {}) }, actorOf(req))),
  'POST /api/v1/incidents/{id}/reopen': async (req) => withEtag(200, await changeStatus(req.params.id, { to: 'triggered', reopen: true, ...(req.body.note ? { note: req.body.note } : {}) }, actorOf(req))),
  'GET /api/v1/incidents/{id}/timeline': async (req) => json(200, await incidentTimeline(req.params.id)),
  'POST /api/v1/incidents/{id}/timeline': async (req) => json(201, await addTimelineEntry(req.params.id, req.body, actorOf(req))),
  'GET /api/v1/incidents/{id}/runbook': async (req) => json(200, await incidentRunbook(req.params.id)),
  'GET /api/v1/incidents/{id}/postmortem': async (req) => withEtag(200, await getPostmortem(req.params.id)),
  'POST /api/v1/incidents/{id}/postmortem': async (req) => withEtag(201, await draftPostmortem(req.params.id, req.body, req.identity.principal)),
  'PUT /api/v1/incidents/{id}/postmortem': async (req) => withEtag(200, await editPostmortem(req.params.id, req.ifMatch!, req.body, req.identity.principal)),
}, { validators, idempotency });
