/**
 * What an incident's postmortem is written from, through the incidents context's public module: the incident, its
 * whole joined timeline (bounded), the facts computed from them (duration, time to acknowledge, the last change before
 * it began, rollbacks after) and the state of its postmortem, if it has one.
 */
import { incidentTimeline, postmortemFacts, readPostmortem, requireIncident } from '#functions/incidents/public';
import { defineTool } from './define.ts';
import { clip, objectSchema, ULID } from './input.ts';

/** The timeline's latest entries given (a long incident's earliest are said to be left out). */
const TIMELINE_ENTRIES = 40;

export interface PostmortemRead {
  incident: {
    id: string; title: string; severity: string; status: string; source: string; alert?: string; services: string[]; environments: string[];
    assignee: string | null; description: string; createdAt: string; acknowledgedAt: string | null; acknowledgedBy: string | null; resolvedAt: string | null;
  };
  where: string;
  durationMinutes: number;
  ackMinutes: number | null;
  candidateChange: { at: string; content: string; minutesBefore: number } | null;
  rollbacks: Array<{ at: string; content: string }>;
  timeline: Array<{ at: string; type: string; actor: string; content: string }>;
  timelineLeftOut?: number;
  postmortem: {
    status: string; version: number; generatedByAI: boolean; model: string | null; modelDraft: string | null; modelError?: string;
    updatedAt: string; updatedBy: string; rootCause: string; actionItems: number; actionItemsDone: number;
  } | null;
}

export const incidentPostmortem = defineTool<{ id: string }>({
  name: 'incident_postmortem',
  description: 'What an incident\'s postmortem is written from: the incident, its whole timeline (the latest 40 entries: alerts, status changes, comments, actions, deployments), its duration and time to acknowledge in minutes, the last deployment of its services before it began (the candidate cause, to be confirmed), rollbacks after, and its postmortem\'s state (none, draft or final; written by the model or drafted from the records; the model still writing).',
  inputSchema: objectSchema({ id: ULID }, ['id']),
  risk: 'read',
  permission: 'incidents:read',
  timeoutMs: 15_000,
  outputLimit: 14_000,
  async run({ id }): Promise<PostmortemRead> {
    const [i, timeline, postmortem] = await Promise.all([requireIncident(id), incidentTimeline(id), readPostmortem(id)]);
    const facts = postmortemFacts(i, timeline.items);
    const entries = timeline.items.slice(-TIMELINE_ENTRIES);
    return {
      incident: {
        id: i.id, title: i.title, severity: i.severity, status: i.status, source: i.source.type, ...(i.source.alertName ? { alert: i.source.alertName } : {}),
        services: i.affectedServices, environments: i.affectedEnvironments, assignee: i.assignee, description: clip(i.description, 800),
        createdAt: i.createdAt, acknowledgedAt: i.acknowledgedAt, acknowledgedBy: i.acknowledgedBy, resolvedAt: i.resolvedAt,
      },
      where: facts.where,
      durationMinutes: facts.durationMinutes,
      ackMinutes: facts.ackMinutes,
      candidateChange: facts.candidateChange && { ...facts.candidateChange, content: clip(facts.candidateChange.content, 300) },
      rollbacks: facts.rollbacks.map((r) => ({ at: r.at, content: clip(r.content, 300) })),
      timeline: entries.map((e) => ({ at: e.at, type: e.type, actor: e.actor, content: clip(e.content, 200) })),
      ...(timeline.items.length > entries.length ? { timelineLeftOut: timeline.items.length - entries.length } : {}),
      postmortem: postmortem
        ? {
          status: postmortem.status, version: postmortem.version, generatedByAI: postmortem.generatedByAI, model: postmortem.model,
          modelDraft: postmortem.modelDraft?.status ?? null, ...(postmortem.modelDraft?.error ? { modelError: clip(postmortem.modelDraft.error, 300) } : {}),
          updatedAt: postmortem.updatedAt, updatedBy: postmortem.updatedBy, rootCause: clip(postmortem.rootCause, 600),
          actionItems: postmortem.actionItems.length, actionItemsDone: postmortem.actionItems.filter((a) => a.done).length,
        }
        : null,
    };
  },
});
