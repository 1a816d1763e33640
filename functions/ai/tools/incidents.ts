/** Incidents, one with its timeline and runbook, through the incidents context's public module. */
import type { Incident } from '#schemas/index.ts';
import { incidentRunbook, incidentTimeline, listIncidents, requireIncident } from '#functions/incidents/public';
import { defineTool } from './define.ts';
import { clip, objectSchema, SERVICE, ULID } from './input.ts';

function incidentBrief(i: Incident): Record<string, unknown> {
  return {
    id: i.id, title: i.title, severity: i.severity, status: i.status,
    source: i.source.type, ...(i.source.alertName ? { alert: i.source.alertName } : {}),
    services: i.affectedServices, environments: i.affectedEnvironments,
    assignee: i.assignee, team: i.team, createdAt: i.createdAt,
    ...(i.acknowledgedAt ? { acknowledgedAt: i.acknowledgedAt } : {}),
    ...(i.resolvedAt ? { resolvedAt: i.resolvedAt } : {}),
  };
}

export const incidentsList = defineTool<{ status?: 'triggered' | 'acknowledged' | 'investigating' | 'resolved' | 'open'; service?: string; severity?: Incident['severity']; limit?: number }>({
  name: 'incidents_list',
  description: 'Incidents newest first: their severity, status, alert, affected services and environments, assignee. Filter by status (open: not resolved), affected service, severity.',
  inputSchema: objectSchema({
    status: { type: 'string', enum: ['triggered', 'acknowledged', 'investigating', 'resolved', 'open'] },
    service: SERVICE,
    severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low'] },
    limit: { type: 'integer', minimum: 1, maximum: 25, description: 'How many (default 10).' },
  }),
  risk: 'read',
  permission: 'incidents:read',
  timeoutMs: 10_000,
  outputLimit: 8_000,
  async run({ status, service, severity, limit }) {
    const page = await listIncidents({ ...(status ? { status } : {}), ...(service ? { service } : {}), ...(severity ? { severity } : {}) }, limit ?? 10);
    return { incidents: page.items.map(incidentBrief), more: page.nextCursor !== null };
  },
});

const TIMELINE_ENTRIES = 20;

export const incidentGet = defineTool<{ id: string }>({
  name: 'incident_get',
  description: 'One incident: its status with who and when, alert, affected services and environments, its description, its runbook (title and first steps), and the last 20 entries of its timeline (alerts, status changes, comments, actions, and the affected services\' deployments in its window).',
  inputSchema: objectSchema({ id: ULID }, ['id']),
  risk: 'read',
  permission: 'incidents:read',
  timeoutMs: 15_000,
  outputLimit: 12_000,
  async run({ id }) {
    const [incident, timeline, runbook] = await Promise.all([requireIncident(id), incidentTimeline(id), incidentRunbook(id)]);
    const entries = timeline.items.slice(-TIMELINE_ENTRIES);
    return {
      ...incidentBrief(incident),
      description: clip(incident.description, 800),
      window: timeline.window,
      runbook: runbook.runbook ? { serviceId: runbook.runbook.serviceId, title: runbook.runbook.title, trigger: runbook.runbook.trigger, content: clip(runbook.runbook.content, 1_500) } : null,
      ...(runbook.reason ? { runbookReason: runbook.reason } : {}),
      timeline: entries.map((e) => ({ at: e.at, type: e.type, actor: e.actor, content: clip(e.content, 300) })),
      ...(timeline.items.length > entries.length ? { timelineLeftOut: timeline.items.length - entries.length } : {}),
    };
  },
});
