/**
 * What Apollo did to a service just before its cost rose: its deployments in that environment and the requests
 * fulfilled for it, from the day before the anomaly to the anomaly's day (joined by id from Apollo's own records:
 * the deployments context's history, the requests context's fulfilled requests).
 */
import type { CostAnomaly } from '#schemas/index.ts';
import { deploymentHistory } from '#functions/deployments/public';
import { requestsForService } from '#functions/requests/public';
import { addDays, type DetectedAnomaly } from './anomaly-detector.ts';

type Cause = CostAnomaly['causes'][number];

/** A deployment that changed what runs (not one refused, rejected or cancelled before it did anything). */
const CHANGED = new Set(['succeeded', 'failed', 'in_progress', 'analyzing', 'paused']);

export async function causesOf(service: string, environment: string, date: string, team: string | undefined): Promise<Cause[]> {
  const from = `${addDays(date, -1)}T00:00:00.000Z`;
  const to = `${date}T23:59:59.999Z`;
  const deployments = (await deploymentHistory({ service, environment, from, to: `${to}~` }, 20)).items
    .filter((d) => CHANGED.has(d.status))
    .map((d): Cause => ({
      kind: 'deployment', id: d.id, at: d.createdAt, environment: d.environment, by: d.initiatedBy ?? null,
      summary: `${d.operation} ${d.operation === 'scale' ? `to ${d.replicas ?? '?'} replicas` : d.imageTag ?? ''}`.trim() + (d.previousImageTag && d.operation !== 'scale' ? ` (from ${d.previousImageTag})` : '') + ` — ${d.status}`,
      link: `/deployments/${d.id}`,
    }));
  const requests = team
    ? (await requestsForService(service, team, from, to, 20)).map((r): Cause => ({
      kind: 'request', id: r.id, at: r.completedAt, environment: null, by: r.requester, summary: `${r.offering} fulfilled`, link: `/requests/${r.id}`,
    }))
    : [];
  return [...deployments, ...requests].sort((a, b) => a.at.localeCompare(b.at));
}

const usd = (n: number): string => `$${n.toFixed(2)}`;

/** "core-service in prod rose to $9.80/day (expected $5.10): deploy 1.8.0 by dana@… on 2026-11-24 raised it by $4.70/day". */
export function describeAnomaly(service: string, environment: string, found: Pick<DetectedAnomaly, 'actual' | 'expected'>, causes: readonly Cause[]): string {
  const rise = found.actual - found.expected;
  const head = `${service} in ${environment} rose to ${usd(found.actual)}/day (expected ${usd(found.expected)})`;
  const first = causes.find((c) => c.kind === 'deployment') ?? causes[0];
  if (!first) return `${head}: no deployment or fulfilled request of it the day before`;
  const more = causes.length > 1 ? ` (and ${causes.length - 1} more change${causes.length > 2 ? 's' : ''})` : '';
  return `${head}: ${first.kind === 'deployment' ? 'this deploy' : 'this request'}, ${first.summary.replace(/ — \w+$/, '')}${first.by ? ` by ${first.by}` : ''} on ${first.at.slice(0, 10)}, raised cost by ${usd(rise)}/day${more}`;
}
