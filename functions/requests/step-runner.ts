/**
 * The work of each Task state of the fulfillment state machine. Our records are the truth: each step reads
 * them, acts, writes what happened, and answers the little the machine needs to choose the next state.
 * A step run twice (a Lambda retry) finds its own record and does not act twice; an outside call made twice
 * carries the same idempotency key `<requestId>/<actionId>/<generation>`.
 */
import type { CatalogAction, CatalogItemV2 } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { teamMemberPrincipals } from '#functions/identity/public';
import { config } from '#lib/config';
import { notify } from '#lib/notifications';
import { publish } from '#lib/realtime';
import type { StepEvent } from '#lib/workflows/ports';
import { APPROVAL_CHANGED, APPROVALS_TOPIC, approvalRule, expireApproval, openApproval, readApproval } from './approvals.ts';
import { executeAction } from './actions/index.ts';
import type { SynchronousAction } from './actions/ports.ts';
import { requestsDeps } from './deps.ts';
import {
  appendLog, newId, readAttempts, readDocument, readSecretFields, recordDuration, requireRequest, startAttempt, transition, updateAttempt,
  type AttemptRecord, type PlannedAction, type RequestRecord,
} from './records.ts';
import { admit, concurrencyLimit, enqueue, QUEUE_POLL_SECONDS, release } from './queue.ts';
import { durationSeconds, needsApproval } from './plan.ts';

export type StepResult = Record<string, unknown>;

/** Seconds an approval waits when the rule names no timeout. */
const DEFAULT_APPROVAL_SECONDS = 7 * 86400;
/** Seconds a manual request waits to be ended by a person. */
const DEFAULT_MANUAL_SECONDS = 14 * 86400;
/** A synchronous attempt's limit: under the steps Lambda's 60 s. */
const DEFAULT_SYNC_TIMEOUT_SECONDS = 30;
const MAX_SYNC_TIMEOUT_SECONDS = 50;
/** How long an action of a type that arrives with part 2 waits before it fails. */
const UNSUPPORTED_WAIT_SECONDS = 3600;

const link = (id: string): string => `/requests/${id}`;

function progressOf(record: RequestRecord, done: number): number {
  const total = (record.plan ?? []).filter((p) => !(p as { skipped?: boolean }).skipped).length;
  return total === 0 ? 15 : Math.min(95, 15 + Math.round((80 * done) / total));
}

function actionOf(doc: CatalogItemV2, actionId: string): CatalogAction {
  if (doc.fulfillment.type !== 'automated') throw new ValidationError(`offering ${doc.metadata.id} is not automated`);
  const action = doc.fulfillment.actions.find((a) => a.id === actionId);
  if (!action) throw new ValidationError(`offering ${doc.metadata.id} has no action ${actionId}`);
  return action;
}

function requiredString(event: StepEvent, name: string): string {
  const value = event[name];
  if (typeof value !== 'string' || !value) throw new ValidationError(`step ${event.step} needs ${name}`);
  return value;
}

// ---------------------------------------------------------------- validate, quota, queue

async function validate(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const doc = await readDocument(record.id);
  if (record.status === 'failed' || record.status === 'completed') return { valid: false };
  if (record.status === 'submitted') await transition(record.id, { status: 'validating', progress: 5 }, { message: 'validating' });
  const values = { ...record.fields, ...(await readSecretFields(record.id)) };
  const approval = needsApproval(doc, values);
  return {
    valid: true,
    approval,
    approvalTimeoutSeconds: durationSeconds(doc.approval?.timeout, DEFAULT_APPROVAL_SECONDS),
    fulfillment: doc.fulfillment.type,
    manualTimeoutSeconds: DEFAULT_MANUAL_SECONDS,
  };
}

async function quota(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'));
  await transition(record.id, {}, { message: 'quota check: passed (team quotas arrive with governance)', severity: 'debug' });
  return { passed: true };
}

async function queue(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  if (record.status === 'validating' || record.status === 'awaiting_approval') {
    if (record.fulfillment === 'automated') await enqueue(record);
    await transition(record.id, { status: 'queued', progress: 15 }, { message: `queued (priority ${record.priority})` });
  }
  // People fulfil manual requests: they take no slot.
  if (record.fulfillment === 'manual') return { admitted: true };
  const admission = await admit(record);
  if (!admission.admitted && (event.waited === undefined)) {
    await transition(record.id, {}, { message: `waiting for a fulfilment slot (${concurrencyLimit()} run at once; higher priority first)`, severity: 'debug' });
  }
  return admission.admitted ? { admitted: true } : { admitted: false, waitSeconds: QUEUE_POLL_SECONDS };
}

// ---------------------------------------------------------------- approval

async function approvalOpen(event: StepEvent): Promise<StepResult> {
  const taskToken = requiredString(event, 'taskToken');
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const doc = await readDocument(record.id);
  if (!doc.approval) throw new ValidationError(`offering ${doc.metadata.id} has no approval rule`);
  const now = new Date();
  const id = record.approvalId ?? newId();
  const timeoutSeconds = durationSeconds(doc.approval.timeout, DEFAULT_APPROVAL_SECONDS);
  const approval = await openApproval({
    id, requestId: record.id, status: 'pending', offering: record.offering, requester: record.requester, team: record.team ?? null,
    priority: record.priority, note: record.note ?? null, fields: record.fields, rule: approvalRule(doc.approval), decisions: [],
    createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(), taskToken,
  });
  if (!record.approvalId) {
    const who = [...(doc.approval.approvers.roles ?? []).map((r) => `the ${r} role`), ...(doc.approval.approvers.teams ?? []).map((t) => `team ${t}`), ...(doc.approval.approvers.principals ?? [])];
    await transition(record.id, { status: 'awaiting_approval', progress: 10, approvalId: id }, {
      message: `awaiting approval by ${who.join(doc.approval.mode === 'all' ? ' and ' : ' or ')} until ${approval.expiresAt}${doc.approval.reason ? ` (${doc.approval.reason})` : ''}`,
    }, now);
    const principals = [...(doc.approval.approvers.principals ?? [])];
    for (const team of doc.approval.approvers.teams ?? []) principals.push(...(await teamMemberPrincipals(team)));
    await notify(principals.filter((p) => p.toLowerCase() !== record.requester.toLowerCase()), {
      kind: 'approval.waiting', title: `Approval needed: ${record.offering.name} for ${record.requester}`,
      body: doc.approval.reason ?? `A request for ${record.offering.name} waits for your decision.`, link: '/approvals', resource: { type: 'approval', id },
    }, now);
    await publish(APPROVALS_TOPIC, APPROVAL_CHANGED, { id, requestId: record.id, status: 'pending' });
  }
  return { approvalId: id };
}

async function approvalExpired(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const approval = record.approvalId ? await readApproval(record.approvalId, true) : undefined;
  if (approval) await expireApproval(approval);
  return {};
}

// ---------------------------------------------------------------- manual fulfilment

async function manualOpen(event: StepEvent): Promise<StepResult> {
  const taskToken = requiredString(event, 'taskToken');
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const owner = record.offering.owner;
  const first = record.status !== 'in_progress';
  await transition(record.id, { status: 'in_progress', progress: 50, taskToken, startedAt: record.startedAt ?? new Date().toISOString() }, {
    message: `waiting for the ${owner ?? 'owning'} team to fulfil it by hand and mark it completed (JIRA tickets arrive with requests part 2)`,
  });
  if (first && owner) {
    await notify((await teamMemberPrincipals(owner)).filter((p) => p !== record.requester), {
      kind: 'approval.waiting', title: `To fulfil: ${record.offering.name} for ${record.requester}`, body: record.manual?.instructions, link: link(record.id), resource: { type: 'request', id: record.id },
    });
  }
  return {};
}

// ---------------------------------------------------------------- automated actions

interface NextAction {
  readonly done: boolean;
  readonly actionId?: string;
  readonly index?: number;
  readonly attempt?: number;
}

/** The first planned action without a succeeded attempt, and its attempt number. */
export function nextOf(plan: readonly (PlannedAction & { skipped?: boolean })[], attempts: readonly AttemptRecord[]): NextAction {
  for (const planned of plan) {
    if (planned.skipped) continue;
    const mine = attempts.filter((a) => a.actionId === planned.id).sort((a, b) => a.attempt - b.attempt);
    const last = mine.at(-1);
    if (last?.status === 'succeeded') continue;
    // A running or waiting attempt is resumed as the same attempt (a step run again); a failed one is followed by the next.
    const attempt = !last ? 1 : last.status === 'failed' ? last.attempt + 1 : last.attempt;
    return { done: false, actionId: planned.id, index: planned.index, attempt };
  }
  return { done: true };
}

async function nextAction(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const next = nextOf(record.plan ?? [], await readAttempts(record.id));
  if (next.done) return { done: true };
  const planned = record.plan!.find((p) => p.id === next.actionId)!;
  const currentAction = { id: planned.id, name: planned.name, type: planned.type, index: planned.index, attempt: next.attempt! };
  const moved = record.currentAction?.id !== planned.id || record.currentAction.attempt !== next.attempt;
  if (record.status !== 'in_progress' || moved) {
    await transition(record.id, {
      currentAction, ...(record.status !== 'in_progress' ? { status: 'in_progress', startedAt: new Date().toISOString() } : {}),
    }, { message: `${planned.name}: attempt ${next.attempt}`, action: planned.id, ...(record.status !== 'in_progress' ? {} : { kind: 'action' as const }) });
  }
  return { done: false, actionId: planned.id, index: planned.index, attempt: next.attempt };
}

function retryDelaySeconds(action: CatalogAction, attempt: number): number {
  const policy = action.retry;
  const interval = durationSeconds(policy?.interval, 5);
  const max = durationSeconds(policy?.maxInterval, 3600);
  const base = policy?.backoff === 'fixed' ? interval : interval * 2 ** (attempt - 1);
  // Up to 20% jitter, so requests that failed together do not retry together.
  return Math.max(1, Math.round(Math.min(max, base) * (1 + Math.random() * 0.2)));
}

function templateEnv(): Record<string, string> {
  const names = (process.env.APOLLO_TEMPLATE_ENV ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  return Object.fromEntries(names.flatMap((name) => (process.env[name] !== undefined ? [[name, process.env[name]!]] : [])));
}

async function actionStart(event: StepEvent): Promise<StepResult> {
  const requestId = requiredString(event, 'requestId');
  const actionId = requiredString(event, 'actionId');
  const attempt = Number(event.attempt);
  const record = await requireRequest(requestId, true);
  const doc = await readDocument(requestId);
  const action = actionOf(doc, actionId);
  const index = doc.fulfillment.type === 'automated' ? doc.fulfillment.actions.indexOf(action) : 0;
  const maxAttempts = action.retry?.maxAttempts ?? 1;
  const startedAt = new Date();
  const fresh = await startAttempt(requestId, {
    actionId, index, attempt, name: action.name ?? action.id, type: action.type, status: 'running', startedAt: startedAt.toISOString(),
  });
  if (!fresh) {
    // A step run again: what the record says stands.
    const existing = (await readAttempts(requestId)).find((a) => a.actionId === actionId && a.attempt === attempt);
    if (existing?.status === 'succeeded') return { outcome: 'succeeded' };
    if (existing?.status === 'failed') return existing.error?.retryable && attempt < maxAttempts ? { outcome: 'retry', delaySeconds: retryDelaySeconds(action, attempt) } : { outcome: 'failed', code: existing.error?.code ?? 'failed', message: existing.error?.message ?? 'failed' };
  }

  if (action.type !== 'rest' && action.type !== 'webhook') {
    const waitingFor = `${action.type} actions arrive with requests part 2: this action waits, then fails after ${UNSUPPORTED_WAIT_SECONDS / 60} minutes; nothing was called`;
    await updateAttempt(requestId, { index, actionId, attempt }, { status: 'waiting', waitingFor });
    await transition(requestId, {}, { message: `${action.name ?? action.id}: ${waitingFor}`, severity: 'warn', action: actionId, kind: 'action' });
    return { outcome: 'waiting', timeoutSeconds: durationSeconds(action.timeout, UNSUPPORTED_WAIT_SECONDS) };
  }

  const secretFields = await readSecretFields(requestId);
  const cfg = config();
  const run = {
    requestId,
    action: action as SynchronousAction,
    attempt,
    idempotencyKey: `${requestId}/${actionId}/${record.generation}`,
    sensitiveOutputs: Object.fromEntries(Object.entries(record.sensitiveOutputs ?? {}).map(([id, names]) => [id, [...names]])),
    timeoutMs: Math.min(MAX_SYNC_TIMEOUT_SECONDS, durationSeconds(action.timeout, DEFAULT_SYNC_TIMEOUT_SECONDS)) * 1000,
    variables: {
      fields: { ...record.fields, ...secretFields },
      metadata: doc.metadata as unknown as Record<string, unknown>,
      request: { id: record.id, requester: record.requester, ...(record.team ? { team: record.team } : {}), createdAt: record.createdAt },
      user: { email: record.requester, principal: record.requester, role: record.requesterRole },
      team: record.team ? { id: record.team } : {},
      system: { region: cfg.region, stage: cfg.stage },
      env: templateEnv(),
      output: record.outputs ?? {},
      ...(record.approvalId ? { approval: { id: record.approvalId } } : {}),
      secretFields: record.secretFieldIds,
    },
  };
  const result = await executeAction(run, { secrets: requestsDeps().secrets });
  const endedAt = new Date();
  const failed = result.outcome === 'failed';
  const retry = failed && result.retryable && attempt < maxAttempts;
  await updateAttempt(requestId, { index, actionId, attempt }, {
    status: failed ? 'failed' : 'succeeded',
    input: result.input as Record<string, unknown>,
    outputs: result.outputs as Record<string, unknown>,
    sensitive: [...result.sensitive],
    ...(result.status !== undefined ? { httpStatus: result.status } : {}),
    ...(result.error ? { error: { ...result.error, retryable: result.retryable } } : {}),
    endedAt: endedAt.toISOString(),
    durationMs: result.durationMs,
    ...(typeof result.input.url === 'string' ? { target: targetOf(result.input.url) } : {}),
  });
  const name = action.name ?? action.id;
  const lines = result.logs.map((l) => ({ message: `${name}: ${l.message}`, severity: l.severity, action: actionId, kind: 'action' as const }));
  const summary = failed
    ? `${name}: attempt ${attempt} of ${maxAttempts} failed${result.error ? ` (${result.error.message})` : ''}${retry ? '; retrying' : result.retryable ? '; no attempts left' : '; not retryable'}`
    : `${name}: succeeded in ${result.durationMs} ms${result.status ? ` (HTTP ${result.status})` : ''}`;
  if (lines.length) await appendLog(requestId, lines);
  await transition(requestId, {}, { message: summary, severity: failed ? (retry ? 'warn' : 'error') : 'info', action: actionId, kind: 'action' });
  if (!failed) return { outcome: 'succeeded' };
  if (retry) return { outcome: 'retry', delaySeconds: retryDelaySeconds(action, attempt) };
  return { outcome: 'failed', code: result.error?.code ?? 'failed', message: result.error?.message ?? 'the action failed' };
}

function targetOf(url: string): string {
  try {
    const parsed = new URL(url.replace(/••••/g, 'x'));
    return parsed.host;
  } catch {
    return '';
  }
}

async function actionWait(event: StepEvent): Promise<StepResult> {
  const requestId = requiredString(event, 'requestId');
  const actionId = requiredString(event, 'actionId');
  const attempt = Number(event.attempt);
  const attempts = await readAttempts(requestId);
  const mine = attempts.find((a) => a.actionId === actionId && a.attempt === attempt);
  if (mine) await updateAttempt(requestId, mine, { taskToken: requiredString(event, 'taskToken') });
  return {};
}

async function actionCollect(event: StepEvent): Promise<StepResult> {
  const requestId = requiredString(event, 'requestId');
  const actionId = requiredString(event, 'actionId');
  const record = await requireRequest(requestId, true);
  const attempts = await readAttempts(requestId);
  const succeeded = attempts.find((a) => a.actionId === actionId && a.status === 'succeeded');
  const done = new Set(attempts.filter((a) => a.status === 'succeeded').map((a) => a.actionId)).size;
  await transition(requestId, {
    outputs: { ...(record.outputs ?? {}), [actionId]: succeeded?.outputs ?? {} },
    sensitiveOutputs: { ...(record.sensitiveOutputs ?? {}), [actionId]: succeeded?.sensitive ?? [] },
    progress: progressOf(record, done),
  }, { message: `${succeeded?.name ?? actionId}: outputs collected (${Object.keys(succeeded?.outputs ?? {}).join(', ') || 'none'})`, action: actionId, kind: 'action', severity: 'debug' });
  return {};
}

// ---------------------------------------------------------------- the end

async function complete(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  if (record.status === 'completed') return {};
  await release(record);
  const now = new Date();
  const updated = await transition(record.id, { status: 'completed', progress: 100, currentAction: null, completedAt: now.toISOString(), eta: null, taskToken: null }, {
    message: record.fulfillment === 'manual' ? `completed by ${record.manual?.completedBy ?? 'the owning team'}` : 'completed: every action succeeded',
  }, now);
  await recordDuration(record.offering.id, now.getTime() - Date.parse(record.startedAt ?? record.createdAt));
  await notify([record.requester], { kind: 'request.completed', title: `Completed: ${record.offering.name}`, body: updated.message, link: link(record.id), resource: { type: 'request', id: record.id } }, now);
  return {};
}

const FAILURE_MESSAGES: Record<string, string> = {
  'approval-rejected': 'the approval was rejected',
  'approval-expired': 'the approval expired before anyone decided',
  'action-failed': 'an action failed',
  'action-timeout': 'an action did not finish in time',
  'manual-failed': 'the owning team could not fulfil it',
  'manual-expired': 'the owning team did not end it in time',
  invalid: 'the request is no longer valid',
  internal: 'an internal error stopped the fulfilment',
};

async function fail(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  if (record.status === 'failed' || record.status === 'completed') return {};
  await release(record);
  const failure = (event.failure ?? {}) as { kind?: string; actionId?: string; code?: string; message?: string; error?: { Error?: string; Cause?: string } };
  const kind = failure.kind ?? 'internal';
  const cause = failure.message ?? failure.error?.Cause;
  const message = `${FAILURE_MESSAGES[kind] ?? kind}${cause && kind !== 'internal' ? `: ${cause.slice(0, 500)}` : ''}`;
  const now = new Date();
  await transition(record.id, {
    status: 'failed', completedAt: now.toISOString(), eta: null, taskToken: null,
    error: { code: kind, message, ...(failure.actionId ? { action: failure.actionId } : record.currentAction ? { action: record.currentAction.id } : {}) },
  }, { message: `failed: ${message}`, severity: 'error' }, now);
  await notify([record.requester], { kind: 'request.failed', title: `Failed: ${record.offering.name}`, body: message, link: link(record.id), resource: { type: 'request', id: record.id } }, now);
  return {};
}

const STEPS: Record<string, (event: StepEvent) => Promise<StepResult>> = {
  validate,
  quota,
  queue,
  'approval-open': approvalOpen,
  'approval-expired': approvalExpired,
  'manual-open': manualOpen,
  'next-action': nextAction,
  'action-start': actionStart,
  'action-wait': actionWait,
  'action-collect': actionCollect,
  complete,
  fail,
};

export const STEP_NAMES = Object.keys(STEPS);

export async function runStep(event: StepEvent): Promise<StepResult> {
  const step = STEPS[event.step];
  if (!step) throw new ValidationError(`unknown step ${event.step} (known: ${STEP_NAMES.join(', ')})`);
  return step(event);
}
