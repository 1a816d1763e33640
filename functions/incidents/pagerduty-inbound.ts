/**
 * A PagerDuty v3 webhook's signal applied to Apollo's incidents (the webhooks context verified the signature and
 * claimed the delivery). `incident.triggered` opens one (claimed by PagerDuty's incident id, so a second delivery
 * of the same trigger opens nothing); acknowledged, unacknowledged, resolved and reopened move it; annotated adds
 * the note to its timeline; escalated, reassigned and priority changes are written on it. An event about an
 * incident Apollo never saw opens it when the event carries the whole incident, else is ignored, saying why.
 *
 * Which catalog service: the PagerDuty service summary `core-service (prod)` (service and environment), else the
 * incident key `HighErrorRate/core-service/prod`, else a catalog service whose tags hold `pagerduty:<service id>`.
 * Severity: the priority P1 critical, P2 high, P3 medium, P4/P5 low; without one, high urgency is critical
 * (PagerDuty pages someone now) and low urgency is low.
 */
import type { Incident, PagerDutyWebhookResult } from '#schemas/index.ts';
import { catalogSnapshot } from '#functions/services/public';
import { addTimelineEntry, changeStatus, openIncident, type Actor } from './lifecycle.ts';
import type { PagerDutySignal, PagerDutySignalIncident } from './pagerduty-events.ts';
import { claimAlert, incidentOfAlert, newId, ownEntries, readIncident, releaseAlert, updateIncident } from './records.ts';

const SOURCE = 'pagerduty';

export function severityOf(incident: Pick<PagerDutySignalIncident, 'priority' | 'urgency'>): Incident['severity'] {
  const p = /^P([1-5])\b/i.exec(incident.priority ?? '')?.[1];
  if (p) return p === '1' ? 'critical' : p === '2' ? 'high' : p === '3' ? 'medium' : 'low';
  return incident.urgency === 'low' ? 'low' : 'critical';
}

/** The alert's name: the incident key's first part (`HighErrorRate/…`), else the title's words before a colon. */
export function alertNameOf(incident: Pick<PagerDutySignalIncident, 'incidentKey' | 'title'>): string | undefined {
  const fromKey = incident.incidentKey?.split(/[/:]/)[0]?.trim();
  if (fromKey && /^[A-Za-z0-9_.-]{1,128}$/.test(fromKey)) return fromKey;
  const fromTitle = /^([A-Za-z0-9_.-]{1,128}):/.exec(incident.title)?.[1];
  return fromTitle;
}

/** The catalog service(s) and environment(s) a PagerDuty incident is about. */
export async function affectedOf(incident: PagerDutySignalIncident): Promise<{ services: string[]; environments: string[] }> {
  const catalog = await catalogSnapshot();
  const known = (name: string | undefined) => (name && catalog.get(name) && !catalog.get(name)!.deregisteredAt ? name : undefined);
  const summary = /^\s*([a-z0-9][a-z0-9-]*)\s*(?:\(([a-z][a-z0-9-]*)\))?\s*$/.exec(incident.serviceSummary ?? '');
  const key = incident.incidentKey?.split(/[/:]/).map((p) => p.trim()) ?? [];
  const byTag = incident.serviceId ? [...catalog.records()].find((r) => !r.deregisteredAt && r.tags.includes(`pagerduty:${incident.serviceId}`))?.id : undefined;
  const service = known(summary?.[1]) ?? known(key[1]) ?? byTag;
  const environment = summary?.[2] ?? (key[2] && /^[a-z][a-z0-9-]*$/.test(key[2]) ? key[2] : undefined) ?? 'prod';
  return { services: service ? [service] : [], environments: [environment] };
}

const actorOf = (signal: PagerDutySignal): Actor => ({ principal: signal.agent?.type === 'user_reference' && signal.agent.summary ? `pagerduty:${signal.agent.summary}` : 'pagerduty', via: 'pagerduty' });

async function open(signal: PagerDutySignal, incident: PagerDutySignalIncident): Promise<PagerDutyWebhookResult & { incidentId?: string }> {
  const { services, environments } = await affectedOf(incident);
  if (!services.length) {
    return { delivery: '', duplicate: false, outcome: 'ignored', reason: `PagerDuty service ${incident.serviceSummary ?? incident.serviceId ?? '(none)'} is no catalog service: name it "<service> (<environment>)", or tag the service pagerduty:${incident.serviceId ?? '<id>'}` };
  }
  const alertName = alertNameOf(incident);
  // Claimed first: two deliveries of one trigger racing each other open one incident.
  const id = newId();
  if (!(await claimAlert(SOURCE, incident.id, id))) {
    const existing = await incidentOfAlert(SOURCE, incident.id);
    return { delivery: '', duplicate: false, outcome: 'unchanged', ...(existing ? { incidentId: existing } : {}), reason: 'PagerDuty told of this incident before' };
  }
  try {
    const status = incident.status === 'acknowledged' ? 'acknowledged' : incident.status === 'resolved' ? 'resolved' : 'triggered';
    const opened = await openIncident({
      title: incident.title,
      severity: severityOf(incident),
      affectedServices: services,
      affectedEnvironments: environments,
      ...(incident.assignees[0]?.summary ? { assignee: incident.assignees[0].summary } : {}),
      source: { type: 'pagerduty', alertId: incident.id, ...(alertName ? { alertName } : {}), ...(incident.htmlUrl ? { url: incident.htmlUrl } : {}), ...(incident.number !== null ? { number: incident.number } : {}) },
      pagerduty: { incidentId: incident.id, serviceId: incident.serviceId, htmlUrl: incident.htmlUrl, syncError: null },
      at: signal.occurredAt,
      status,
    }, actorOf(signal), id);
    return { delivery: '', duplicate: false, outcome: 'created', incidentId: opened.id };
  } catch (error) {
    // Not opened: the next delivery (PagerDuty retries a failed one) may try again.
    await releaseAlert(SOURCE, incident.id);
    throw error;
  }
}

export async function applyPagerDutySignal(signal: PagerDutySignal): Promise<Omit<PagerDutyWebhookResult, 'delivery' | 'duplicate'>> {
  const pd = signal.incident;
  if (!pd || signal.kind === 'other') return { outcome: 'ignored', reason: `${signal.eventType} is not an incident change Apollo follows` };
  const known = await incidentOfAlert(SOURCE, pd.id);
  const incident = known ? await readIncident(known, true) : undefined;
  if (!incident) {
    if (signal.kind === 'triggered' || (!pd.partial && pd.status !== null)) {
      const { delivery: _d, duplicate: _u, ...result } = await open(signal, pd);
      return result;
    }
    return { outcome: 'ignored', reason: `Apollo has no incident for PagerDuty incident ${pd.id}, and this event does not carry it whole` };
  }
  const actor = actorOf(signal);
  const before = incident.version;
  const after = await (async () => {
    switch (signal.kind) {
      case 'triggered': return incident;
      case 'acknowledged': return incident.status === 'triggered' ? changeStatus(incident.id, { to: 'acknowledged' }, actor) : incident;
      case 'unacknowledged': return incident.status === 'acknowledged' ? changeStatus(incident.id, { to: 'triggered' }, actor) : incident;
      case 'resolved': return changeStatus(incident.id, { to: 'resolved' }, actor);
      case 'reopened': return changeStatus(incident.id, { to: 'triggered', reopen: true }, actor);
      case 'annotated': {
        // A note Apollo sent with an acknowledgement or resolution comes back as PagerDuty's annotation: once is enough.
        const note = signal.note ?? '';
        if ((await ownEntries(incident.id)).some((e) => e.metadata?.note === note)) return incident;
        await addTimelineEntry(incident.id, { content: note || '(an empty note)', type: 'comment' }, actor, 'pagerduty');
        return undefined;
      }
      case 'reassigned': {
        const assignee = pd.assignees[0]?.summary ?? null;
        if (pd.partial || assignee === incident.assignee) return incident;
        await addTimelineEntry(incident.id, { content: `reassigned in PagerDuty to ${assignee ?? 'nobody'}`, type: 'action' }, actor, 'pagerduty');
        return updateIncident(incident, incident.version, { assignee, updatedAt: new Date().toISOString() });
      }
      default:
        await addTimelineEntry(incident.id, { content: `${signal.eventType.replace('incident.', '').replace(/_/g, ' ')} in PagerDuty`, type: 'action' }, actor, 'pagerduty');
        return undefined;
    }
  })();
  if (after === undefined) return { outcome: 'updated', incidentId: incident.id };
  return { outcome: after.version === before ? 'unchanged' : 'updated', incidentId: incident.id };
}
