/**
 * Incident statistics (GET /api/v1/incidents/stats): MTTA (trigger → acknowledgement) and MTTR (trigger →
 * resolution) overall and by severity, service and team, and incidents per ISO week, over the incidents
 * created in a range (default the last 90 days; one index Query over the range).
 */
import type { Incident, IncidentStats, IncidentStatsQuery } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { incidentsCreated } from './records.ts';

const DAY_MS = 86_400_000;
type Bucket = IncidentStats['bySeverity'][number];

const seconds = (from: string, to: string | null) => (to ? (Date.parse(to) - Date.parse(from)) / 1000 : undefined);
const mean = (values: ReadonlyArray<number | undefined>): number | null => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? Math.round(known.reduce((a, b) => a + b, 0) / known.length) : null;
};

function bucket(key: string, incidents: readonly Incident[]): Bucket {
  return {
    key, count: incidents.length,
    mttaSeconds: mean(incidents.map((i) => seconds(i.createdAt, i.acknowledgedAt))),
    mttrSeconds: mean(incidents.map((i) => seconds(i.createdAt, i.resolvedAt))),
  };
}

function groupBy(incidents: readonly Incident[], keysOf: (i: Incident) => readonly string[]): Bucket[] {
  const groups = new Map<string, Incident[]>();
  for (const incident of incidents) for (const k of keysOf(incident)) groups.set(k, [...(groups.get(k) ?? []), incident]);
  return [...groups.entries()].map(([k, list]) => bucket(k, list)).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** Monday of the ISO week (UTC) a time falls in, as a date. */
export function weekStart(iso: string): string {
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day)).toISOString().slice(0, 10);
}

export function computeStats(incidents: readonly Incident[], from: string, to: string): IncidentStats {
  const weeks = new Map<string, Incident[]>();
  // Every week of the range, empty ones too: a chart of incidents per week has no holes.
  for (let t = Date.parse(weekStart(from)); t < Date.parse(to); t += 7 * DAY_MS) weeks.set(new Date(t).toISOString().slice(0, 10), []);
  for (const incident of incidents) weeks.get(weekStart(incident.createdAt))?.push(incident);
  const all = bucket('all', incidents);
  return {
    from, to, count: incidents.length, open: incidents.filter((i) => i.status !== 'resolved').length,
    mttaSeconds: all.mttaSeconds, mttrSeconds: all.mttrSeconds,
    bySeverity: groupBy(incidents, (i) => [i.severity]),
    byService: groupBy(incidents, (i) => i.affectedServices),
    byTeam: groupBy(incidents, (i) => (i.team ? [i.team] : [])),
    perWeek: [...weeks.entries()].map(([w, list]) => ({ weekStart: w, count: list.length, mttrSeconds: bucket(w, list).mttrSeconds })),
  };
}

export async function incidentStats(query: IncidentStatsQuery, now = Date.now()): Promise<IncidentStats> {
  const to = query.to ?? new Date(now).toISOString();
  const from = query.from ?? new Date(Date.parse(to) - 90 * DAY_MS).toISOString();
  if (!(from < to)) throw new ValidationError('the range is empty: from must be before to', { details: [{ path: '/query/from', message: 'must be before to' }] });
  if (Date.parse(to) - Date.parse(from) > 366 * DAY_MS) throw new ValidationError('the range spans more than a year', { details: [{ path: '/query/from', message: 'at most 366 days before to' }] });
  const incidents = (await incidentsCreated(from, to)).filter((i) => (!query.service || i.affectedServices.includes(query.service)) && (!query.team || i.team === query.team));
  return computeStats(incidents, from, to);
}
