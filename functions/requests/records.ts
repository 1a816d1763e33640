/**
 * A request's items (ARCHITECTURE.md §3): our records are the truth, the execution is the runner.
 *
 *   REQ#<id> / META          the request (GSI1 REQUSER#<requester>, GSI2 REQTEAM#<team>; by createdAt)
 *   REQ#<id> / LIST          the same summary for the lists GSI1 cannot give (GSI1 REQS: everyone's;
 *                            GSI2 REQOFFER#<offering>), written with META on every transition
 *   REQ#<id> / OFFERING      the offering document as submitted: a request runs the version it was made for
 *   REQ#<id> / SECRETFIELDS  the values of the form's secret fields (never answered by the API)
 *   REQ#<id> / ACT#<nn>#<actionId>#<aa>   one attempt of one action: rendered input (masked), outputs, timings
 *   REQ#<id> / LOG#<ulid>    a log line; transitions are log lines of kind `transition`
 *   OFFERSTATS#<offering> / DURATIONS     the last fulfilment durations, for estimates
 *
 * No transactions (dynalite has none): writes are ordered and idempotent, META first.
 */
import type { HeldQuota } from './quotas.ts';
import { BatchWriteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulidx';
import type { CatalogItemV2, RequestLogEntry, RequestRating, RequestStatus as RequestStatusBody, RequestSummary } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import type { ExternalRef } from './actions/ports.ts';
import { publish } from '#lib/realtime';
import { db, getItem, putItem, putNew, queryAll, queryPage, tableName, type Item, type Page } from '#lib/table';

export type RequestState = RequestSummary['status'];
export type Severity = RequestLogEntry['severity'];

export interface PlannedAction {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly index: number;
}

/** The request as stored (META). */
export interface RequestRecord extends RequestSummary {
  readonly fields: Record<string, unknown>;
  readonly note: string | null;
  readonly secretFieldIds: readonly string[];
  readonly requesterRole: string;
  readonly message: string;
  /** The actions that run (their `when` held), in order; set by the validate step. */
  readonly plan?: readonly PlannedAction[];
  readonly outputs?: Record<string, Record<string, unknown>>;
  readonly sensitiveOutputs?: Record<string, readonly string[]>;
  readonly generation: number;
  readonly startedAt?: string;
  /** Manual fulfilment: its instructions, and who ended it. */
  readonly manual?: ManualState;
  /** A person ended the manual fulfilment from the request page. */
  readonly manualDecision?: { readonly by: string; readonly outcome: 'completed' | 'failed'; readonly note?: string };
  /** The waiting manual state's task token (never answered). */
  readonly taskToken?: string;
  readonly expectedMs: number;
  /** The run: 1 for the first execution, n for the (n-1)th retry (its execution is `<id>-r<n>`). */
  readonly run?: number;
  readonly retries?: number;
  /** Whether this run waits for approval (a retry with unchanged fields does not ask again). */
  readonly runApproval?: boolean;
  readonly cancel?: { readonly by: string; readonly at: string; readonly reason?: string };
  readonly deprovision?: { readonly by: string; readonly at: string; readonly reason?: string };
  /** What the current rollback undoes, newest first. */
  readonly rollbackPlan?: readonly RollbackStep[];
  readonly undoReason?: 'failure' | 'cancel' | 'deprovision';
  readonly deprovisionedAt?: string | null;
  /** What it takes of its team's quotas (a claim per quota the offering declares, reserved at submit): released when it ends without use. */
  readonly quota?: HeldQuota;
  /** The requester's rating once completed (ratings.ts). */
  readonly rating?: RequestRating;
  readonly version: number;
}

export interface ManualState {
  readonly instructions: string;
  /** Who ended it (a person from the request page, or `JIRA <key>`), how, and why. */
  readonly completedBy?: string;
  readonly outcome?: 'completed' | 'failed';
  readonly note?: string;
  /** When it fails if nobody ends it. */
  readonly deadline?: string;
  readonly ticket?: { readonly key: string; readonly url?: string; readonly status?: string };
}

export interface RollbackStep {
  /** The forward action undone, its place in the offering and the rollback action (in rollbackActions) that undoes it. */
  readonly forActionId: string;
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly type: string;
}

export type Phase = 'forward' | 'rollback';

export interface AttemptRecord {
  /** The action run (for a rollback: the rollback action's id; `forActionId` is what it undoes). */
  readonly actionId: string;
  readonly phase?: Phase;
  readonly forActionId?: string;
  /** The request's run this attempt belongs to (a retry is a new run): the retry policy counts attempts per run. */
  readonly run?: number;
  /** The outside run it started (Terraform run, GitHub workflow run, JIRA issue). */
  readonly ref?: ExternalRef;
  /** When the attempt times out (the action's timeout from its start). */
  readonly deadline?: string;
  readonly pollSeconds?: number;
  /** A succeeded forward attempt whose work a rollback undid (a retry runs it again). */
  readonly rolledBack?: boolean;
  /** A webhook came while no wait held a token: the next wait ends at once. */
  readonly pendingWake?: boolean;
  readonly index: number;
  readonly attempt: number;
  readonly name: string;
  readonly type: string;
  readonly status: 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
  readonly input?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly sensitive?: readonly string[];
  readonly httpStatus?: number;
  readonly error?: { code: string; message: string; retryable: boolean };
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly durationMs?: number;
  readonly waitingFor?: string;
  readonly target?: string;
  readonly taskToken?: string;
}

const ulid = monotonicFactory();
export const newId = (): string => ulid();

export const requestPartition = (id: string): string => `REQ#${id}`;
const key = (id: string, sk: string) => ({ PK: requestPartition(id), SK: sk });
const pad = (n: number): string => String(n).padStart(2, '0');
/** `ACT#…` for the offering's actions, `RB#…` for rollbacks (`index`: the undone action's place). */
export const attemptSk = (index: number, actionId: string, attempt: number, phase: Phase = 'forward'): string =>
  `${phase === 'rollback' ? 'RB' : 'ACT'}#${pad(index)}#${actionId}#${pad(attempt)}`;
export const REQUEST_TOPIC = (id: string): string => `request:${id}`;
export const TEAM_REQUESTS_TOPIC = (team: string): string => `requests:${team}`;
export const REQUEST_CHANGED = 'request.changed';
export const ALL_REQUESTS_TOPIC = 'requests-all';

/** The summary fields a list shows: written to META and LIST alike. */
const SUMMARY_KEYS = ['status', 'progress', 'currentAction', 'approvalId', 'updatedAt', 'completedAt', 'eta', 'error', 'message'] as const;

export async function createRequest(record: RequestRecord, document: CatalogItemV2, secretValues: Record<string, unknown>): Promise<void> {
  const sortKey = `${record.createdAt}#${record.id}`;
  // The document and secrets first: a META without them never exists, so nothing runs half-made.
  await putItem({ ...key(record.id, 'OFFERING'), document });
  if (Object.keys(secretValues).length) await putItem({ ...key(record.id, 'SECRETFIELDS'), values: secretValues });
  await putNew({
    ...key(record.id, 'META'), ...record,
    GSI1PK: `REQUSER#${record.requester}`, GSI1SK: sortKey,
    ...(record.team ? { GSI2PK: `REQTEAM#${record.team}`, GSI2SK: sortKey } : {}),
  }, `request ${record.id} exists`);
  await putItem({ ...key(record.id, 'LIST'), ...summaryOf(record), GSI1PK: 'REQS', GSI1SK: sortKey, GSI2PK: `REQOFFER#${record.offering.id}`, GSI2SK: sortKey });
}

export function summaryOf(record: RequestRecord | (Item & RequestSummary)): RequestSummary {
  return {
    id: record.id, offering: record.offering, requester: record.requester, team: record.team ?? null, priority: record.priority,
    status: record.status, progress: record.progress, fulfillment: record.fulfillment, currentAction: record.currentAction ?? null,
    approvalId: record.approvalId ?? null, createdAt: record.createdAt, updatedAt: record.updatedAt,
    completedAt: record.completedAt ?? null, eta: record.eta ?? null, error: record.error ?? null,
  };
}

export async function readRequest(id: string, consistent = false): Promise<RequestRecord | undefined> {
  return getItem<Item & RequestRecord>(key(id, 'META'), { consistent });
}

export async function requireRequest(id: string, consistent = false): Promise<RequestRecord> {
  const record = await readRequest(id, consistent);
  if (!record) throw new NotFoundError(`request ${id} not found`);
  return record;
}

export async function readDocument(id: string): Promise<CatalogItemV2> {
  const { Item: item } = await db.send(new GetCommand({ TableName: tableName(), Key: key(id, 'OFFERING'), ConsistentRead: true }));
  if (!item) throw new NotFoundError(`request ${id} has no offering document`);
  return item.document as CatalogItemV2;
}

export async function readSecretFields(id: string): Promise<Record<string, unknown>> {
  const { Item: item } = await db.send(new GetCommand({ TableName: tableName(), Key: key(id, 'SECRETFIELDS'), ConsistentRead: true }));
  return (item?.values as Record<string, unknown> | undefined) ?? {};
}

/** Sets attributes of META (and the summary ones on LIST too); `null` removes. Answers the new META. */
export async function updateRequest(id: string, changes: Partial<Record<keyof RequestRecord | string, unknown>>): Promise<RequestRecord> {
  const updated = await update(key(id, 'META'), changes, true);
  const summary = Object.fromEntries(Object.entries(changes).filter(([k]) => (SUMMARY_KEYS as readonly string[]).includes(k)));
  if (Object.keys(summary).length) await update(key(id, 'LIST'), summary, false);
  return updated as unknown as RequestRecord;
}

/** Attributes the API answers as null rather than absent. */
const KEEP_NULL = new Set(['currentAction', 'eta', 'completedAt', 'error', 'approvalId', 'deprovisionedAt']);

async function update(itemKey: { PK: string; SK: string }, changes: Record<string, unknown>, bumpVersion: boolean): Promise<Record<string, unknown>> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(changes).forEach(([attr, value], i) => {
    if (value === undefined) return;
    names[`#a${i}`] = attr;
    if (value === null && !KEEP_NULL.has(attr)) removes.push(`#a${i}`);
    else { values[`:v${i}`] = value; sets.push(`#a${i} = :v${i}`); }
  });
  if (bumpVersion) { names['#version'] = 'version'; values[':one'] = 1; sets.push('#version = #version + :one'); }
  const { Attributes } = await db.send(new UpdateCommand({
    TableName: tableName(),
    Key: itemKey,
    UpdateExpression: `${sets.length ? `SET ${sets.join(', ')}` : ''}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
    ReturnValues: 'ALL_NEW',
  }));
  return Attributes ?? {};
}

// ---------------------------------------------------------------- log lines and transitions

export interface LogInput {
  readonly message: string;
  readonly severity?: Severity;
  readonly action?: string;
  readonly kind?: RequestLogEntry['kind'];
  readonly status?: RequestState;
}

type LogItem = Item & RequestLogEntry & { id: string };

export async function appendLog(id: string, lines: readonly LogInput[], at = new Date()): Promise<RequestLogEntry[]> {
  const entries = lines.map((line): RequestLogEntry & { id: string } => ({
    id: ulid(at.getTime()),
    at: at.toISOString(),
    message: line.message,
    severity: line.severity ?? 'info',
    kind: line.kind ?? 'log',
    ...(line.action ? { action: line.action } : {}),
    ...(line.status ? { status: line.status } : {}),
  }));
  for (let i = 0; i < entries.length; i += 25) {
    await db.send(new BatchWriteCommand({ RequestItems: { [tableName()]: entries.slice(i, i + 25).map((e) => ({ PutRequest: { Item: { ...key(id, `LOG#${e.id}`), ...e } } })) } }));
  }
  return entries.map(({ id: _id, ...entry }) => entry);
}

export function statusOf(record: RequestRecord): RequestStatusBody {
  return {
    id: record.id, status: record.status, progress: record.progress, currentAction: record.currentAction ?? null,
    eta: record.eta ?? null, message: record.message, updatedAt: record.updatedAt,
  };
}

/**
 * A step of the request's life: META and LIST updated, the log line written, and the change published on
 * `request:<id>` (and `requests:<team>`) with the status as GET …/status shows it.
 */
export async function transition(id: string, changes: Partial<Record<keyof RequestRecord | string, unknown>>, line: LogInput, at = new Date()): Promise<RequestRecord> {
  const record = await updateRequest(id, { ...changes, updatedAt: at.toISOString(), ...(line.message && changes.status ? { message: line.message } : {}) });
  const [entry] = await appendLog(id, [{ ...line, kind: line.kind ?? (changes.status ? 'transition' : 'log'), ...(changes.status ? { status: changes.status as RequestState } : {}) }], at);
  await announce(record, entry);
  return record;
}

export async function announce(record: RequestRecord, entry?: RequestLogEntry): Promise<void> {
  const data = { ...statusOf(record), ...(entry ? { entry } : {}) };
  await publish(REQUEST_TOPIC(record.id), REQUEST_CHANGED, data);
  const brief = { id: record.id, status: record.status, progress: record.progress, updatedAt: record.updatedAt };
  if (record.team) await publish(TEAM_REQUESTS_TOPIC(record.team), REQUEST_CHANGED, brief);
  await publish(ALL_REQUESTS_TOPIC, REQUEST_CHANGED, brief);
}

export async function readLogs(id: string, options: { limit: number; cursor?: string; newestFirst?: boolean; action?: string; minSeverity?: Severity }): Promise<Page<RequestLogEntry>> {
  const severities: Severity[] = ['debug', 'info', 'warn', 'error'];
  const allowed = options.minSeverity ? severities.slice(severities.indexOf(options.minSeverity)) : undefined;
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (options.action) { filters.push('#action = :action'); names['#action'] = 'action'; values[':action'] = options.action; }
  if (allowed && allowed.length < severities.length) {
    filters.push(`#sev IN (${allowed.map((_, i) => `:sev${i}`).join(', ')})`);
    names['#sev'] = 'severity';
    allowed.forEach((s, i) => { values[`:sev${i}`] = s; });
  }
  const page = await queryPage<LogItem>({
    partition: requestPartition(id), sortKey: { beginsWith: 'LOG#' }, limit: options.limit, cursor: options.cursor, newestFirst: options.newestFirst,
    ...(filters.length ? { filter: { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values } } : {}),
  });
  return { items: page.items.map(toLogEntry), nextCursor: page.nextCursor };
}

const toLogEntry = (item: LogItem): RequestLogEntry => ({
  at: item.at, message: item.message, severity: item.severity,
  ...(item.kind ? { kind: item.kind } : {}), ...(item.action ? { action: item.action } : {}), ...(item.status ? { status: item.status } : {}),
});

// ---------------------------------------------------------------- action attempts

export async function readAttempts(id: string, phase: Phase = 'forward'): Promise<AttemptRecord[]> {
  return queryAll<Item & AttemptRecord>({ partition: requestPartition(id), sortKey: { beginsWith: phase === 'rollback' ? 'RB#' : 'ACT#' } }, 2000);
}

/** Records an attempt's start; false when that attempt already exists (a step run again). */
export async function startAttempt(id: string, attempt: AttemptRecord): Promise<boolean> {
  try {
    await putNew({ ...key(id, attemptSk(attempt.index, attempt.actionId, attempt.attempt, attempt.phase)), ...attempt }, 'attempt exists');
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConflictError') return false;
    throw error;
  }
}

export async function updateAttempt(id: string, attempt: Pick<AttemptRecord, 'index' | 'actionId' | 'attempt' | 'phase'>, changes: Partial<AttemptRecord>): Promise<AttemptRecord> {
  return await update(key(id, attemptSk(attempt.index, attempt.actionId, attempt.attempt, attempt.phase)), changes as Record<string, unknown>, false) as unknown as AttemptRecord;
}

export async function readAttempt(id: string, index: number, actionId: string, attempt: number, phase: Phase = 'forward'): Promise<AttemptRecord | undefined> {
  return getItem<Item & AttemptRecord>(key(id, attemptSk(index, actionId, attempt, phase)), { consistent: true });
}

// ---------------------------------------------------------------- lists

export type ListScope = { kind: 'user'; principal: string } | { kind: 'team'; team: string } | { kind: 'all' } | { kind: 'offering'; offering: string };

export async function listRequests(scope: ListScope, options: { limit: number; cursor?: string; status?: string; offering?: string; from?: string; to?: string }): Promise<Page<RequestSummary>> {
  const [index, partition] = scope.kind === 'user' ? ['GSI1', `REQUSER#${scope.principal}`] as const
    : scope.kind === 'team' ? ['GSI2', `REQTEAM#${scope.team}`] as const
    : scope.kind === 'offering' ? ['GSI2', `REQOFFER#${scope.offering}`] as const
    : ['GSI1', 'REQS'] as const;
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (options.status) { filters.push('#status = :status'); names['#status'] = 'status'; values[':status'] = options.status; }
  if (options.offering && scope.kind !== 'offering') { filters.push('#offering.#oid = :offering'); names['#offering'] = 'offering'; names['#oid'] = 'id'; values[':offering'] = options.offering; }
  const sortKey = options.from || options.to ? { between: [options.from ?? '0000', options.to ? `${options.to}` : '9999'] as [string, string] } : undefined;
  const page = await queryPage<Item & RequestSummary>({
    index, partition, limit: options.limit, cursor: options.cursor, newestFirst: true,
    ...(sortKey ? { sortKey } : {}),
    ...(filters.length ? { filter: { FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values } } : {}),
  });
  return { items: page.items.map(summaryOf), nextCursor: page.nextCursor };
}

// ---------------------------------------------------------------- estimates

const STATS_SAMPLES = 20;

/** The median of the offering's last fulfilment durations (ms), once there are three. */
export async function typicalDurationMs(offeringId: string): Promise<number | undefined> {
  const item = await getItem<Item & { samples?: number[] }>({ PK: `OFFERSTATS#${offeringId}`, SK: 'DURATIONS' });
  const samples = [...(item?.samples ?? [])].sort((a, b) => a - b);
  if (samples.length < 3) return undefined;
  return samples[Math.floor(samples.length / 2)];
}

export async function recordDuration(offeringId: string, ms: number): Promise<void> {
  await recordDurations(offeringId, [ms]);
}

/** Adds durations (oldest first) to the offering's last ones; the demo history seeds its completed requests' here. */
export async function recordDurations(offeringId: string, ms: readonly number[]): Promise<void> {
  const item = await getItem<Item & { samples?: number[] }>({ PK: `OFFERSTATS#${offeringId}`, SK: 'DURATIONS' }, { consistent: true });
  const samples = [...(item?.samples ?? []), ...ms.map((m) => Math.max(0, Math.round(m)))].slice(-STATS_SAMPLES);
  await putItem({ PK: `OFFERSTATS#${offeringId}`, SK: 'DURATIONS', samples, updatedAt: new Date().toISOString() });
}

/** Requests whose work is under way (an execution should hold them): read at local start, to find the lost ones. */
export async function activeRequestIds(max = 10_000): Promise<string[]> {
  const active = ['submitted', 'validating', 'awaiting_approval', 'queued', 'in_progress', 'rolling_back', 'deprovisioning'];
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage<Item & RequestSummary>({
      index: 'GSI1', partition: 'REQS', limit: 200, cursor,
      filter: { FilterExpression: `#status IN (${active.map((_, i) => `:s${i}`).join(', ')})`, ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: Object.fromEntries(active.map((s, i) => [`:s${i}`, s])) },
    });
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && ids.length < max);
  return ids;
}
