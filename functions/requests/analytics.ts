/**
 * Team and platform analytics (issue 22), read from the day aggregates stats.ts keeps on write: a window of N days
 * is one Query of N items (in 1 MB pages) per partition, whatever the number of requests behind them.
 */
import type { PerformanceStats, TeamAnalytics, TeamCatalog, TeamRequestHistory, TeamUsage, UsageStats } from '#schemas/index.ts';
import { ForbiddenError, NotFoundError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { directorySize } from '#functions/identity/public';
import { offeringFacts, type OfferingFacts } from '#functions/offerings/public';
import { teamProfile } from '#functions/identity/public';
import { getItem, getItems, queryPage, type Item } from '#lib/table';
import type { RequestCaller } from './access.ts';
import { durationSeconds } from './plan.ts';
import { recentComments } from './ratings.ts';
import { summaryOf, type RequestRecord } from './records.ts';
import { ACTIVE_SK, daySk, mergeInto, mondayOf, percentile, PLATFORM_PARTITION, teamPartition, weekSk, type Histogram } from './stats.ts';

const DAY_MS = 86_400_000;
export const ADOPTION_TARGET = 0.8;

export interface Window { from: string; to: string; days: number }

/** The last `days` days to today (UTC), both included. */
export function windowOf(days: number, now = new Date()): Window {
  const to = now.toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  return { from, to, days };
}

const shiftDay = (day: string, by: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + by * DAY_MS).toISOString().slice(0, 10);

/** The Monday of a day's week (UTC). */
export const weekOf = mondayOf;

/** Every week (its Monday) the window touches, oldest first. */
function weeksOf(window: Window): string[] {
  const weeks: string[] = [];
  for (let week = weekOf(window.from); week <= window.to; week = shiftDay(week, 7)) weeks.push(week);
  return weeks;
}

interface Day { day: string; attrs: Record<string, unknown> }

/** Every day from one to the other, both included. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = shiftDay(day, 1)) days.push(day);
  return days;
}

/**
 * Keys per BatchGetItem: a day item is at most ~20 KB (its histograms fill up with offerings × buckets), so 50 of them
 * stay under 1 MB, the most dynalite answers at once (DynamoDB's 16 MB is far off): the calls follow the days.
 */
const DAYS_PER_CALL = 50;
const WEEKS_PER_CALL = 10;

/** The day items of a partition between two days, inclusive, fetched by key: one call per 50 days, whatever they hold. */
async function readDays(partition: string, from: string, to: string): Promise<Day[]> {
  const items = await getItems<Item>(daysBetween(from, to).map((day) => ({ PK: partition, SK: daySk(day) })), DAYS_PER_CALL);
  return items.map((item) => ({ day: item.SK.slice(4), attrs: item })).sort((a, b) => a.day.localeCompare(b.day));
}

/** The week items (who asked) of the weeks a window touches, by their Monday. */
async function readWeeks(partition: string, window: { from: string; to: string }): Promise<Day[]> {
  const weeks: string[] = [];
  for (let week = weekOf(window.from); week <= window.to; week = shiftDay(week, 7)) weeks.push(week);
  // A week's sets hold its requesters (per offering and team too): up to ~60 KB for a few hundred people, so 10 a call.
  const items = await getItems<Item>(weeks.map((week) => ({ PK: partition, SK: weekSk(week) })), WEEKS_PER_CALL);
  return items.map((item) => ({ day: item.SK.slice(5), attrs: item })).sort((a, b) => a.day.localeCompare(b.day));
}

/** The counters and histograms of a set of days, with the attribute names split on `|`. */
class Tally {
  readonly counts = new Map<string, number>();
  readonly sets = new Map<string, Set<string>>();
  readonly histograms = new Map<string, Histogram>();

  add(days: readonly Day[]): this {
    for (const { attrs } of days) {
      for (const [name, value] of Object.entries(attrs)) {
        if (!name.includes('|') && name !== 'who') continue;
        if (value instanceof Set) {
          const set = this.sets.get(name) ?? new Set<string>();
          for (const member of value as Set<string>) set.add(member);
          this.sets.set(name, set);
        } else if (typeof value === 'number') {
          if (name.startsWith('h|')) {
            const cut = name.lastIndexOf('|');
            const key = name.slice(2, cut);
            const histogram = this.histograms.get(key) ?? new Map<number, number>();
            histogram.set(Number(name.slice(cut + 1)), (histogram.get(Number(name.slice(cut + 1))) ?? 0) + value);
            this.histograms.set(key, histogram);
          } else {
            this.counts.set(name, (this.counts.get(name) ?? 0) + value);
          }
        }
      }
    }
    return this;
  }

  /** The sum of the counters whose name matches (parts split on `|`; undefined parts match anything). */
  sum(...pattern: (string | undefined)[]): number {
    let total = 0;
    for (const [name, value] of this.counts) if (matches(name, pattern)) total += value;
    return total;
  }

  /** Counters matching a pattern, grouped by one of their parts. */
  by(part: number, ...pattern: (string | undefined)[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, value] of this.counts) {
      if (!matches(name, pattern)) continue;
      const key = name.split('|')[part]!;
      out.set(key, (out.get(key) ?? 0) + value);
    }
    return out;
  }

  /** A metric's histogram over every offering or one. */
  histogram(metric: string, offering?: string): Histogram {
    const merged: Histogram = new Map();
    for (const [key, histogram] of this.histograms) {
      const [m, o] = key.split('|');
      if (m === metric && (offering === undefined || o === offering)) mergeInto(merged, histogram);
    }
    return merged;
  }
}

function matches(name: string, pattern: readonly (string | undefined)[]): boolean {
  const parts = name.split('|');
  if (parts.length !== pattern.length) return false;
  return pattern.every((p, i) => p === undefined || p === parts[i]);
}

const rate = (part: number, whole: number): number | null => (whole > 0 ? round(part / whole) : null);
const round = (n: number): number => Math.round(n * 10_000) / 10_000;
const msOf = (duration: string | null): number | null => (duration ? durationSeconds(duration, 0) * 1000 || null : null);

function offeringRef(id: string, facts: Map<string, OfferingFacts>): { id: string; name: string; category: string | null; owner: string | null } {
  const known = facts.get(id);
  return { id, name: known?.name ?? id, category: known?.category ?? null, owner: known?.owner ?? null };
}

const FAILURE_LABELS: Record<string, string> = {
  'approval-rejected': 'Approval rejected',
  'approval-expired': 'Approval expired',
  'action-failed': 'An action failed',
  quota: 'Over quota',
  'manual-failed': 'Manual fulfilment failed',
  invalid: 'No longer valid',
  internal: 'Internal error',
  'engine-unavailable': 'Workflow engine unavailable',
};
const failureLabel = (reason: string): string => FAILURE_LABELS[reason] ?? reason;

async function requireTeam(team: string): Promise<void> {
  if (!(await teamProfile(team))) throw new NotFoundError(`no team ${team}`);
}

// ---------------------------------------------------------------- a team's requests

export async function teamRequestHistory(team: string, query: { days?: number; status?: string; offering?: string; limit?: number; cursor?: string }, caller: RequestCaller): Promise<TeamRequestHistory> {
  await requireTeam(team);
  if (!roleHas(caller.role, 'requests:manage') && !caller.teams.includes(team)) {
    throw new ForbiddenError(`the requests of ${team} are for its members and operators: you are not in ${team}`);
  }
  const window = windowOf(query.days ?? 90);
  const [days, facts, page] = await Promise.all([
    readDays(teamPartition(team), window.from, window.to),
    offeringFacts(),
    listTeamRequests(team, window, query),
  ]);
  const tally = new Tally().add(days);
  const o = query.offering;
  const completed = tally.sum('end', 'completed', o);
  const failed = tally.sum('end', 'failed', o);
  const failures = [...tally.counts].filter(([name]) => matches(name, ['fail', o, undefined, undefined]))
    .map(([name, count]) => { const [, offering, reason, action] = name.split('|') as [string, string, string, string]; return { offering, reason, action, count }; })
    .sort((a, b) => b.count - a.count || a.offering.localeCompare(b.offering)).slice(0, 10);
  const totalMs = tally.sum('s', 'tot', o);
  return {
    team, window,
    summary: {
      submitted: tally.sum('sub', o), completed, failed, cancelled: tally.sum('end', 'cancelled', o),
      successRate: rate(completed, completed + failed),
      averageCompletionMs: completed ? Math.round(totalMs / completed) : null,
      medianCompletionMs: percentile(tally.histogram('tot', o), 0.5),
    },
    failurePatterns: failures.map((f) => ({ offering: offeringRef(f.offering, facts), reason: f.reason, label: failureLabel(f.reason), action: f.action === '-' ? null : f.action, count: f.count })),
    items: page.items,
    nextCursor: page.nextCursor,
  };
}

/** The team's requests submitted within the window (the summary's), newest first. */
async function listTeamRequests(team: string, window: Window, query: { status?: string; offering?: string; limit?: number; cursor?: string }): Promise<{ items: TeamRequestHistory['items']; nextCursor: string | null }> {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (query.status) { clauses.push('#status = :status'); names['#status'] = 'status'; values[':status'] = query.status; }
  if (query.offering) { clauses.push('#offering.#id = :offering'); names['#offering'] = 'offering'; names['#id'] = 'id'; values[':offering'] = query.offering; }
  const page = await queryPage<Item & RequestRecord>({
    // The sort key is `<createdAt>#<id>`: every time of the window's last day sorts before `<to>~`.
    index: 'GSI2', partition: `REQTEAM#${team}`, sortKey: { between: [window.from, `${window.to}~`] }, limit: query.limit ?? 50, cursor: query.cursor, newestFirst: true,
    ...(clauses.length ? { filter: { FilterExpression: clauses.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values } } : {}),
  });
  return { items: page.items.map((item) => summaryOf(item)), nextCursor: page.nextCursor };
}

// ---------------------------------------------------------------- the offerings a team owns

export async function teamCatalog(team: string, query: { days?: number }): Promise<TeamCatalog> {
  await requireTeam(team);
  const window = windowOf(query.days ?? 90);
  const [days, weeks, facts] = await Promise.all([readDays(PLATFORM_PARTITION, window.from, window.to), readWeeks(PLATFORM_PARTITION, window), offeringFacts()]);
  // Requesters and teams are counted by week: those of the weeks the window touches.
  const tally = new Tally().add(days).add(weeks);
  const owned = [...facts.values()].filter((f) => f.owner === team).sort((a, b) => a.name.localeCompare(b.name));
  const comments = new Map(await Promise.all(owned.map(async (o) => [o.id, await recentComments(o.id)] as const)));
  const items = owned.map((offering) => {
    const rated = tally.sum('rate', 'n', offering.id);
    const completed = tally.sum('end', 'completed', offering.id);
    const failed = tally.sum('end', 'failed', offering.id);
    const slaCounted = tally.sum('sla', 'n', offering.id);
    const totals = tally.histogram('tot', offering.id);
    return {
      offering: offeringRef(offering.id, facts), version: offering.version,
      requests: tally.sum('sub', undefined, offering.id),
      requesters: tally.sets.get(`who|${offering.id}`)?.size ?? 0,
      teams: tally.sets.get(`teams|${offering.id}`)?.size ?? 0,
      completed, failed, cancelled: tally.sum('end', 'cancelled', offering.id),
      successRate: rate(completed, completed + failed),
      medianMs: percentile(totals, 0.5), p90Ms: percentile(totals, 0.9),
      medianFulfilMs: percentile(tally.histogram('ful', offering.id), 0.5), p90FulfilMs: percentile(tally.histogram('ful', offering.id), 0.9),
      slaMs: msOf(offering.sla),
      slaCompliance: offering.sla ? rate(tally.sum('sla', 'in', offering.id), slaCounted) : null,
      rating: rated > 0 ? { average: Math.round((tally.sum('rate', 'sum', offering.id) / rated) * 100) / 100, count: rated } : null,
      recentComments: comments.get(offering.id) ?? [],
    };
  }).sort((a, b) => b.requests - a.requests || a.offering.name.localeCompare(b.offering.name));
  return { team, window, items };
}

// ---------------------------------------------------------------- what a team's requests provisioned

export async function teamUsage(team: string, query: { days?: number }): Promise<TeamUsage> {
  await requireTeam(team);
  const window = windowOf(query.days ?? 90);
  const [days, active, facts] = await Promise.all([
    readDays(teamPartition(team), window.from, window.to),
    getItem<Item>({ PK: teamPartition(team), SK: ACTIVE_SK }),
    offeringFacts(),
  ]);
  const kindOf = (offering: string): string => facts.get(offering)?.category ?? 'retired offerings';
  const kinds = new Set<string>();
  const inPlace = Object.entries(active ?? {}).filter(([name, n]) => name.startsWith('a|') && typeof n === 'number' && n > 0)
    .map(([name, n]) => { const offering = name.slice(2); kinds.add(kindOf(offering)); return { kind: kindOf(offering), offering: offeringRef(offering, facts), active: n as number }; })
    .sort((a, b) => a.kind.localeCompare(b.kind) || b.active - a.active);
  const weeks = new Map(weeksOf(window).map((week) => [week, { week, provisioned: {} as Record<string, number>, deprovisioned: {} as Record<string, number> }]));
  for (const day of days) {
    const row = weeks.get(weekOf(day.day));
    if (!row) continue;
    for (const [name, n] of Object.entries(day.attrs)) {
      if (typeof n !== 'number') continue;
      const parts = name.split('|');
      const target = parts[0] === 'end' && parts[1] === 'completed' ? row.provisioned : parts[0] === 'deprov' ? row.deprovisioned : undefined;
      if (!target) continue;
      const kind = kindOf(parts.at(-1)!);
      kinds.add(kind);
      target[kind] = (target[kind] ?? 0) + n;
    }
  }
  return { team, window, active: inPlace, kinds: [...kinds].sort(), weeks: [...weeks.values()] };
}

// ---------------------------------------------------------------- a team's KPIs and trends

export async function teamAnalytics(team: string, query: { days?: number }): Promise<TeamAnalytics> {
  await requireTeam(team);
  const window = windowOf(query.days ?? 90);
  const before = { from: shiftDay(window.from, -window.days), to: shiftDay(window.from, -1) };
  const [all, facts] = await Promise.all([readDays(teamPartition(team), before.from, window.to), offeringFacts()]);
  const current = all.filter((d) => d.day >= window.from);
  const previous = all.filter((d) => d.day < window.from);
  const tally = new Tally().add(current);
  const submitted = tally.sum('sub', undefined);
  const previousSubmitted = new Tally().add(previous).sum('sub', undefined);
  const completed = tally.sum('end', 'completed', undefined);
  const failed = tally.sum('end', 'failed', undefined);
  const fulfil = tally.histogram('ful');
  const approval = tally.histogram('appr');

  const weeks = weeksOf(window).map((week) => {
    const inWeek = new Tally().add(current.filter((d) => weekOf(d.day) === week));
    const h = inWeek.histogram('ful');
    return { week, submitted: inWeek.sum('sub', undefined), completed: inWeek.sum('end', 'completed', undefined), failed: inWeek.sum('end', 'failed', undefined), medianFulfilMs: percentile(h, 0.5), p90FulfilMs: percentile(h, 0.9) };
  });
  const byOffering = [...tally.by(2, 'end', 'completed', undefined)].map(([offering, n]) => {
    const h = tally.histogram('ful', offering);
    const known = facts.get(offering);
    return {
      offering: offeringRef(offering, facts), completed: n, medianFulfilMs: percentile(h, 0.5), p90FulfilMs: percentile(h, 0.9),
      slaMs: msOf(known?.sla ?? null), slaCompliance: rate(tally.sum('sla', 'in', offering), tally.sum('sla', 'n', offering)),
    };
  }).sort((a, b) => b.completed - a.completed || a.offering.name.localeCompare(b.offering.name));
  const reasons = [...tally.by(2, 'fail', undefined, undefined, undefined)].map(([reason, count]) => ({ reason, label: failureLabel(reason), count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)).slice(0, 5);
  return {
    team, window,
    kpis: {
      submitted, completed, failed, cancelled: tally.sum('end', 'cancelled', undefined), successRate: rate(completed, completed + failed),
      medianFulfilMs: percentile(fulfil, 0.5), p90FulfilMs: percentile(fulfil, 0.9),
      slaCompliance: rate(tally.sum('sla', 'in', undefined), tally.sum('sla', 'n', undefined)),
      medianApprovalWaitMs: percentile(approval, 0.5), p90ApprovalWaitMs: percentile(approval, 0.9),
      submittedChange: previousSubmitted ? round((submitted - previousSubmitted) / previousSubmitted) : null,
    },
    weeks, byOffering, topFailureReasons: reasons,
  };
}

// ---------------------------------------------------------------- the platform

export async function usageStats(query: { days?: number }, now = new Date()): Promise<UsageStats> {
  const window = windowOf(query.days ?? 90, now);
  const [days, weeks, facts, directory] = await Promise.all([
    readDays(PLATFORM_PARTITION, window.from, window.to), readWeeks(PLATFORM_PARTITION, window), offeringFacts(), directorySize(),
  ]);
  const tally = new Tally().add(days).add(weeks);
  const byOffering = tally.by(2, 'sub', undefined, undefined);
  const byTeam = tally.by(1, 'sub', undefined, undefined);
  const popularOfferings = [...byOffering].map(([offering, requests]) => ({
    offering: offeringRef(offering, facts), requests,
    requesters: tally.sets.get(`who|${offering}`)?.size ?? 0, teams: tally.sets.get(`teams|${offering}`)?.size ?? 0,
  })).sort((a, b) => b.requests - a.requests || a.offering.name.localeCompare(b.offering.name));
  const adoptionByTeam = [...byTeam].map(([team, requests]) => ({
    team, requests, requesters: tally.sets.get(`whoTeam|${team}`)?.size ?? 0, offerings: tally.by(2, 'sub', team, undefined).size,
  })).sort((a, b) => b.requests - a.requests || a.team.localeCompare(b.team));
  const whoOf = (week: string): Set<string> => (weeks.find((w) => w.day === week)?.attrs.who as Set<string> | undefined) ?? new Set();
  const weeklyActive = weeksOf(window).map((week) => ({ week, engineers: whoOf(week).size }));
  // Weekly active engineers: the last full week (Monday to Sunday), which a window of 7 days or more always touches.
  const lastWeek = shiftDay(weekOf(window.to), -7);
  const active = whoOf(lastWeek).size;
  return {
    window,
    totals: { requests: tally.sum('sub', undefined, undefined), requesters: tally.sets.get('who')?.size ?? 0, teams: byTeam.size, offerings: byOffering.size },
    popularOfferings, adoptionByTeam, weeklyActive,
    adoption: {
      week: lastWeek, activeEngineers: active, directoryUsers: directory?.users ?? null,
      share: directory && directory.users > 0 ? round(Math.min(1, active / directory.users)) : null,
      target: ADOPTION_TARGET, directory: directory?.source ?? 'no web directory in this deployment',
    },
  };
}

export async function performanceStats(query: { days?: number }): Promise<PerformanceStats> {
  const window = windowOf(query.days ?? 90);
  const [days, facts] = await Promise.all([readDays(PLATFORM_PARTITION, window.from, window.to), offeringFacts()]);
  const tally = new Tally().add(days);
  const items = [...tally.by(2, 'end', 'completed', undefined)].map(([offering, completed]) => {
    const known = facts.get(offering);
    const h = tally.histogram('tot', offering);
    const p50 = percentile(h, 0.5);
    const baseline = msOf(known?.manualBaseline ?? null);
    const phases = {
      approvalMs: Math.round(tally.sum('s', 'appr', offering) / completed),
      queueMs: Math.round(tally.sum('s', 'queue', offering) / completed),
      actionsMs: Math.round(tally.sum('s', 'act', offering) / completed),
    };
    const total = phases.approvalMs + phases.queueMs + phases.actionsMs;
    const actions = tally.by(3, 's', 'action', offering, undefined);
    const slowest = [...actions].sort((a, b) => b[1] - a[1])[0];
    const slowestMs = slowest ? Math.round(slowest[1] / completed) : 0;
    const candidates: { phase: 'approval' | 'queue' | 'action'; ms: number; action: string | null }[] = [
      { phase: 'approval', ms: phases.approvalMs, action: null },
      { phase: 'queue', ms: phases.queueMs, action: null },
      { phase: 'action', ms: slowestMs, action: slowest?.[0] ?? null },
    ];
    const top = candidates.sort((a, b) => b.ms - a.ms)[0]!;
    return {
      offering: offeringRef(offering, facts), completed, p50Ms: p50, p90Ms: percentile(h, 0.9),
      p50FulfilMs: percentile(tally.histogram('ful', offering), 0.5), p90FulfilMs: percentile(tally.histogram('ful', offering), 0.9),
      slaMs: msOf(known?.sla ?? null), slaCompliance: rate(tally.sum('sla', 'in', offering), tally.sum('sla', 'n', offering)),
      manualBaselineMs: baseline, reduction: baseline && p50 !== null ? round(1 - p50 / baseline) : null,
      phases, bottleneck: total > 0 && top.ms > 0 ? { phase: top.phase, action: top.action, share: round(top.ms / total) } : null,
    };
  }).sort((a, b) => b.completed - a.completed || a.offering.name.localeCompare(b.offering.name));
  const overall = tally.histogram('tot');
  const p50 = percentile(overall, 0.5);
  const withBaseline = items.filter((i) => i.reduction !== null);
  return {
    window,
    overall: {
      completed: tally.sum('end', 'completed', undefined), p50Ms: p50, p90Ms: percentile(overall, 0.9),
      slaCompliance: rate(tally.sum('sla', 'in', undefined), tally.sum('sla', 'n', undefined)),
      // Weighted by completions: the reduction a typical request saw.
      reduction: withBaseline.length ? round(withBaseline.reduce((s, i) => s + i.reduction! * i.completed, 0) / withBaseline.reduce((s, i) => s + i.completed, 0)) : null,
    },
    items,
  };
}
