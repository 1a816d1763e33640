/**
 * Request analytics kept on write (issue 22): every submit, end and deprovision adds to counters of its day, so
 * the team and platform reads take a fixed number of items per window however many requests there were.
 *
 *   RSTATS#TEAM#<team> / DAY#<yyyy-mm-dd>   the team's requests of that day, by offering
 *   RSTATS#TEAM#<team> / WEEK#<monday>      who asked that week (a set)
 *   RSTATS#ALL / DAY#<yyyy-mm-dd>           everyone's, by team and offering
 *   RSTATS#ALL / WEEK#<monday>              who asked that week, per offering and team (sets)
 *   RSTATS#TEAM#<team> / ACTIVE             what the team's requests have in place now, by offering
 *
 * Attributes are flat (`sub|<offering>`, `end|completed|<offering>`, …) so one UpdateItem's ADD creates what it
 * needs. Times are histograms (`h|<metric>|<offering>|<bucket>`) with 5 % wide buckets: a percentile is read as its
 * bucket's upper bound, at most 5 % above the exact value, and an item's size grows with offerings, never with
 * requests; the sets of people grow with the people, never with requests. Reads fetch a window's items by key
 * (BatchGetItem, 50 keys a call): their number of calls follows the window, not the history. Each event is
 * written once: a marker on the request (`statsMarks`) is set conditionally first; a step retried after it is a
 * no-op (a crash between the marker and the counters loses that one event).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, isConditionFailure, tableName } from '#lib/table';
import type { AttemptRecord, RequestRecord } from './records.ts';

export const NO_TEAM = '-';
export const teamPartition = (team: string): string => `RSTATS#TEAM#${team}`;
export const PLATFORM_PARTITION = 'RSTATS#ALL';
export const daySk = (day: string): string => `DAY#${day}`;
export const weekSk = (monday: string): string => `WEEK#${monday}`;
export const ACTIVE_SK = 'ACTIVE';

// ---------------------------------------------------------------- histograms

const RATIO = 1.05;
const LOG_RATIO = Math.log(RATIO);

/** The bucket of a duration: 0 up to a second, then b with 1000·1.05^(b-1) < ms ≤ 1000·1.05^b. */
export function bucketOf(ms: number): number {
  if (!(ms > 1000)) return 0;
  return Math.max(1, Math.ceil(Math.log(ms / 1000) / LOG_RATIO - 1e-9));
}

/** A bucket's upper bound in milliseconds (what a percentile in it reads as). */
export const bucketUpper = (bucket: number): number => Math.round(1000 * RATIO ** bucket);

export type Histogram = Map<number, number>;

/** The nearest-rank percentile (0 < p ≤ 1) of a histogram, as its bucket's upper bound; null when empty. */
export function percentile(histogram: Histogram, p: number): number | null {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (!total) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return bucketUpper(bucket);
  }
  return null;
}

export function mergeInto(target: Histogram, source: Histogram): Histogram {
  for (const [bucket, n] of source) target.set(bucket, (target.get(bucket) ?? 0) + n);
  return target;
}

// ---------------------------------------------------------------- what an event adds

/** Numbers to add and strings to add to sets, by attribute name. */
export interface Delta {
  readonly add: Record<string, number>;
  readonly sets: Record<string, string[]>;
}

export interface StatsWrite {
  readonly partition: string;
  readonly sk: string;
  readonly delta: Delta;
}

const emptyDelta = (): { add: Record<string, number>; sets: Record<string, string[]> } => ({ add: {}, sets: {} });
const inc = (delta: Delta, name: string, by = 1): void => { (delta.add as Record<string, number>)[name] = (delta.add[name] ?? 0) + by; };
const hist = (delta: Delta, metric: string, offering: string, ms: number): void => inc(delta, `h|${metric}|${offering}|${bucketOf(ms)}`);

/** What the counters need of a request. */
export interface CountedRequest {
  readonly team: string | null;
  readonly offering: { readonly id: string };
  readonly requester: string;
  readonly createdAt: string;
}

const teamOf = (record: Pick<CountedRequest, 'team'>): string => record.team ?? NO_TEAM;
const dayOf = (iso: string): string => iso.slice(0, 10);

/** The Monday of a day's week (UTC), yyyy-mm-dd. */
export function mondayOf(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A submit: counted for the team and everyone on the day it was made; who made it goes to the week's item (the
 * sets of people stay out of the day items, which the reads fetch by the hundred).
 */
export function submittedWrites(record: CountedRequest): StatsWrite[] {
  const offering = record.offering.id;
  const team = teamOf(record);
  const day = daySk(dayOf(record.createdAt));
  const week = weekSk(mondayOf(dayOf(record.createdAt)));
  const one = (name: string): Delta => ({ add: { [name]: 1 }, sets: {} });
  return [
    { partition: teamPartition(team), sk: day, delta: one(`sub|${offering}`) },
    { partition: PLATFORM_PARTITION, sk: day, delta: one(`sub|${team}|${offering}`) },
    { partition: teamPartition(team), sk: week, delta: { add: {}, sets: { who: [record.requester] } } },
    {
      partition: PLATFORM_PARTITION, sk: week,
      delta: { add: {}, sets: { who: [record.requester], [`who|${offering}`]: [record.requester], [`teams|${offering}`]: [team], [`whoTeam|${team}`]: [record.requester] } },
    },
  ];
}

/** How a run's time was spent, for a completed request. */
export interface Phases {
  /** Submit to completed. */
  readonly totalMs: number;
  /** The approval's decision (or the submit when none was asked) to completed: what the SLA counts. */
  readonly fulfilMs: number;
  /** Submit (or the approval's opening) to its decision; null when none was asked. */
  readonly approvalMs: number | null;
  /** Each forward action's time (its attempts' durations summed), by action id. */
  readonly actionsMs: Record<string, number>;
}

export interface EndFacts {
  readonly outcome: 'completed' | 'failed' | 'cancelled';
  readonly at: string;
  /** For a failure: its code (action-failed, approval-rejected, …) and the action. */
  readonly reason?: string;
  readonly action?: string | null;
  readonly phases?: Phases;
  /** The offering's SLA (metadata.sla.fulfillmentTime), when it has one. */
  readonly slaMs?: number | null;
  /** When the approval was decided (for a rejection: its wait). */
  readonly approvalMs?: number | null;
}

/** A request's run ended: outcome counters, failure reasons, time histograms and phase sums. */
export function endedWrites(record: Pick<CountedRequest, 'team' | 'offering'>, facts: EndFacts): StatsWrite[] {
  const offering = record.offering.id;
  const team = teamOf(record);
  const day = daySk(dayOf(facts.at));
  const mine = emptyDelta();
  const all = emptyDelta();
  for (const delta of [mine, all]) {
    inc(delta, `end|${facts.outcome}|${offering}`);
    if (facts.outcome === 'failed') inc(delta, `fail|${offering}|${facts.reason ?? 'internal'}|${facts.action ?? '-'}`);
    const approvalMs = facts.phases?.approvalMs ?? facts.approvalMs ?? null;
    if (approvalMs !== null && approvalMs !== undefined) hist(delta, 'appr', offering, approvalMs);
    const phases = facts.phases;
    if (facts.outcome !== 'completed' || !phases) continue;
    hist(delta, 'tot', offering, phases.totalMs);
    hist(delta, 'ful', offering, phases.fulfilMs);
    inc(delta, `s|tot|${offering}`, Math.round(phases.totalMs));
    if (facts.slaMs) {
      inc(delta, `sla|n|${offering}`);
      if (phases.fulfilMs <= facts.slaMs) inc(delta, `sla|in|${offering}`);
    }
  }
  if (facts.outcome === 'completed' && facts.phases) {
    const phases = facts.phases;
    const actions = Object.values(phases.actionsMs).reduce((a, b) => a + b, 0);
    const approval = phases.approvalMs ?? 0;
    inc(all, `s|appr|${offering}`, Math.round(approval));
    inc(all, `s|act|${offering}`, Math.round(actions));
    inc(all, `s|queue|${offering}`, Math.round(Math.max(0, phases.totalMs - approval - actions)));
    for (const [action, ms] of Object.entries(phases.actionsMs)) inc(all, `s|action|${offering}|${action}`, Math.round(ms));
  }
  const writes: StatsWrite[] = [{ partition: teamPartition(team), sk: day, delta: mine }, { partition: PLATFORM_PARTITION, sk: day, delta: all }];
  if (facts.outcome === 'completed') writes.push({ partition: teamPartition(team), sk: ACTIVE_SK, delta: { add: { [`a|${offering}`]: 1 }, sets: {} } });
  return writes;
}

/** What a completed request provisioned is gone. */
export function deprovisionedWrites(record: Pick<CountedRequest, 'team' | 'offering'>, at: string): StatsWrite[] {
  const offering = record.offering.id;
  const team = teamOf(record);
  return [
    { partition: teamPartition(team), sk: daySk(dayOf(at)), delta: { add: { [`deprov|${offering}`]: 1 }, sets: {} } },
    { partition: teamPartition(team), sk: ACTIVE_SK, delta: { add: { [`a|${offering}`]: -1 }, sets: {} } },
  ];
}

/** A completed run's phases from its record, its approval's decision and its forward attempts. */
export function phasesOf(record: Pick<RequestRecord, 'createdAt' | 'run'>, completedAt: string, attempts: readonly Pick<AttemptRecord, 'actionId' | 'phase' | 'run' | 'durationMs' | 'startedAt' | 'endedAt'>[], approval?: { createdAt: string; decidedAt?: string } | null): Phases {
  const totalMs = Math.max(0, Date.parse(completedAt) - Date.parse(record.createdAt));
  const decided = approval?.decidedAt ? Date.parse(approval.decidedAt) : null;
  const approvalMs = approval && decided !== null ? Math.max(0, decided - Date.parse(approval.createdAt)) : null;
  const fulfilMs = Math.max(0, Date.parse(completedAt) - (decided ?? Date.parse(record.createdAt)));
  const actionsMs: Record<string, number> = {};
  const run = record.run ?? 1;
  for (const attempt of attempts) {
    if ((attempt.phase ?? 'forward') !== 'forward' || (attempt.run ?? 1) !== run) continue;
    const ms = attempt.durationMs ?? (attempt.endedAt ? Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt) : 0);
    if (ms > 0) actionsMs[attempt.actionId] = (actionsMs[attempt.actionId] ?? 0) + ms;
  }
  return { totalMs, fulfilMs, approvalMs, actionsMs };
}

// ---------------------------------------------------------------- writing

/** Adds writes into a fold, one entry per item (a history seeded at once: one UpdateItem per item, not per event). */
export function foldWrites(into: Map<string, StatsWrite>, writes: readonly StatsWrite[]): void {
  for (const write of writes) {
    const key = `${write.partition}\u0000${write.sk}`;
    const known = into.get(key) ?? { partition: write.partition, sk: write.sk, delta: { add: {}, sets: {} } };
    const add = known.delta.add as Record<string, number>;
    const sets = known.delta.sets as Record<string, string[]>;
    for (const [name, by] of Object.entries(write.delta.add)) add[name] = (add[name] ?? 0) + by;
    for (const [name, members] of Object.entries(write.delta.sets)) sets[name] = [...new Set([...(sets[name] ?? []), ...members])];
    into.set(key, known);
  }
}

/** One UpdateItem per write: ADD for the counters and sets (DynamoDB creates what is missing). */
export async function applyWrites(writes: readonly StatsWrite[]): Promise<void> {
  for (const write of writes) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const parts: string[] = [];
    let i = 0;
    for (const [name, by] of Object.entries(write.delta.add)) {
      names[`#a${i}`] = name; values[`:a${i}`] = by; parts.push(`#a${i} :a${i}`); i++;
    }
    for (const [name, members] of Object.entries(write.delta.sets)) {
      if (!members.length) continue;
      names[`#a${i}`] = name; values[`:a${i}`] = new Set(members); parts.push(`#a${i} :a${i}`); i++;
    }
    if (!parts.length) continue;
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: write.partition, SK: write.sk },
      UpdateExpression: `ADD ${parts.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
    }));
  }
}

/**
 * Writes an event's counters once: sets `statsMarks.<mark>` on the request's META first, only if it is not set,
 * then the counters. False when it was counted before (a retried step).
 */
export async function recordOnce(requestId: string, mark: string, writes: readonly StatsWrite[]): Promise<boolean> {
  try {
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: `REQ#${requestId}`, SK: 'META' },
      UpdateExpression: 'SET #marks = if_not_exists(#marks, :empty)', ExpressionAttributeNames: { '#marks': 'statsMarks' }, ExpressionAttributeValues: { ':empty': {} },
      ConditionExpression: 'attribute_exists(PK)',
    }));
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: { PK: `REQ#${requestId}`, SK: 'META' },
      UpdateExpression: 'SET #marks.#mark = :at', ConditionExpression: 'attribute_not_exists(#marks.#mark)',
      ExpressionAttributeNames: { '#marks': 'statsMarks', '#mark': mark }, ExpressionAttributeValues: { ':at': new Date().toISOString() },
    }));
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  await applyWrites(writes);
  return true;
}
