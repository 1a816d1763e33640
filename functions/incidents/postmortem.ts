/**
 * Postmortems: `POST …/postmortem` drafts one from the incident's facts (its record and its joined timeline),
 * marked a draft and `generatedByAI: false` (the AI console's issue makes the model write it); `PUT` edits it
 * with If-Match, and marks it final. The draft says only what the records say: what, where, how long, who did
 * what when, the last change before it began as the candidate to confirm, and action items that follow from
 * what is missing (a runbook), never an invented root cause.
 */
import type { Incident, IncidentTimelineEntry, Postmortem, PostmortemCreate, PostmortemUpdate } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { publish } from '#lib/realtime';
import { INCIDENT_CHANGED, INCIDENT_TOPIC } from './lifecycle.ts';
import { insertPostmortem, readIncident, readPostmortem, replacePostmortem, requireIncident, updateIncident } from './records.ts';
import { incidentTimeline } from './timeline.ts';

const minutes = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
const duration = (m: number) => (m >= 120 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`);
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function draftFrom(incident: Incident, timeline: readonly IncidentTimelineEntry[], by: string, now = new Date().toISOString()): Postmortem {
  const where = `${incident.affectedServices.join(', ')} in ${incident.affectedEnvironments.join(', ')}`;
  const end = incident.resolvedAt ?? now;
  const lasted = duration(minutes(incident.createdAt, end));
  const ack = incident.acknowledgedAt ? duration(minutes(incident.createdAt, incident.acknowledgedAt)) : undefined;
  const began = Date.parse(incident.createdAt);
  const changesBefore = timeline.filter((e) => e.type === 'deployment' && Date.parse(e.at) <= began && e.metadata?.status === 'succeeded');
  const suspect = changesBefore.at(-1);
  const rollbacks = timeline.filter((e) => e.type === 'deployment' && Date.parse(e.at) > began && e.metadata?.operation === 'rollback');
  const summary = `${incident.title}. A ${incident.severity} incident on ${where}, ${incident.resolvedAt ? `resolved after ${lasted}` : `open for ${lasted} so far`}`
    + `${incident.source.type !== 'manual' ? `, raised by ${incident.source.type}${incident.source.alertName ? ` (${incident.source.alertName})` : ''}` : ', declared by hand'}.`;
  const impact = [
    `${where} affected from ${incident.createdAt} to ${incident.resolvedAt ?? 'now (still open)'}: ${lasted}.`,
    ack ? `Acknowledged after ${ack} by ${incident.acknowledgedBy}.` : 'Not acknowledged.',
    incident.severity === 'critical' ? 'Deploys and promotes of the affected environments were locked while it was open.' : '',
    'Customer impact: to be written by the responders (what users saw, how many).',
  ].filter(Boolean).join(' ');
  const rootCause = suspect
    ? `To be confirmed. The last change before it began: ${suspect.content} at ${suspect.at}, ${duration(minutes(suspect.at, incident.createdAt))} before.`
      + `${rollbacks.length ? ` It ended after ${rollbacks.map((r) => r.content).join('; ')}.` : ''}`
    : 'To be determined: no deployment of the affected services preceded it in the records.';
  const owner = incident.assignee && /^[A-Za-z0-9_=,.@+-]{2,128}$/.test(incident.assignee) ? incident.assignee : null;
  const actionItems: Postmortem['actionItems'] = [
    { title: 'Confirm the root cause and write it here', owner, due: null, done: false },
    ...(suspect ? [{ title: `Find why canary analysis and tests let "${clip(suspect.content, 200)}" through`, owner, due: null, done: false }] : []),
    ...(!incident.runbook ? [{ title: `Write a runbook for ${incident.source.alertName ?? 'this alert'} on ${incident.affectedServices[0]}`, owner, due: null, done: false }] : []),
  ];
  return {
    incidentId: incident.id, status: 'draft', summary, impact,
    timeline: timeline.slice(0, 500).map((e) => ({ at: e.at, content: clip(`${e.actor}: ${e.content}`, 2000) })),
    rootCause, actionItems, generatedByAI: false,
    createdAt: now, createdBy: by, updatedAt: now, updatedBy: by, version: 1,
  };
}

export async function getPostmortem(id: string): Promise<Postmortem> {
  const postmortem = await readPostmortem(id);
  if (postmortem) return postmortem;
  if (!(await readIncident(id))) throw new NotFoundError(`incident ${id} not found`);
  throw new NotFoundError(`incident ${id} has no postmortem yet: draft one with POST /api/v1/incidents/${id}/postmortem`);
}

async function noteDrafted(incident: Incident): Promise<void> {
  if (!incident.hasPostmortem) await updateIncident(incident, incident.version, { hasPostmortem: true });
}

export async function draftPostmortem(id: string, body: PostmortemCreate, by: string): Promise<Postmortem> {
  const incident = await requireIncident(id, true);
  const { items } = await incidentTimeline(id);
  const draft = draftFrom(incident, items, by);
  const existing = body.replace ? await readPostmortem(id, true) : undefined;
  const saved = existing
    ? await replacePostmortem({ ...draft, createdAt: existing.createdAt, createdBy: existing.createdBy }, existing.version)
    : (await insertPostmortem(draft), draft);
  await noteDrafted(incident);
  await publish(INCIDENT_TOPIC(id), INCIDENT_CHANGED, { postmortem: { version: saved.version, status: saved.status } });
  return saved;
}

export async function editPostmortem(id: string, expectedVersion: number, body: PostmortemUpdate, by: string): Promise<Postmortem> {
  const current = await readPostmortem(id, true);
  if (!current) throw new NotFoundError(`incident ${id} has no postmortem yet: draft one with POST /api/v1/incidents/${id}/postmortem`);
  const saved = await replacePostmortem({ ...current, ...body, updatedAt: new Date().toISOString(), updatedBy: by }, expectedVersion);
  await publish(INCIDENT_TOPIC(id), INCIDENT_CHANGED, { postmortem: { version: saved.version, status: saved.status } });
  return saved;
}
