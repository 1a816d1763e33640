/**
 * Incidents in the table (ARCHITECTURE.md §3):
 *
 *   INC#<id> / META                 the incident   GSI1 INCSTATUS#<status> / <createdAt>#<id>   GSI2 INCIDENTS / <createdAt>#<id>
 *   INC#<id> / EVT#<at>#<entryId>   its own timeline entries (alerts, status changes, comments, actions)
 *   INC#<id> / POSTMORTEM           its postmortem (versioned)
 *   INCEXT#<source>#<alertId> / META   which incident an outside alert is (a PagerDuty incident; a CloudWatch
 *                                      alarm while it fires): claimed with a conditional put, so one alert
 *                                      delivered twice opens one incident
 *
 * Updates carry the incident's `version` (If-Match → 412); the status index moves with the status.
 */
import { monotonicFactory } from 'ulidx';
import type { Incident, IncidentTimelineEntry, Postmortem } from '#schemas/index.ts';
import { ConflictError, NotFoundError } from '#shared/errors';
import { deleteItem, getItem, putNew, queryAll, queryPage, updateVersioned, type Item, type Page } from '#lib/table';

export const newId = monotonicFactory();

export type IncidentItem = Item & Incident;
type EntryItem = Item & IncidentTimelineEntry;
type PostmortemItem = Item & Postmortem;

const key = (id: string, SK = 'META') => ({ PK: `INC#${id}`, SK });
const sortKey = (incident: Pick<Incident, 'createdAt' | 'id'>) => `${incident.createdAt}#${incident.id}`;

/** The fields that are null when unset: a versioned update removes an attribute set to null. */
const NULLABLE = ['assignee', 'team', 'runbook', 'acknowledgedAt', 'acknowledgedBy', 'investigatingAt', 'resolvedAt', 'resolvedBy', 'reopenedAt'] as const;

export function toIncident(item: IncidentItem): Incident {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g1s, GSI2PK: _g2, GSI2SK: _g2s, ...incident } = item;
  const out = incident as Record<string, unknown>;
  for (const field of NULLABLE) out[field] ??= null;
  return out as unknown as Incident;
}

export async function insertIncident(incident: Incident): Promise<void> {
  await putNew({
    ...key(incident.id), ...incident,
    GSI1PK: `INCSTATUS#${incident.status}`, GSI1SK: sortKey(incident),
    GSI2PK: 'INCIDENTS', GSI2SK: sortKey(incident),
  }, `incident ${incident.id} exists`);
}

export async function readIncident(id: string, consistent = false): Promise<Incident | undefined> {
  const item = await getItem<IncidentItem>(key(id), { consistent });
  return item && toIncident(item);
}

export async function requireIncident(id: string, consistent = false): Promise<Incident> {
  const incident = await readIncident(id, consistent);
  if (!incident) throw new NotFoundError(`incident ${id} not found`);
  return incident;
}

/** Applies changes if the incident is still at `expectedVersion` (412 otherwise); the status index follows. */
export async function updateIncident(current: Incident, expectedVersion: number, changes: Partial<Omit<Incident, 'id' | 'version'>>): Promise<Incident> {
  const status = changes.status ?? current.status;
  const item = await updateVersioned<IncidentItem>(key(current.id), expectedVersion, {
    ...changes,
    ...(changes.status ? { GSI1PK: `INCSTATUS#${status}` } : {}),
  });
  return toIncident(item);
}

export async function appendEntry(incidentId: string, entry: IncidentTimelineEntry): Promise<void> {
  await putNew({ ...key(incidentId, `EVT#${entry.at}#${entry.id}`), ...entry }, `timeline entry ${entry.id} exists`);
}

export async function ownEntries(incidentId: string): Promise<IncidentTimelineEntry[]> {
  const items = await queryAll<EntryItem>({ partition: `INC#${incidentId}`, sortKey: { beginsWith: 'EVT#' } }, 5000);
  return items.map(({ PK: _pk, SK: _sk, ...entry }) => entry as IncidentTimelineEntry);
}

export interface IncidentFilter {
  readonly status?: Incident['status'] | 'open';
  readonly severity?: Incident['severity'];
  readonly service?: string;
  readonly team?: string;
  readonly source?: Incident['source']['type'];
  readonly from?: string;
  readonly to?: string;
}

/** Newest first. One status: its index; open: the three open statuses' pages merged; else every incident. */
export async function listIncidents(filter: IncidentFilter, limit: number, cursor?: string): Promise<Page<Incident>> {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.severity) { names['#severity'] = 'severity'; values[':severity'] = filter.severity; conditions.push('#severity = :severity'); }
  if (filter.team) { names['#team'] = 'team'; values[':team'] = filter.team; conditions.push('#team = :team'); }
  if (filter.service) { names['#services'] = 'affectedServices'; values[':service'] = filter.service; conditions.push('contains(#services, :service)'); }
  if (filter.source) { names['#source'] = 'source'; names['#type'] = 'type'; values[':source'] = filter.source; conditions.push('#source.#type = :source'); }
  if (filter.status === 'open') { names['#status'] = 'status'; values[':resolved'] = 'resolved'; conditions.push('#status <> :resolved'); }
  const byStatus = filter.status && filter.status !== 'open';
  const page = await queryPage<IncidentItem>({
    index: byStatus ? 'GSI1' : 'GSI2',
    partition: byStatus ? `INCSTATUS#${filter.status}` : 'INCIDENTS',
    ...(filter.from || filter.to ? { sortKey: { between: [filter.from ?? '0', `${filter.to ?? '9999'}`] as [string, string] } } : {}),
    limit, newestFirst: true, ...(cursor ? { cursor } : {}),
    ...(conditions.length ? { maxReads: 8, filter: { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values } } : {}),
  });
  return { items: page.items.map(toIncident), nextCursor: page.nextCursor };
}

/** Every incident created in [from, to) (stats; incidents are few next to requests: bounded). */
export async function incidentsCreated(from: string, to: string, max = 10_000): Promise<Incident[]> {
  return (await queryAll<IncidentItem>({ index: 'GSI2', partition: 'INCIDENTS', sortKey: { between: [from, to] } }, max)).map(toIncident);
}

// ------------------------------------------------------------------ outside alerts

const extKey = (source: string, alertId: string) => ({ PK: `INCEXT#${source}#${alertId}`, SK: 'META' });

/** Claims an outside alert for a new incident; false when another incident has it already. */
export async function claimAlert(source: string, alertId: string, incidentId: string): Promise<boolean> {
  try {
    await putNew({ ...extKey(source, alertId), incidentId, claimedAt: new Date().toISOString() }, 'alert claimed');
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}

export async function incidentOfAlert(source: string, alertId: string): Promise<string | undefined> {
  return (await getItem<Item & { incidentId: string }>(extKey(source, alertId), { consistent: true }))?.incidentId;
}

/** An alarm that stopped firing is free for the next incident. */
export async function releaseAlert(source: string, alertId: string): Promise<void> {
  await deleteItem(extKey(source, alertId));
}

// ------------------------------------------------------------------ postmortems

export async function readPostmortem(incidentId: string, consistent = false): Promise<Postmortem | undefined> {
  const item = await getItem<PostmortemItem>(key(incidentId, 'POSTMORTEM'), { consistent });
  return item ? toPostmortem(item) : undefined;
}

/**
 * How long the model's writing may take before it is said to have failed: the job's 300 s and the jobs Lambda's
 * two retries of an asynchronous invocation (a minute, then two, apart), with room. A run lost past that (its
 * retries gave up, or `npm start` stopped mid-way) would otherwise say "writing" for ever.
 */
export const MODEL_WRITING_GIVES_UP_MS = 20 * 60_000;

/** Null fields are not stored (a versioned update removes them); one drafted before the model wrote drafts has neither. */
function toPostmortem(item: PostmortemItem, now = Date.now()): Postmortem {
  const { PK: _pk, SK: _sk, ...postmortem } = item;
  const draft = postmortem.modelDraft ?? null;
  const lost = draft?.status === 'writing' && now - Date.parse(draft.requestedAt) > MODEL_WRITING_GIVES_UP_MS;
  return {
    ...postmortem, model: postmortem.model ?? null,
    modelDraft: lost ? { ...draft, status: 'failed', error: `the model did not finish within ${MODEL_WRITING_GIVES_UP_MS / 60_000} minutes` } : draft,
  };
}

export async function insertPostmortem(postmortem: Postmortem): Promise<void> {
  await putNew({ ...key(postmortem.incidentId, 'POSTMORTEM'), ...postmortem }, `incident ${postmortem.incidentId} has a postmortem: edit it with PUT, or draft it again with {"replace": true}`);
}

export async function replacePostmortem(postmortem: Postmortem, expectedVersion: number): Promise<Postmortem> {
  const { incidentId, version: _v, ...rest } = postmortem;
  return toPostmortem(await updateVersioned<PostmortemItem>(key(incidentId, 'POSTMORTEM'), expectedVersion, rest));
}
