/**
 * Postmortems: `POST …/postmortem` drafts one from the incident's facts (its record and its joined timeline),
 * marked a draft and `generatedByAI: false`, and answers it at once; when a model is configured the draft says the
 * model is writing (`modelDraft.status: writing`) and the jobs Lambda's `incident-postmortem` has the model write
 * it from those records as the next version (postmortem-model.ts). `PUT` edits it with If-Match, and marks it final;
 * an edit while the model writes stands, and the model's version is dropped. The draft from the facts says only
 * what the records say: what, where, how long, who did what when, the last change before it began as the candidate
 * to confirm, and action items that follow from what is missing (a runbook), never an invented root cause.
 */
import type { Incident, IncidentTimelineEntry, Postmortem, PostmortemCreate, PostmortemUpdate } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { logger } from '#lib/observability';
import { publish } from '#lib/realtime';
import { incidentsDeps } from './deps.ts';
import { INCIDENT_CHANGED, INCIDENT_TOPIC } from './lifecycle.ts';
import { duration, postmortemFacts } from './postmortem-facts.ts';
import { insertPostmortem, readIncident, readPostmortem, replacePostmortem, requireIncident, updateIncident } from './records.ts';
import { incidentTimeline } from './timeline.ts';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function draftFrom(incident: Incident, timeline: readonly IncidentTimelineEntry[], by: string, now = new Date().toISOString()): Postmortem {
  const facts = postmortemFacts(incident, timeline, now);
  const { where, candidateChange: suspect, rollbacks } = facts;
  const lasted = duration(facts.durationMinutes);
  const ack = facts.ackMinutes !== null ? duration(facts.ackMinutes) : undefined;
  const summary = `${incident.title}. A ${incident.severity} incident on ${where}, ${incident.resolvedAt ? `resolved after ${lasted}` : `open for ${lasted} so far`}`
    + `${incident.source.type !== 'manual' ? `, raised by ${incident.source.type}${incident.source.alertName ? ` (${incident.source.alertName})` : ''}` : ', declared by hand'}.`;
  const impact = [
    `${where} affected from ${incident.createdAt} to ${incident.resolvedAt ?? 'now (still open)'}: ${lasted}.`,
    ack ? `Acknowledged after ${ack} by ${incident.acknowledgedBy}.` : 'Not acknowledged.',
    incident.severity === 'critical' ? 'Deploys and promotes of the affected environments were locked while it was open.' : '',
    'Customer impact: to be written by the responders (what users saw, how many).',
  ].filter(Boolean).join(' ');
  const rootCause = suspect
    ? `To be confirmed. The last change before it began: ${suspect.content} at ${suspect.at}, ${duration(suspect.minutesBefore)} before.`
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
    rootCause, actionItems, generatedByAI: false, model: null, modelDraft: null,
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
  const { postmortemWriter } = incidentsDeps();
  const facts = draftFrom(incident, items, by);
  const writing = await postmortemWriter.configured();
  const draft: Postmortem = writing ? { ...facts, modelDraft: { status: 'writing', requestedAt: facts.createdAt, finishedAt: null, error: null } } : facts;
  const existing = body.replace ? await readPostmortem(id, true) : undefined;
  let saved = existing
    ? await replacePostmortem({ ...draft, createdAt: existing.createdAt, createdBy: existing.createdBy }, existing.version)
    : (await insertPostmortem(draft), draft);
  await noteDrafted(incident);
  if (writing) saved = await handToModel(saved);
  await publish(INCIDENT_TOPIC(id), INCIDENT_CHANGED, { postmortem: { version: saved.version, status: saved.status } });
  return saved;
}

/** The model writes the version after this one (job `<incidentId>/<version>`); a hand-over that fails is said on the draft. */
async function handToModel(saved: Postmortem): Promise<Postmortem> {
  try {
    await incidentsDeps().postmortemWriter.dispatch(`${saved.incidentId}/${saved.version}`);
    return saved;
  } catch (error) {
    logger.error('postmortem model hand-over failed', { incidentId: saved.incidentId, error: error as Error });
    const reason = `the draft could not be handed to the model: ${error instanceof Error ? error.message : String(error)}`;
    return replacePostmortem({ ...saved, modelDraft: { ...saved.modelDraft!, status: 'failed', finishedAt: new Date().toISOString(), error: clip(reason, 2000) } }, saved.version);
  }
}

export async function editPostmortem(id: string, expectedVersion: number, body: PostmortemUpdate, by: string): Promise<Postmortem> {
  const current = await readPostmortem(id, true);
  if (!current) throw new NotFoundError(`incident ${id} has no postmortem yet: draft one with POST /api/v1/incidents/${id}/postmortem`);
  const now = new Date().toISOString();
  // A person's edit while the model writes stands: the model's version (checked against this one's) is dropped.
  const modelDraft = current.modelDraft?.status === 'writing' ? { ...current.modelDraft, status: 'abandoned' as const, finishedAt: now } : current.modelDraft;
  const saved = await replacePostmortem({ ...current, ...body, modelDraft, updatedAt: now, updatedBy: by }, expectedVersion);
  await publish(INCIDENT_TOPIC(id), INCIDENT_CHANGED, { postmortem: { version: saved.version, status: saved.status } });
  return saved;
}
