/**
 * An incident's life: opened (by hand, by a PagerDuty webhook, by a CloudWatch alarm), triggered →
 * acknowledged → investigating → resolved, and reopened; every change on its timeline with who and when.
 *
 * - Assignment: PagerDuty's assignee when it names one, else the first affected service's team until someone
 *   acknowledges (who then holds it).
 * - The runbook: the one of an affected service whose trigger is the alert's name (the runbooks' trigger index).
 * - Locks: while a critical incident is open, each affected service's affected environments are locked for
 *   deploy and promote (the deployments context's incident lock; rollback, scale and restart still run).
 *   The locks are recomputed from severity and status on every change and recorded on the incident.
 * - PagerDuty: acknowledging or resolving an incident that came from there is sent back to PagerDuty after
 *   Apollo's own change (PagerDuty being down must not stop a responder), within APOLLO_PAGERDUTY_SYNC_TIMEOUT_SECONDS
 *   for the status and its note together (the caller waits, inside the Lambda's timeout); a failure is written on
 *   the incident (`pagerduty.syncError`) and its timeline, never hidden, and the same action again (a change to
 *   nothing in Apollo) sends it again. PagerDuty's own echo webhook then changes nothing.
 */
import type { Incident, IncidentCreate, IncidentTimelineEntry, IncidentUpdate } from '#schemas/index.ts';
import { ConflictError, ValidationError } from '#shared/errors';
import { publish } from '#lib/realtime';
import { logger } from '#lib/observability';
import { catalogSnapshot, runbooksForAlert } from '#functions/services/public';
import { liftIncidentLock, placeIncidentLock } from '#functions/deployments/public';
import { incidentsConfig } from './config.ts';
import { incidentsDeps } from './deps.ts';
import { appendEntry, insertIncident, newId, requireIncident, updateIncident } from './records.ts';

export const INCIDENTS_TOPIC = 'incidents';
export const INCIDENT_TOPIC = (id: string): string => `incident:${id}`;
export const INCIDENT_CHANGED = 'incident.changed';

type Status = Incident['status'];
type Lock = Incident['locks'][number];

/** Who did it: a person (their principal), or the system an event came from. */
export interface Actor {
  readonly principal: string;
  readonly via: 'user' | 'pagerduty' | 'cloudwatch' | 'apollo';
}

export interface NewIncident extends Omit<IncidentCreate, 'affectedServices' | 'affectedEnvironments'> {
  readonly affectedServices: readonly string[];
  readonly affectedEnvironments?: readonly string[];
  readonly source?: Incident['source'];
  readonly pagerduty?: Incident['pagerduty'];
  /** When it began, if before now (the alert's time). */
  readonly at?: string;
  /** The status it opens in (an alert first seen acknowledged). @default triggered */
  readonly status?: Status;
}

const OPEN: readonly Status[] = ['triggered', 'acknowledged', 'investigating'];
const ORDER: Record<Status, number> = { triggered: 0, acknowledged: 1, investigating: 2, resolved: 3 };

const sameLock = (a: Lock, b: Lock) => a.service === b.service && a.environment === b.environment;

/** The locks an incident holds: each affected service's affected environments it has, while critical and open. */
async function locksOf(incident: Pick<Incident, 'severity' | 'status' | 'affectedServices' | 'affectedEnvironments'>): Promise<Lock[]> {
  if (incident.severity !== 'critical' || incident.status === 'resolved') return [];
  const catalog = await catalogSnapshot();
  return incident.affectedServices.flatMap((service) => {
    const envs = Object.keys(catalog.get(service)?.envs ?? {});
    return incident.affectedEnvironments.filter((e) => envs.includes(e)).map((environment) => ({ service, environment }));
  });
}

/** Puts the deployments context's locks where the incident now holds them (idempotent both ways). */
async function applyLocks(incident: Incident, before: readonly Lock[]): Promise<void> {
  const reason = `critical incident ${incident.id} is open: ${incident.title}`;
  await Promise.all(incident.locks.map((l) => placeIncidentLock(l.service, l.environment, incident.id, reason)));
  await Promise.all(before.filter((b) => !incident.locks.some((l) => sameLock(l, b))).map((l) => liftIncidentLock(l.service, l.environment, incident.id)));
}

async function announce(incident: Incident, entries: readonly IncidentTimelineEntry[]): Promise<void> {
  await publish(INCIDENT_TOPIC(incident.id), INCIDENT_CHANGED, { incident, entries });
  await publish(INCIDENTS_TOPIC, INCIDENT_CHANGED, { id: incident.id, title: incident.title, status: incident.status, severity: incident.severity, affectedServices: incident.affectedServices, team: incident.team, source: incident.source.type });
}

export function entryOf(incidentId: string, at: string, fields: Omit<IncidentTimelineEntry, 'id' | 'at' | 'ref'> & { ref?: IncidentTimelineEntry['ref'] }): IncidentTimelineEntry {
  const id = newId();
  return { id, at, ref: { kind: 'timeline-entry', id, href: `/api/v1/incidents/${incidentId}/timeline` }, ...fields };
}

async function record(incidentId: string, entries: readonly IncidentTimelineEntry[]): Promise<void> {
  for (const entry of entries) await appendEntry(incidentId, entry);
}

/** Checks the affected services are in the catalog; answers the first one's team. */
async function checkServices(services: readonly string[], path: string): Promise<string | null> {
  const catalog = await catalogSnapshot();
  const unknown = services.filter((s) => !catalog.get(s) || catalog.get(s)!.deregisteredAt);
  if (unknown.length) {
    throw new ValidationError(`no such service in the catalog: ${unknown.join(', ')}`, { details: unknown.map((s) => ({ path: `${path}/${services.indexOf(s)}`, message: `${s} is not a registered service` })) });
  }
  return catalog.get(services[0]!)?.team ?? null;
}

/** The runbook for the alert: an affected service's first. */
async function runbookFor(alertName: string | undefined, services: readonly string[]): Promise<Incident['runbook']> {
  if (!alertName) return null;
  const runbooks = await runbooksForAlert(alertName);
  const match = services.map((s) => runbooks.find((r) => r.serviceId === s)).find(Boolean);
  return match ? { serviceId: match.serviceId, runbookId: match.id, title: match.title, trigger: match.trigger, automatable: match.automatable } : null;
}

export async function openIncident(input: NewIncident, actor: Actor, id: string = newId()): Promise<Incident> {
  const team = await checkServices(input.affectedServices, '/body/affectedServices');
  const now = new Date().toISOString();
  const at = input.at && input.at < now ? input.at : now;
  const status = input.status ?? 'triggered';
  const affectedEnvironments = input.affectedEnvironments?.length ? [...input.affectedEnvironments] : ['prod'];
  const source = input.source ?? { type: 'manual' as const, ...(input.alertName ? { alertName: input.alertName } : {}) };
  const base = { severity: input.severity, status, affectedServices: [...input.affectedServices], affectedEnvironments };
  const incident: Incident = {
    id,
    title: input.title,
    description: input.description ?? '',
    ...base,
    source,
    assignee: input.assignee ?? (status === 'triggered' ? null : actor.principal),
    team,
    runbook: await runbookFor(source.alertName ?? input.alertName, input.affectedServices),
    locks: await locksOf(base),
    createdAt: at,
    createdBy: actor.principal,
    updatedAt: now,
    version: 1,
    acknowledgedAt: ORDER[status] >= 1 ? now : null,
    acknowledgedBy: ORDER[status] >= 1 ? actor.principal : null,
    investigatingAt: status === 'investigating' ? now : null,
    resolvedAt: status === 'resolved' ? now : null,
    resolvedBy: status === 'resolved' ? actor.principal : null,
    reopenedAt: null,
    reopenCount: 0,
    hasPostmortem: false,
    ...(input.pagerduty ? { pagerduty: input.pagerduty } : {}),
  };
  await insertIncident(incident);
  const entries: IncidentTimelineEntry[] = [];
  if (source.type !== 'manual' && source.type !== 'ai-detected') {
    entries.push(entryOf(incident.id, at, {
      type: 'alert', actor: actor.via === 'user' ? actor.principal : actor.via, content: `${source.alertName ?? 'alert'} fired: ${incident.title}`,
      ref: { kind: 'alert', id: source.alertId ?? incident.id, ...(source.url ? { url: source.url } : {}) },
      metadata: { source: source.type, ...(source.alertName ? { alertName: source.alertName } : {}) },
    }));
  }
  entries.push(entryOf(incident.id, at, {
    type: 'status_change', actor: actor.principal,
    content: `${source.type === 'manual' ? `declared by ${actor.principal}` : source.type === 'ai-detected' ? `detected by the AI console (session ${source.alertId ?? '?'}) and opened by ${actor.principal}` : `opened from ${source.type}`} as ${incident.severity}, ${status}${incident.assignee ? `; assigned to ${incident.assignee}` : incident.team ? `; assigned to team ${incident.team}` : ''}${incident.runbook ? `; runbook "${incident.runbook.title}"` : ''}${incident.locks.length ? `; ${incident.locks.map((l) => `${l.service} ${l.environment}`).join(', ')} locked for deploys` : ''}`,
    ref: { kind: 'incident', id: incident.id, href: `/api/v1/incidents/${incident.id}` },
    metadata: { to: status },
  }));
  await record(incident.id, entries);
  await applyLocks(incident, []);
  await announce(incident, entries);
  return incident;
}

/** The PagerDuty user a change is made as: the Apollo user when they are an email, else APOLLO_PAGERDUTY_FROM. */
const pagerDutyFrom = (actor: Actor): string | undefined => (/^[^@\s]+@[^@\s]+$/.test(actor.principal) ? actor.principal : incidentsConfig().pagerDutyFrom);

/** Tells PagerDuty (an incident from there, changed in Apollo); a failure is written down, not thrown. */
async function syncPagerDuty(incident: Incident, to: Status, note: string | undefined, actor: Actor): Promise<Incident> {
  const pd = incident.pagerduty;
  if (!pd || actor.via === 'pagerduty' || to === 'triggered') return incident;
  const status = to === 'resolved' ? 'resolved' : 'acknowledged';
  const from = pagerDutyFrom(actor);
  // One budget for the status and its note: the caller is waiting, within the Lambda's timeout.
  const deadline = Date.now() + incidentsConfig().pagerDutySyncTimeoutSeconds * 1000;
  let sent = false;
  let error: string | undefined;
  try {
    if (!from) throw new Error(`${actor.principal} is not an email, and APOLLO_PAGERDUTY_FROM names no PagerDuty user to act as`);
    await incidentsDeps().pagerDuty.setStatus(pd.incidentId, status, from, { deadline });
    sent = true;
    if (note) await incidentsDeps().pagerDuty.addNote(pd.incidentId, note, from, { deadline });
  } catch (caught) {
    error = sent ? `the note was not added: ${(caught as Error).message}` : (caught as Error).message;
    logger.warn('pagerduty sync failed', { incidentId: incident.id, pagerDutyIncident: pd.incidentId, statusSent: sent, error: caught as Error });
  }
  const entry = entryOf(incident.id, new Date().toISOString(), {
    type: 'action', actor: 'apollo',
    content: !error ? `${status} in PagerDuty as ${from}`
      : sent ? `${status} in PagerDuty as ${from}, but ${error}`
        : `could not ${status === 'resolved' ? 'resolve' : 'acknowledge'} PagerDuty incident ${pd.incidentId}: ${error}`,
    ref: { kind: 'alert', id: pd.incidentId, ...(pd.htmlUrl ? { url: pd.htmlUrl } : {}) },
    metadata: { pagerduty: error ? 'failed' : 'sent' },
  });
  await record(incident.id, [entry]);
  if ((pd.syncError ?? null) === (error ?? null)) {
    await announce(incident, [entry]);
    return incident;
  }
  const updated = await updateIncident(incident, incident.version, { pagerduty: { ...pd, syncError: error ?? null }, updatedAt: entry.at });
  await announce(updated, [entry]);
  return updated;
}

export interface StatusChange {
  readonly to: Status;
  readonly note?: string;
  /** PUT's If-Match; without it, the version read (a retry on a race reads again). */
  readonly expectedVersion?: number;
  /** Reopen: back to triggered from resolved. */
  readonly reopen?: boolean;
}

const VERB: Record<Status, string> = { triggered: 'triggered again', acknowledged: 'acknowledged', investigating: 'investigating', resolved: 'resolved' };

/**
 * Moves an incident's status. The same status again changes nothing (a retry is safe); backwards only by
 * reopening a resolved one (or PagerDuty's unacknowledge); a resolved incident is reopened before anything else.
 */
export async function changeStatus(id: string, change: StatusChange, actor: Actor): Promise<Incident> {
  const current = await requireIncident(id, true);
  if (change.expectedVersion !== undefined && change.expectedVersion !== current.version) {
    // updateIncident answers the 412 with the versions in it.
    await updateIncident(current, change.expectedVersion, {});
  }
  const from = current.status;
  // The same again changes nothing in Apollo; what PagerDuty missed of it is sent again.
  if (from === change.to) return current.pagerduty?.syncError ? syncPagerDuty(current, from, change.note, actor) : current;
  if (change.reopen) {
    if (from !== 'resolved') return current;
  } else if (from === 'resolved') {
    throw new ConflictError(`incident ${id} is resolved: reopen it first (POST /api/v1/incidents/${id}/reopen)`);
  } else if (ORDER[change.to] < ORDER[from] && actor.via !== 'pagerduty') {
    throw new ConflictError(`incident ${id} is ${from}: it does not go back to ${change.to}`);
  }
  const now = new Date().toISOString();
  const to = change.to;
  const changes: Partial<Incident> = { status: to, updatedAt: now };
  if (to === 'triggered') Object.assign(changes, { acknowledgedAt: null, acknowledgedBy: null, investigatingAt: null, resolvedAt: null, resolvedBy: null, ...(change.reopen ? { reopenedAt: now, reopenCount: current.reopenCount + 1 } : {}) });
  if (ORDER[to] >= 1 && !current.acknowledgedAt) Object.assign(changes, { acknowledgedAt: now, acknowledgedBy: actor.principal });
  if (to === 'investigating') changes.investigatingAt = now;
  if (to === 'resolved') Object.assign(changes, { resolvedAt: now, resolvedBy: actor.principal });
  if (ORDER[to] >= 1 && !current.assignee && actor.via === 'user') changes.assignee = actor.principal;
  changes.locks = await locksOf({ ...current, status: to });
  const updated = await updateIncident(current, current.version, changes);
  const entry = entryOf(id, now, {
    type: 'status_change', actor: actor.principal,
    content: `${change.reopen ? 'reopened' : VERB[to]} by ${actor.principal}${change.note ? `: ${change.note}` : ''}${lockText(current.locks, updated.locks)}`,
    ref: { kind: 'incident', id, href: `/api/v1/incidents/${id}` },
    metadata: { from, to, via: actor.via, ...(change.note ? { note: change.note } : {}) },
  });
  await record(id, [entry]);
  await applyLocks(updated, current.locks);
  await announce(updated, [entry]);
  return syncPagerDuty(updated, to, change.note, actor);
}

function lockText(before: readonly Lock[], after: readonly Lock[]): string {
  const lifted = before.filter((b) => !after.some((a) => sameLock(a, b)));
  const placed = after.filter((a) => !before.some((b) => sameLock(a, b)));
  const say = (locks: readonly Lock[]) => locks.map((l) => `${l.service} ${l.environment}`).join(', ');
  return `${placed.length ? `; ${say(placed)} locked for deploys` : ''}${lifted.length ? `; ${say(lifted)} unlocked` : ''}`;
}

/** PUT: the fields people edit (If-Match). A status in the body moves it as changeStatus does. */
export async function editIncident(id: string, expectedVersion: number, body: IncidentUpdate, actor: Actor): Promise<Incident> {
  const current = await requireIncident(id, true);
  if (current.status === 'resolved' && body.status) throw new ConflictError(`incident ${id} is resolved: reopen it first`);
  if (body.affectedServices) await checkServices(body.affectedServices, '/body/affectedServices');
  let incident = current;
  const now = new Date().toISOString();
  const changes: Partial<Incident> = {};
  const said: string[] = [];
  if (body.title !== undefined && body.title !== current.title) { changes.title = body.title; said.push(`title "${body.title}"`); }
  if (body.description !== undefined && body.description !== current.description) { changes.description = body.description; said.push('description'); }
  if (body.severity !== undefined && body.severity !== current.severity) { changes.severity = body.severity; said.push(`severity ${current.severity} → ${body.severity}`); }
  if (body.assignee !== undefined && body.assignee !== current.assignee) { changes.assignee = body.assignee; said.push(body.assignee ? `assigned to ${body.assignee}` : 'unassigned'); }
  if (body.affectedServices && body.affectedServices.join() !== current.affectedServices.join()) { changes.affectedServices = [...body.affectedServices]; said.push(`services ${body.affectedServices.join(', ')}`); }
  if (body.affectedEnvironments && body.affectedEnvironments.join() !== current.affectedEnvironments.join()) { changes.affectedEnvironments = [...body.affectedEnvironments]; said.push(`environments ${body.affectedEnvironments.join(', ')}`); }
  if (said.length) {
    const next = { ...current, ...changes };
    changes.locks = await locksOf(next);
    if (changes.affectedServices) changes.runbook = await runbookFor(current.source.alertName, next.affectedServices);
    incident = await updateIncident(current, expectedVersion, { ...changes, updatedAt: now });
    const entry = entryOf(id, now, {
      type: 'status_change', actor: actor.principal,
      content: `changed by ${actor.principal}: ${said.join('; ')}${lockText(current.locks, incident.locks)}`,
      ref: { kind: 'incident', id, href: `/api/v1/incidents/${id}` },
    });
    await record(id, [entry]);
    await applyLocks(incident, current.locks);
    await announce(incident, [entry]);
  } else if (expectedVersion !== current.version) {
    await updateIncident(current, expectedVersion, {});
  }
  if (body.status && body.status !== incident.status) incident = await changeStatus(id, { to: body.status }, actor);
  return incident;
}

/** A comment or an action on the timeline (developers and up). */
export async function addTimelineEntry(id: string, body: { content: string; type?: 'comment' | 'action' }, actor: Actor, via: Actor['via'] = 'user'): Promise<IncidentTimelineEntry> {
  const incident = await requireIncident(id);
  const entry = entryOf(id, new Date().toISOString(), { type: body.type ?? 'comment', actor: actor.principal, content: body.content, ...(via !== 'user' ? { metadata: { via } } : {}) });
  await record(id, [entry]);
  await announce(incident, [entry]);
  return entry;
}

/** Open incidents are not resolved. */
export const isOpen = (incident: Pick<Incident, 'status'>): boolean => OPEN.includes(incident.status);

