/**
 * Recommendations: worked out by the cost-ingest job from what it has just stored and read (so the route reads one
 * item and never asks Cost Explorer), each with its monthly saving. Apollo's rules, over the last 30 days:
 *
 * - right-sizing (OpenCost / Kubecost): a workload whose pods use well under what they request (the last 7 days'
 *   averages): requests down to 130 % of the larger of CPU and memory use would save that share of its CPU and RAM cost;
 * - right-sizing and Savings Plans (Cost Explorer's own): as Cost Explorer words and prices them;
 * - idle non-production outside business hours: a non-production service's EC2 compute, scaled to zero outside
 *   08:00–20:00 on weekdays (60 of 168 hours), would save 108/168 of it;
 * - Spot: what is left of that compute, for stateless non-production workloads, at Spot's usual discount (65 %);
 * - reserved capacity: a production datastore (RDS, ElastiCache, OpenSearch) whose daily cost is steady (its
 *   coefficient of variation under 10 %) would save ~30 % with 1-year, no-upfront reserved nodes;
 * - storage: EBS volumes attached to nothing (delete, or snapshot and delete) and snapshots past APOLLO_COSTS_SNAPSHOT_DAYS.
 *
 * All are stored; a saving under APOLLO_COSTS_RECOMMENDATION_MIN_USD a month (or the caller's minSaving) is left out of
 * an answer, which says how many. What was not looked at is said in `notes`, what was read in `sources`.
 */
import type { CostRecommendation, CostRecommendationList, CostRecommendationListQuery } from '#schemas/index.ts';
import { isProductionEnvironment } from '#shared/routes';
import { getItem, putItem, type Item } from '#lib/table';
import type { IdleStorage, SourceRecommendation, WorkloadAllocation } from './ports.ts';
import { fromKeyPart, latestIngest, type CostDayDetail } from './records.ts';
import { cents, usd } from './rollup.ts';

/** Business hours: 08:00–20:00 on weekdays, 60 of the week's 168 hours. */
export const OFF_HOURS_SHARE = 108 / 168;
export const SPOT_DISCOUNT = 0.65;
export const RESERVED_DISCOUNT = 0.3;
/** Requests this far above use are kept as headroom. */
export const HEADROOM = 1.3;
const RESERVABLE = new Set(['rds', 'elasticache', 'opensearch']);
const MONTH_DAYS = 30;

export interface RecommendationInput {
  /** The last 30 days' detail. */
  readonly details: readonly CostDayDetail[];
  readonly sourceRecommendations: readonly SourceRecommendation[];
  readonly storage: readonly IdleStorage[] | undefined;
  /** The last 7 days' allocations of every cluster, and which catalog service each workload is. */
  readonly allocations: ReadonlyArray<WorkloadAllocation & { readonly service: string | null; readonly environment: string | null }> | undefined;
  readonly snapshotDays: number;
}

/** How people write the resource types reserved capacity is bought for. */
const NAMES: Readonly<Record<string, string>> = { rds: 'RDS', elasticache: 'ElastiCache', opensearch: 'OpenSearch' };

/** Each (environment, service, type)'s cost over the details' days, scaled to 30 days, and its daily series. */
function monthly(details: readonly CostDayDetail[]): Map<string, { monthly: number; daily: number[] }> {
  const out = new Map<string, { monthly: number; daily: number[] }>();
  details.forEach((detail, i) => {
    for (const [key, cost] of Object.entries(detail.byEnvServiceType)) {
      const entry = out.get(key) ?? out.set(key, { monthly: 0, daily: new Array<number>(details.length).fill(0) }).get(key)!;
      entry.daily[i] = cost;
    }
  });
  for (const entry of out.values()) entry.monthly = entry.daily.reduce((a, b) => a + b, 0) * (MONTH_DAYS / Math.max(1, details.length));
  return out;
}

export function recommend(input: RecommendationInput): { items: CostRecommendation[]; notes: string[] } {
  const items: CostRecommendation[] = [];
  const notes: string[] = [];
  const costs = monthly(input.details);
  // Right-sizing first: the schedule and Spot are then counted on what the right-sized workload would cost, so the
  // savings of one service add up to no more than it spends.
  const rightsized = input.allocations ? rightsizing(input.allocations) : [];
  const rightsizedSaving = new Map<string, number>();
  for (const r of rightsized) if (r.service && r.environment) rightsizedSaving.set(`${r.environment}#${r.service}`, (rightsizedSaving.get(`${r.environment}#${r.service}`) ?? 0) + r.monthlySaving);
  for (const [key, { monthly: cost, daily }] of costs) {
    const [envKey, serviceKey, type] = key.split('#') as [string, string, string];
    const environment = fromKeyPart(envKey);
    const service = fromKeyPart(serviceKey);
    if (!environment || !service) continue;
    if (type === 'ec2' && !isProductionEnvironment(environment)) {
      const base = Math.max(0, cost - (rightsizedSaving.get(`${environment}#${service}`) ?? 0));
      const idle = base * OFF_HOURS_SHARE;
      items.push({
        id: `idle-non-prod:${environment}:${service}`, kind: 'idle-non-prod', source: 'apollo', service, environment, resourceId: null,
        title: `Scale ${service} in ${environment} to zero outside business hours`,
        detail: `${service}'s EC2 compute in ${environment} cost ${usd(cost)} over the last 30 days${base < cost ? ` (${usd(base)} once right-sized)` : ''}; nobody uses ${environment} outside 08:00–20:00 on weekdays (108 of the week's 168 hours).`,
        action: `Schedule ${environment}'s replicas to 0 at night and at weekends (kube-downscaler, a KEDA cron scaler, or the node group's scheduled scaling).`,
        currentMonthlyCost: cents(base), monthlySaving: cents(idle), confidence: 'medium',
      });
      const spot = (base - idle) * SPOT_DISCOUNT;
      items.push({
        id: `spot:${environment}:${service}`, kind: 'spot', source: 'apollo', service, environment, resourceId: null,
        title: `Run ${service} in ${environment} on Spot`,
        detail: `A stateless non-production workload tolerates interruption; Spot runs about ${Math.round(SPOT_DISCOUNT * 100)} % below on-demand. Counted on what is left after the business-hours schedule (${usd(base - idle)}/month).`,
        action: `Move ${environment}'s node group for ${service} to Spot (several instance types, capacity-optimized), with a PodDisruptionBudget.`,
        currentMonthlyCost: cents(base - idle), monthlySaving: cents(spot), confidence: 'medium',
      });
    }
    if (RESERVABLE.has(type) && isProductionEnvironment(environment)) {
      const mean = daily.reduce((a, b) => a + b, 0) / daily.length;
      const sd = Math.sqrt(daily.reduce((a, b) => a + (b - mean) ** 2, 0) / daily.length);
      if (mean > 0 && sd / mean < 0.1 && daily.every((d) => d > 0)) {
        items.push({
          id: `reserved-capacity:${environment}:${service}:${type}`, kind: 'reserved-capacity', source: 'apollo', service, environment, resourceId: null,
          title: `Reserve ${service}'s ${NAMES[type] ?? type} capacity in ${environment}`,
          detail: `It ran every day of the last 30 at a steady ${usd(mean)}/day (varying ${Math.round((sd / mean) * 100)} %); 1-year, no-upfront reserved nodes cost about ${Math.round(RESERVED_DISCOUNT * 100)} % less than on-demand.`,
          action: `Buy 1-year, no-upfront reserved ${type === 'rds' ? 'DB instances' : 'nodes'} for ${service}-${environment} (the Billing console's Reservations, or Cost Explorer's reservation recommendations for the exact size).`,
          currentMonthlyCost: cents(mean * MONTH_DAYS), monthlySaving: cents(mean * MONTH_DAYS * RESERVED_DISCOUNT), confidence: 'high',
        });
      }
    }
  }
  for (const r of input.sourceRecommendations) {
    // Resizing a service's node and resizing its pods' requests save the same capacity: counted once (the pods').
    if (r.kind === 'rightsizing' && r.service && r.environment && rightsizedSaving.has(`${r.environment}#${r.service}`)) {
      notes.push(`Cost Explorer's "${r.action}" (${usd(r.monthlySaving)}/month) overlaps the right-sizing of ${r.service}'s pods in ${r.environment}: counted once, there.`);
      continue;
    }
    items.push({
      id: `${r.kind}:${r.resourceId ?? r.action}`.slice(0, 200), kind: r.kind, source: 'cost-explorer', service: r.service ?? null, environment: r.environment ?? null, resourceId: r.resourceId,
      title: r.action, detail: r.kind === 'savings-plans' ? 'Cost Explorer\'s Savings Plans purchase recommendation (1 year, no upfront, from the last 30 days of usage).' : 'Cost Explorer\'s EC2 rightsizing recommendation (from CloudWatch utilization).',
      action: r.action, currentMonthlyCost: null, monthlySaving: cents(r.monthlySaving), confidence: r.kind === 'savings-plans' ? 'high' : 'medium',
    });
  }
  if (input.storage) {
    for (const s of input.storage) {
      const volume = s.kind === 'volume';
      items.push({
        id: `storage:${s.id}`, kind: 'storage', source: 'apollo', service: s.service, environment: s.environment, resourceId: s.id,
        title: volume ? `Delete ${s.id} (${s.sizeGiB} GiB ${s.type}, attached to nothing)` : `Delete snapshot ${s.id} (${s.sizeGiB} GiB, from ${s.createdAt.slice(0, 10)})`,
        detail: volume
          ? `An EBS volume in ${s.region} in state ${s.state} since at least ${s.createdAt.slice(0, 10)}: it is billed whether or not anything uses it.`
          : `A snapshot older than ${input.snapshotDays} days${s.sourceVolumeExists === false ? ' whose volume no longer exists' : ''}; its billed size is incremental, so the saving is at most this.`,
        action: volume ? `Snapshot it if it may be needed, then delete it (aws ec2 delete-volume --volume-id ${s.id} --region ${s.region}).` : `Delete it, or move it to the archive tier (aws ec2 delete-snapshot --snapshot-id ${s.id} --region ${s.region}).`,
        currentMonthlyCost: s.monthlyCost, monthlySaving: s.monthlyCost, confidence: volume ? 'high' : s.sourceVolumeExists === false ? 'medium' : 'low',
      });
    }
  } else {
    notes.push('Unused EBS volumes and snapshots were not looked for: set APOLLO_COSTS_STORAGE_REGIONS (the jobs role holds ec2:DescribeVolumes and ec2:DescribeSnapshots).');
  }
  if (input.allocations) items.push(...rightsized);
  else notes.push('Right-sizing from requested vs used resources needs each cluster\'s OpenCost or Kubecost: set APOLLO_COSTS_ALLOCATION_URLS.');
  // Every one is kept (a smaller one is still true); the floor is applied where they are read.
  return { items: items.filter((i) => i.monthlySaving > 0).sort((a, b) => b.monthlySaving - a.monthlySaving || a.id.localeCompare(b.id)), notes };
}

/** Those at or above the floor, and a note saying how many smaller ones there are. */
export function aboveFloor(items: readonly CostRecommendation[], floor: number): { items: CostRecommendation[]; note: string | null } {
  const kept = items.filter((i) => i.monthlySaving >= floor);
  const left = items.length - kept.length;
  return { items: kept, note: left ? `${left} smaller recommendation${left === 1 ? '' : 's'} (under ${usd(floor)}/month) ${left === 1 ? 'is' : 'are'} left out: ask with a lower minSaving to see ${left === 1 ? 'it' : 'them'}.` : null };
}

/** Workloads whose pods use well under what they ask for, over the allocations' days. */
function rightsizing(allocations: NonNullable<RecommendationInput['allocations']>): CostRecommendation[] {
  const byWorkload = new Map<string, Array<(typeof allocations)[number]>>();
  for (const a of allocations) {
    if (a.idle || !a.workload || !a.namespace) continue;
    const key = `${a.cluster}/${a.namespace}/${a.workload}`;
    (byWorkload.get(key) ?? byWorkload.set(key, []).get(key)!).push(a);
  }
  const out: CostRecommendation[] = [];
  for (const [key, days] of byWorkload) {
    const avg = (f: (a: (typeof days)[number]) => number | null) => {
      const values = days.map(f).filter((v): v is number => v !== null);
      return values.length ? values.reduce((x, y) => x + y, 0) / values.length : null;
    };
    const cpuReq = avg((a) => a.cpuCoresRequested);
    const cpuUsed = avg((a) => a.cpuCoresUsed);
    const ramReq = avg((a) => a.ramBytesRequested);
    const ramUsed = avg((a) => a.ramBytesUsed);
    if (!cpuReq || !ramReq || cpuUsed === null || ramUsed === null) continue;
    const cpuTarget = Math.min(cpuReq, cpuUsed * HEADROOM);
    const ramTarget = Math.min(ramReq, ramUsed * HEADROOM);
    const perDay = (f: (a: (typeof days)[number]) => number) => days.reduce((s, a) => s + f(a), 0) / days.length;
    const saving = (perDay((a) => a.cpuCost) * (1 - cpuTarget / cpuReq) + perDay((a) => a.ramCost) * (1 - ramTarget / ramReq)) * MONTH_DAYS;
    if (saving <= 0) continue;
    const first = days[0]!;
    const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
    out.push({
      id: `rightsizing:${key}`, kind: 'rightsizing', source: 'opencost', service: first.service, environment: first.environment, resourceId: key,
      title: `Right-size ${first.workload} in ${first.namespace} (${first.cluster})`,
      detail: `Over the last ${days.length} days its pods requested ${cpuReq.toFixed(2)} cores and ${gib(ramReq)} but used ${cpuUsed.toFixed(2)} cores and ${gib(ramUsed)} on average (OpenCost's allocation); requests at ${Math.round(HEADROOM * 100)} % of use keep headroom.`,
      action: `Set its requests to ${cpuTarget.toFixed(2)} cores and ${gib(ramTarget)} (or let the Vertical Pod Autoscaler recommend them).`,
      currentMonthlyCost: cents(perDay((a) => a.totalCost) * MONTH_DAYS), monthlySaving: cents(saving), confidence: days.length >= 5 ? 'high' : 'medium',
    });
  }
  return out;
}

// ---------------------------------------------------------------- stored, and read

interface StoredRecommendations {
  readonly items: CostRecommendation[];
  readonly notes: string[];
  /** What was read, as each source names itself. */
  readonly sources: string[];
  /** The floor when they were worked out (APOLLO_COSTS_RECOMMENDATION_MIN_USD). */
  readonly minSaving: number;
  readonly at: string;
}

/** The recommendations the last run worked out (undefined before the first). */
export async function storedRecommendations(): Promise<StoredRecommendations | undefined> {
  return getItem<Item & StoredRecommendations>({ PK: 'COSTRECS', SK: 'LATEST' });
}

export async function putRecommendations(value: StoredRecommendations): Promise<void> {
  await putItem({ PK: 'COSTRECS', SK: 'LATEST', ...value });
}

export async function costRecommendations(query: CostRecommendationListQuery): Promise<CostRecommendationList> {
  const [stored, latest] = await Promise.all([getItem<Item & StoredRecommendations>({ PK: 'COSTRECS', SK: 'LATEST' }), latestIngest()]);
  const matching = (stored?.items ?? []).filter((i) => (!query.kind || i.kind === query.kind) && (!query.service || i.service === query.service)
    && (!query.environment || i.environment === query.environment));
  const { items, note } = aboveFloor(matching, query.minSaving ?? stored?.minSaving ?? 0);
  const byKind: Record<string, number> = {};
  for (const i of items) byKind[i.kind] = cents((byKind[i.kind] ?? 0) + i.monthlySaving);
  return {
    asOf: stored?.at ?? null, source: latest?.source === 'local-demo' ? 'local-demo' : 'cost-explorer', simulated: latest?.source === 'local-demo',
    totalMonthlySaving: cents(items.reduce((s, i) => s + i.monthlySaving, 0)), byKind, items,
    notes: stored ? [...stored.notes, ...(note ? [note] : [])] : ['No recommendations yet: the cost-ingest job works them out daily (06:30 UTC).'],
    sources: stored?.sources ?? [],
  };
}
