/**
 * What an incident's records say about it, computed (not written): how long it lasted, how long until someone
 * acknowledged it, the last change before it began (the candidate cause, to be confirmed), the rollbacks after.
 * The draft from the records, the model's prompt and the AI console's `postmortem` command all read these.
 */
import type { Incident, IncidentTimelineEntry } from '#schemas/index.ts';

const minutes = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
/** `45 min`, `3 h 5 min`. */
export const duration = (m: number): string => (m >= 120 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`);

export interface PostmortemFacts {
  /** `core-service in prod` */
  readonly where: string;
  /** From its opening to its resolution, or now. */
  readonly durationMinutes: number;
  /** Time to acknowledge; null when nobody has. */
  readonly ackMinutes: number | null;
  /** The last succeeded deployment of its services before it began: the candidate cause, to be confirmed. */
  readonly candidateChange: { readonly at: string; readonly content: string; readonly minutesBefore: number } | null;
  /** Rollbacks after it began. */
  readonly rollbacks: ReadonlyArray<{ readonly at: string; readonly content: string }>;
}

export function postmortemFacts(incident: Incident, timeline: readonly IncidentTimelineEntry[], now = new Date().toISOString()): PostmortemFacts {
  const began = Date.parse(incident.createdAt);
  const suspect = timeline.filter((e) => e.type === 'deployment' && Date.parse(e.at) <= began && e.metadata?.status === 'succeeded').at(-1);
  return {
    where: `${incident.affectedServices.join(', ')} in ${incident.affectedEnvironments.join(', ')}`,
    durationMinutes: minutes(incident.createdAt, incident.resolvedAt ?? now),
    ackMinutes: incident.acknowledgedAt ? minutes(incident.createdAt, incident.acknowledgedAt) : null,
    candidateChange: suspect ? { at: suspect.at, content: suspect.content, minutesBefore: minutes(suspect.at, incident.createdAt) } : null,
    rollbacks: timeline.filter((e) => e.type === 'deployment' && Date.parse(e.at) > began && e.metadata?.operation === 'rollback').map((e) => ({ at: e.at, content: e.content })),
  };
}
