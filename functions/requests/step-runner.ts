/**
 * The work of each Task state of the fulfillment state machine. Our records are the truth: each step reads
 * them, acts, writes what happened, and answers the little the machine needs to choose the next state.
 * A step run twice (a Lambda retry) finds its own record and does not act twice; an outside call made twice
 * carries the same idempotency key `<requestId>/<actionId>/<generation>`.
 *
 * Phases: `forward` runs the offering's actions; `rollback` runs the rollback actions of those done, newest
 * first (on failure, cancel or deprovision). Attempts are `ACT#…` and `RB#…` records.
 */
import type { CatalogAction, CatalogItemV2 } from '#schemas/index.ts';
import { ConflictError, ValidationError } from '#shared/errors';
import { teamMemberPrincipals, teamProfile } from '#functions/identity/public';
import { config } from '#lib/config';
import { transientReason } from '#lib/http/responses';
import { notify } from '#lib/notifications';
import { publish } from '#lib/realtime';
import { workflowEngine } from '#lib/workflows/index';
import { TaskTokenError, type StepEvent } from '#lib/workflows/ports';
import { APPROVAL_CHANGED, APPROVALS_TOPIC, approvalRule, expireApproval, openApproval, readApproval } from './approvals.ts';
import { asyncExecutorFor, isAsyncType } from './actions/async.ts';
import { executeAction } from './actions/index.ts';
import type { ActionRun, AsyncAction, AsyncActionExecutor, AsyncRun, ExternalRef, SynchronousAction } from './actions/ports.ts';
import { requestsDeps } from './deps.ts';
import { recordExternalRef } from './external.ts';
import { durationSeconds, needsApproval } from './plan.ts';
import { endedProgress, progressOf } from './progress.ts';
import { FULFILLMENT } from './workflow.ts';
import { markInterruptedRecord } from './interrupted.ts';
import { admit, concurrencyLimit, enqueue, QUEUE_POLL_SECONDS, release } from './queue.ts';
import {
  appendLog, newId, readAttempt, readAttempts, readRequest, readDocument, readSecretFields, recordDuration, requireRequest, startAttempt, transition, updateAttempt, updateRequest,
  type AttemptRecord, type ManualState, type Phase, type PlannedAction, type RequestRecord, type RollbackStep,
} from './records.ts';
import { claimsOf, consumeQuota, quotaClaims, releaseQuota, reserveQuota, type QuotaClaim } from './quotas.ts';
import { countDeprovisioned, countEnded } from './stats-events.ts';
import { FAILURE_MESSAGES } from './failures.ts';
import { nextEscalationAt } from './escalation.ts';
import { CANCELLED_ERROR } from './cancel-error.ts';

export type StepResult = Record<string, unknown>;

/** Seconds an approval waits when the rule names no timeout. */
const DEFAULT_APPROVAL_SECONDS = 7 * 86400;
/** Seconds a manual request waits to be ended (by its ticket or a person). */
const DEFAULT_MANUAL_SECONDS = 14 * 86400;
/** A synchronous attempt's limit: under the steps Lambda's 60 s. */
const DEFAULT_SYNC_TIMEOUT_SECONDS = 30;
const MAX_SYNC_TIMEOUT_SECONDS = 50;
/** An outside run's default limit, and how often it is checked when no webhook wakes the wait. */
const DEFAULT_ASYNC_TIMEOUT_SECONDS = 3600;
const DEFAULT_POLL_SECONDS = 30;
const MANUAL_POLL_SECONDS = 60;
const MANUAL_POLL_SECONDS_WITHOUT_TICKET = 3600;
/** The first wait before a manual request's ticket is tried again when JIRA could not open it (then doubled). */
const TICKET_RETRY_FIRST_SECONDS = 5;

const link = (id: string): string => `/requests/${id}`;
const phaseOf = (event: StepEvent): Phase => (event.phase === 'rollback' ? 'rollback' : 'forward');
const runOf = (event: StepEvent, record: RequestRecord): number => (typeof event.run === 'number' ? event.run : record.run ?? 1);

function requiredString(event: StepEvent, name: string): string {
  const value = event[name];
  if (typeof value !== 'string' || !value) throw new ValidationError(`step ${event.step} needs ${name}`);
  return value;
}

function forwardAction(doc: CatalogItemV2, actionId: string): CatalogAction {
  if (doc.fulfillment.type !== 'automated') throw new ValidationError(`offering ${doc.metadata.id} is not automated`);
  const action = doc.fulfillment.actions.find((a) => a.id === actionId);
  if (!action) throw new ValidationError(`offering ${doc.metadata.id} has no action ${actionId}`);
  return action;
}

function rollbackAction(doc: CatalogItemV2, rollbackId: string): CatalogAction {
  if (doc.fulfillment.type !== 'automated') throw new ValidationError(`offering ${doc.metadata.id} is not automated`);
  const action = doc.fulfillment.rollbackActions?.find((a) => a.id === rollbackId);
  if (!action) throw new ValidationError(`offering ${doc.metadata.id} has no rollback action ${rollbackId}`);
  return action;
}

function templateEnv(): Record<string, string> {
  const names = (process.env.APOLLO_TEMPLATE_ENV ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  return Object.fromEntries(names.flatMap((name) => (process.env[name] !== undefined ? [[name, process.env[name]!]] : [])));
}

function retryDelaySeconds(action: CatalogAction, attempt: number): number {
  const policy = action.retry;
  const interval = durationSeconds(policy?.interval, 5);
  const max = durationSeconds(policy?.maxInterval, 3600);
  const base = policy?.backoff === 'fixed' ? interval : interval * 2 ** (attempt - 1);
  // Up to 20% jitter, so requests that failed together do not retry together.
  return Math.max(1, Math.round(Math.min(max, base) * (1 + Math.random() * 0.2)));
}

/** Everything an action's templates may read (outputs of the actions done, the approval, the fields with secrets). */
async function runContext(record: RequestRecord, doc: CatalogItemV2, action: CatalogAction, attempt: number, timeoutSeconds: number, rollbackRun?: number): Promise<Omit<ActionRun, 'action'>> {
  const secretFields = await readSecretFields(record.id);
  const cfg = config();
  // An action done again after a rollback undid it is new work: its key says which time (…/<generation>.<n>);
  // a rollback belongs to its run (a deprovision after a retry undoes the retry's work, not replays the old undo).
  const undone = new Set((await readAttempts(record.id)).filter((a) => a.actionId === action.id && a.rolledBack).map((a) => a.run ?? 1)).size;
  const suffix = rollbackRun !== undefined ? `.run${rollbackRun}` : undone ? `.${undone}` : '';
  return {
    requestId: record.id,
    attempt,
    idempotencyKey: `${record.id}/${action.id}/${record.generation}${suffix}`,
    sensitiveOutputs: Object.fromEntries(Object.entries(record.sensitiveOutputs ?? {}).map(([id, names]) => [id, [...names]])),
    timeoutMs: timeoutSeconds * 1000,
    variables: {
      fields: { ...record.fields, ...secretFields },
      metadata: doc.metadata as unknown as Record<string, unknown>,
      request: { id: record.id, requester: record.requester, ...(record.team ? { team: record.team } : {}), createdAt: record.createdAt },
      user: { email: record.requester, principal: record.requester, role: record.requesterRole },
      team: record.team ? ((await teamProfile(record.team)) ?? { id: record.team }) : {},
      system: { region: cfg.region, stage: cfg.stage },
      env: templateEnv(),
      output: record.outputs ?? {},
      ...(record.approvalId ? { approval: { id: record.approvalId } } : {}),
      secretFields: record.secretFieldIds,
    },
  };
}

const executorDeps = () => ({ secrets: requestsDeps().secrets });
const asyncExecutor = (action: CatalogAction): AsyncActionExecutor | undefined =>
  isAsyncType(action.type) ? asyncExecutorFor(action.type, executorDeps()) : undefined;

// ---------------------------------------------------------------- validate, quota, queue

async function validate(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const doc = await readDocument(record.id);
  const run = runOf(event, record);
  if (run !== (record.run ?? 1)) return { valid: false, cancelled: false, stale: true };
  // Cancelled before its work began (or while interrupted): what it did, if anything, is rolled back.
  if (record.cancel) return { valid: true, cancelled: true };
  const deprovision = event.deprovision === true;
  if (deprovision) {
    if (record.status !== 'deprovisioning') return { valid: false, cancelled: false };
  } else if (record.status === 'submitted' || record.status === 'validating') {
    if (record.status === 'submitted') await transition(record.id, { status: 'validating', progress: 5 }, { message: 'validating' });
  } else {
    return { valid: false, cancelled: false };
  }
  const values = { ...record.fields, ...(await readSecretFields(record.id)) };
  return {
    valid: true,
    cancelled: false,
    approval: record.runApproval ?? needsApproval(doc, values),
    approvalTimeoutSeconds: durationSeconds(doc.approval?.timeout, DEFAULT_APPROVAL_SECONDS),
    fulfillment: doc.fulfillment.type,
  };
}

/**
 * The team's quotas: reserved at submit, so this finds them held (a step run again changes nothing); a retry after a
 * failure gave them back, and takes them again here — or fails, over quota, with the numbers. A retry that changed
 * the fields (a sum's storage_gb, the environment) takes what the new values claim.
 */
async function quota(event: StepEvent): Promise<StepResult> {
  let record = await requireRequest(requiredString(event, 'requestId'));
  if (event.deprovision === true) return { passed: true };
  if (record.generation > 1) record = await reclaimQuota(record);
  if (!record.quota) return { passed: true };
  try {
    await reserveQuota(record.id, record.quota);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return { passed: false, message: error.message };
  }
  const held = claimsOf(record.quota).map((c) => `${c.amount} of ${record.team}'s ${c.resource}${c.environment ? ` in ${c.environment}` : ''}`);
  await transition(record.id, {}, { message: `quota: ${held.join(', ')} held for this request`, severity: 'debug' });
  return { passed: true };
}

/** The claims of the request's current values; what it held under other ones (given back by its failure) is let go. */
async function reclaimQuota(record: RequestRecord): Promise<RequestRecord> {
  const claims = quotaClaims(await readDocument(record.id), record.fields, record.team);
  const words = (cs: readonly QuotaClaim[]) => JSON.stringify(cs.map((c) => [c.resource, c.amount, c.environment]));
  if (words(claims) === words(claimsOf(record.quota))) return record;
  if (record.quota) await releaseQuota(record.id, record.quota);
  return updateRequest(record.id, { quota: claims.length ? claims : null });
}

async function queue(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const deprovision = event.deprovision === true;
  if (!deprovision && (record.status === 'validating' || record.status === 'awaiting_approval')) {
    if (record.fulfillment === 'automated') await enqueue(record);
    // A retry's bar starts from the actions it keeps.
    await transition(record.id, { status: 'queued', progress: progressOf(record.plan, await readAttempts(record.id)) }, { message: `queued (priority ${record.priority})` });
  } else if (deprovision && record.fulfillment === 'automated' && event.waited === undefined) {
    await enqueue(record);
  }
  // People fulfil manual requests: they take no slot; a cancelled request goes on to notice it.
  if (record.fulfillment === 'manual' || record.cancel) return { admitted: true };
  const admission = await admit(record);
  if (!admission.admitted && event.waited === undefined) {
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
  // A step run again keeps its approval; a new run (a retry, a deprovision) asks anew.
  const current = record.approvalId ? await readApproval(record.approvalId, true) : undefined;
  const reuse = current?.status === 'pending' && current.run === runOf(event, record);
  const id = reuse ? current.id : newId();
  const timeoutSeconds = durationSeconds(doc.approval.timeout, DEFAULT_APPROVAL_SECONDS);
  const deprovision = event.deprovision === true;
  const approval = await openApproval({
    id, kind: 'request', requestId: record.id, status: 'pending', offering: record.offering, requester: record.requester, team: record.team ?? null,
    priority: record.priority, note: deprovision ? `Deprovision: ${record.cancel?.reason ?? ''}`.trim() : record.note ?? null, fields: record.fields, rule: approvalRule(doc.approval), decisions: [],
    createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(), taskToken, run: runOf(event, record),
    ...escalationOf(now, timeoutSeconds),
  });
  if (!reuse) {
    const who = [...(doc.approval.approvers.roles ?? []).map((r) => `the ${r} role`), ...(doc.approval.approvers.teams ?? []).map((t) => `team ${t}`), ...(doc.approval.approvers.principals ?? [])];
    await transition(record.id, { ...(deprovision ? {} : { status: 'awaiting_approval', progress: 10 }), approvalId: id }, {
      message: `awaiting approval${deprovision ? ' to deprovision' : ''} by ${who.join(doc.approval.mode === 'all' ? ' and ' : ' or ')} until ${approval.expiresAt}${doc.approval.reason ? ` (${doc.approval.reason})` : ''}`,
    }, now);
    const principals = [...(doc.approval.approvers.principals ?? [])];
    for (const team of doc.approval.approvers.teams ?? []) principals.push(...(await teamMemberPrincipals(team)));
    await notify(principals.filter((p) => p.toLowerCase() !== record.requester.toLowerCase()), {
      kind: 'approval.waiting', title: `Approval needed${deprovision ? ' to deprovision' : ''}: ${record.offering.name} for ${record.requester}`,
      body: doc.approval.reason ?? `A request for ${record.offering.name} waits for your decision.`, link: '/approvals', resource: { type: 'approval', id },
    }, now);
    await publish(APPROVALS_TOPIC, APPROVAL_CHANGED, { id, requestId: record.id, status: 'pending' });
  }
  await cancelIfAsked(record.id, taskToken, deprovision);
  return { approvalId: id };
}

/**
 * A cancel that came while the request was validating found no approval to end: the approval opened
 * since then ends here, at once, as the cancel would have ended it (the cancel re-reads the request
 * after recording itself, so one of the two always sees the other).
 */
async function cancelIfAsked(requestId: string, taskToken: string, deprovision: boolean): Promise<void> {
  if (deprovision) return;
  const latest = await requireRequest(requestId, true);
  if (!latest.cancel) return;
  try {
    await workflowEngine(FULFILLMENT).sendTaskFailure(taskToken, CANCELLED_ERROR, `cancelled by ${latest.cancel.by}`);
  } catch (error) {
    if (!(error instanceof TaskTokenError)) throw error;
  }
}

/** When a new approval is first escalated (nothing when it expires before). */
function escalationOf(now: Date, timeoutSeconds: number): { escalatesAt?: string } {
  const at = nextEscalationAt({ createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(), escalations: [] });
  return at ? { escalatesAt: at } : {};
}

async function approvalExpired(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const approval = record.approvalId ? await readApproval(record.approvalId, true) : undefined;
  if (approval) await expireApproval(approval);
  return {};
}

// ---------------------------------------------------------------- manual fulfilment

const TICKET = 'ticket';

/** The manual ticket as a JIRA action of the offering's template. */
function ticketAction(doc: CatalogItemV2): AsyncAction | undefined {
  if (doc.fulfillment.type !== 'manual') return undefined;
  return { id: TICKET, name: 'JIRA ticket for the owning team', type: 'jira', config: doc.fulfillment.jira } as AsyncAction;
}

async function manualOpen(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  if (record.cancel) return { outcome: 'waiting', pollSeconds: 1 };
  const doc = await readDocument(record.id);
  const owner = record.offering.owner;
  const run = runOf(event, record);
  const deadline = new Date(Date.now() + DEFAULT_MANUAL_SECONDS * 1000).toISOString();
  const action = ticketAction(doc);
  const executor = action && process.env.APOLLO_JIRA_URL ? asyncExecutorFor('jira', executorDeps()) : undefined;
  let ticket: ManualState['ticket'] = record.manual?.ticket;
  let retrySeconds: number | undefined;
  if (executor && action && !ticket) {
    const fresh = await startAttempt(record.id, { actionId: TICKET, index: 0, attempt: run, run, name: action.name ?? TICKET, type: 'jira', status: 'running', startedAt: new Date().toISOString(), deadline });
    const existing = fresh ? undefined : await readAttempt(record.id, 0, TICKET, run);
    ({ ticket, retrySeconds } = await openTicket(record, doc, action, executor, run, existing));
  }
  const first = record.status !== 'in_progress';
  await transition(record.id, {
    status: 'in_progress', progress: 50, startedAt: record.startedAt ?? new Date().toISOString(),
    manual: { ...record.manual, instructions: record.manual?.instructions ?? '', ...(ticket ? { ticket } : {}), deadline },
  }, {
    message: ticket
      ? `waiting for the ${owner ?? 'owning'} team: JIRA ticket ${ticket.key} (done there, or ended from this page)`
      : `waiting for the ${owner ?? 'owning'} team to fulfil it by hand and end it from this page${process.env.APOLLO_JIRA_URL ? '' : ' (JIRA is not configured)'}`,
  });
  if (first && owner) {
    await notify((await teamMemberPrincipals(owner)).filter((p) => p !== record.requester), {
      kind: 'approval.waiting', title: `To fulfil: ${record.offering.name} for ${record.requester}`, body: record.manual?.instructions, link: link(record.id), resource: { type: 'request', id: record.id },
    });
  }
  return { outcome: 'waiting', pollSeconds: ticket ? MANUAL_POLL_SECONDS : retrySeconds ?? MANUAL_POLL_SECONDS_WITHOUT_TICKET };
}

/**
 * Opens the manual request's JIRA ticket, or follows the one `previous` (its attempt) already names. JIRA is asked
 * first for a ticket carrying the label of the request's idempotency key, so a try after one whose answer was lost
 * opens no second ticket. When JIRA could not be reached (down, busy, no answer in time) a later check tries again
 * in `retrySeconds` (doubling from TICKET_RETRY_FIRST_SECONDS up to the hourly poll, at least JIRA's Retry-After).
 */
async function openTicket(record: RequestRecord, doc: CatalogItemV2, action: AsyncAction, executor: AsyncActionExecutor, run: number, previous: AttemptRecord | undefined): Promise<{ ticket?: ManualState['ticket']; retrySeconds?: number }> {
  const key = { index: 0, actionId: TICKET, attempt: run };
  const started = previous?.ref ? undefined : await executor.start({ ...(await runContext(record, doc, action, 1, 60)), action });
  const ref = previous?.ref ?? started?.ref;
  const input = started ? { input: started.input as Record<string, unknown> } : {};
  if (started?.outcome === 'failed' || !ref) {
    const told = Math.ceil((started?.retryAfterMs ?? 0) / 1000);
    const retrySeconds = started?.retryable ? Math.min(MANUAL_POLL_SECONDS_WITHOUT_TICKET, Math.max(told, previous?.pollSeconds ? previous.pollSeconds * 2 : TICKET_RETRY_FIRST_SECONDS)) : undefined;
    await updateAttempt(record.id, key, { status: 'failed', ...input, ...(started?.error ? { error: { ...started.error, retryable: started.retryable } } : {}), ...(retrySeconds ? { pollSeconds: retrySeconds } : {}) });
    await transition(record.id, {}, { message: `the JIRA ticket could not be created (${started?.error?.message ?? 'no ticket'}): ${retrySeconds ? `trying again in ${retrySeconds} s; meanwhile ` : ''}a person ends the request from its page`, severity: 'warn' });
    return { ...(retrySeconds ? { retrySeconds } : {}) };
  }
  await updateAttempt(record.id, key, { status: 'waiting', ref, pollSeconds: MANUAL_POLL_SECONDS, ...input, error: null as unknown as AttemptRecord['error'] });
  await recordExternalRef(ref, { requestId: record.id, index: 0, actionId: TICKET, attempt: run });
  if (started) await appendLog(record.id, started.logs.map((l) => ({ message: `ticket: ${l.message}`, severity: l.severity, kind: 'action' as const })));
  return { ticket: { key: ref.id, ...(ref.url ? { url: ref.url } : {}), status: 'open' } };
}

async function manualWait(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const taskToken = requiredString(event, 'taskToken');
  await updateRequest(record.id, { taskToken });
  const ticket = await readAttempt(record.id, 0, TICKET, runOf(event, record));
  if (ticket) await wakeIfPending(record.id, ticket, await updateAttempt(record.id, ticket, { taskToken }), taskToken);
  return {};
}

async function manualCheck(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const run = runOf(event, record);
  const ticketAttempt = await readAttempt(record.id, 0, TICKET, run);
  if (ticketAttempt?.taskToken) await updateAttempt(record.id, ticketAttempt, { taskToken: null as unknown as string });
  const doc = await readDocument(record.id);
  const action = ticketAction(doc);
  const executor = ticketAttempt?.ref && action ? asyncExecutorFor('jira', executorDeps()) : undefined;
  const asyncRun = async (): Promise<AsyncRun> => ({ ...(await runContext(record, doc, action!, 1, 60)), action: action! });
  if (record.cancel) {
    if (executor && ticketAttempt?.ref) await executor.cancel(await asyncRun(), ticketAttempt.ref).catch(() => undefined);
    return { outcome: 'cancelled' };
  }
  const manual = record.manual;
  const decision = record.manualDecision;
  if (decision) {
    await updateRequest(record.id, { manual: { ...manual, instructions: manual?.instructions ?? '', completedBy: decision.by, outcome: decision.outcome, ...(decision.note ? { note: decision.note } : {}) } });
    return decision.outcome === 'failed' ? { outcome: 'failed', message: decision.note ?? `${decision.by} marked it failed` } : { outcome: 'succeeded' };
  }
  if (executor && ticketAttempt?.ref) {
    const check = await executor.check(await asyncRun(), ticketAttempt.ref);
    if (check.logs?.length) await appendLog(record.id, check.logs.map((l) => ({ message: `${ticketAttempt.ref!.id}: ${l.message}`, severity: l.severity, kind: 'action' as const })));
    if (check.ref) await updateAttempt(record.id, ticketAttempt, { ref: check.ref });
    if (check.message && check.message !== manual?.ticket?.status) await updateRequest(record.id, { manual: { ...manual, ticket: { ...manual?.ticket, key: ticketAttempt.ref.id, status: check.message } } });
    if (check.state === 'succeeded') {
      await updateAttempt(record.id, ticketAttempt, { status: 'succeeded', endedAt: new Date().toISOString() });
      await updateRequest(record.id, { manual: { ...manual, completedBy: `JIRA ${ticketAttempt.ref.id}`, ticket: { ...manual?.ticket, key: ticketAttempt.ref.id, status: check.message ?? 'Done' } } });
      return { outcome: 'succeeded' };
    }
    if (check.state === 'failed') return { outcome: 'failed', message: `${ticketAttempt.ref.id}: ${check.error?.message ?? check.message ?? 'resolved without doing it'}` };
  }
  if (manual?.deadline && Date.parse(manual.deadline) <= Date.now()) return { outcome: 'failed', message: 'the owning team did not end it in time' };
  // A ticket JIRA could not open (down, busy, no answer in time) is tried again; meanwhile a person may end it.
  if (!ticketAttempt?.ref && ticketAttempt?.status === 'failed' && ticketAttempt.error?.retryable && action && process.env.APOLLO_JIRA_URL) {
    const { ticket, retrySeconds } = await openTicket(record, doc, action, asyncExecutorFor('jira', executorDeps())!, run, ticketAttempt);
    if (!ticket) return { outcome: 'waiting', pollSeconds: retrySeconds ?? MANUAL_POLL_SECONDS_WITHOUT_TICKET };
    await transition(record.id, { manual: { ...manual, instructions: manual?.instructions ?? '', ticket } }, {
      message: `waiting for the ${record.offering.owner ?? 'owning'} team: JIRA ticket ${ticket.key} (done there, or ended from this page)`,
    });
    return { outcome: 'waiting', pollSeconds: MANUAL_POLL_SECONDS };
  }
  return { outcome: 'waiting', pollSeconds: executor ? MANUAL_POLL_SECONDS : MANUAL_POLL_SECONDS_WITHOUT_TICKET };
}

// ---------------------------------------------------------------- the next action (or rollback)

interface NextAction {
  readonly done: boolean;
  readonly actionId?: string;
  readonly index?: number;
  readonly attempt?: number;
}

/**
 * The first planned action without a succeeded (and not rolled back) attempt, and its attempt number: a
 * running or waiting attempt is resumed as itself (a step run again); a failed or cancelled one is followed
 * by the next number.
 */
export function nextOf(plan: readonly (PlannedAction & { skipped?: boolean })[], attempts: readonly AttemptRecord[]): NextAction {
  for (const planned of plan) {
    if (planned.skipped) continue;
    const mine = attempts.filter((a) => a.actionId === planned.id).sort((a, b) => a.attempt - b.attempt);
    const last = mine.at(-1);
    if (last?.status === 'succeeded' && !last.rolledBack) continue;
    const attempt = !last ? 1 : last.status === 'running' || last.status === 'waiting' ? last.attempt : last.attempt + 1;
    return { done: false, actionId: planned.id, index: planned.index, attempt };
  }
  return { done: true };
}

/**
 * The next rollback: in plan order, one not succeeded in this run whose attempts in this run are not spent (a
 * rollback of an earlier run undid an earlier incarnation: a deprovision after a retry undoes the new one).
 */
export function nextRollbackOf(plan: readonly RollbackStep[], attempts: readonly AttemptRecord[], run: number, maxAttempts: (step: RollbackStep) => number): NextAction {
  for (const step of plan) {
    const mine = attempts.filter((a) => a.forActionId === step.forActionId).sort((a, b) => a.attempt - b.attempt);
    const thisRun = mine.filter((a) => (a.run ?? 1) === run);
    const last = thisRun.at(-1);
    if (last?.status === 'succeeded') continue;
    if (last?.status === 'running' || last?.status === 'waiting') return { done: false, actionId: step.id, index: step.index, attempt: last.attempt };
    if (thisRun.filter((a) => a.status === 'failed').length >= maxAttempts(step)) continue;
    return { done: false, actionId: step.id, index: step.index, attempt: (mine.at(-1)?.attempt ?? 0) + 1 };
  }
  return { done: true };
}

async function nextAction(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  if (phaseOf(event) === 'rollback') {
    const doc = await readDocument(record.id);
    const next = nextRollbackOf(record.rollbackPlan ?? [], await readAttempts(record.id, 'rollback'), runOf(event, record), (step) => rollbackAction(doc, step.id).retry?.maxAttempts ?? 1);
    if (next.done) return { done: true, cancel: false };
    const step = record.rollbackPlan!.find((s) => s.index === next.index)!;
    await transition(record.id, { currentAction: { id: step.id, name: step.name, type: step.type, index: step.index, attempt: next.attempt! } }, { message: `${step.name} (undoing ${step.forActionId}): attempt ${next.attempt}`, action: step.id, kind: 'action' });
    return { done: false, cancel: false, actionId: step.id, index: step.index, attempt: next.attempt };
  }
  if (record.cancel) return { done: false, cancel: true };
  const next = nextOf(record.plan ?? [], await readAttempts(record.id));
  if (next.done) return { done: true, cancel: false };
  const planned = record.plan!.find((p) => p.id === next.actionId)!;
  const currentAction = { id: planned.id, name: planned.name, type: planned.type, index: planned.index, attempt: next.attempt! };
  const moved = record.currentAction?.id !== planned.id || record.currentAction.attempt !== next.attempt;
  if (record.status !== 'in_progress' || moved) {
    await transition(record.id, {
      currentAction, ...(record.status !== 'in_progress' ? { status: 'in_progress', startedAt: record.startedAt ?? new Date().toISOString() } : {}),
    }, { message: `${planned.name}: attempt ${next.attempt}`, action: planned.id, ...(record.status !== 'in_progress' ? {} : { kind: 'action' as const }) });
  }
  return { done: false, cancel: false, actionId: planned.id, index: planned.index, attempt: next.attempt };
}

// ---------------------------------------------------------------- starting, checking and collecting an attempt

interface AttemptContext {
  readonly record: RequestRecord;
  readonly doc: CatalogItemV2;
  readonly action: CatalogAction;
  readonly phase: Phase;
  readonly run: number;
  readonly key: Pick<AttemptRecord, 'index' | 'actionId' | 'attempt' | 'phase'>;
  readonly forActionId?: string;
  readonly maxAttempts: number;
}

async function attemptContext(event: StepEvent): Promise<AttemptContext> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const doc = await readDocument(record.id);
  const phase = phaseOf(event);
  const actionId = requiredString(event, 'actionId');
  const attempt = Number(event.attempt);
  if (phase === 'rollback') {
    const step = (record.rollbackPlan ?? []).find((s) => s.id === actionId);
    if (!step) throw new ValidationError(`request ${record.id} has no rollback ${actionId} in its plan`);
    const action = rollbackAction(doc, actionId);
    return { record, doc, action, phase, run: runOf(event, record), key: { index: step.index, actionId, attempt, phase }, forActionId: step.forActionId, maxAttempts: action.retry?.maxAttempts ?? 1 };
  }
  const action = forwardAction(doc, actionId);
  const index = doc.fulfillment.type === 'automated' ? doc.fulfillment.actions.indexOf(action) : 0;
  return { record, doc, action, phase, run: runOf(event, record), key: { index, actionId, attempt, phase: 'forward' }, maxAttempts: action.retry?.maxAttempts ?? 1 };
}

/** Attempts of this action in this run that failed: the retry policy counts them. */
async function failedThisRun(ctx: AttemptContext): Promise<number> {
  const attempts = await readAttempts(ctx.record.id, ctx.phase);
  return attempts.filter((a) => a.actionId === ctx.action.id && (a.run ?? 1) === ctx.run && a.status === 'failed').length;
}

/**
 * `retryAfterMs`: what the failure said to wait (the target's Retry-After, or until an open circuit half-opens):
 * the next attempt waits at least that (up to the policy's maxInterval), or it would be spent refused at once.
 */
async function afterFailure(ctx: AttemptContext, error: { code: string; message: string } | undefined, retryable: boolean, retryAfterMs?: number): Promise<StepResult> {
  const retry = retryable && (await failedThisRun(ctx)) < ctx.maxAttempts;
  const told = retryAfterMs === undefined ? 0 : Math.min(durationSeconds(ctx.action.retry?.maxInterval, 3600), Math.ceil(retryAfterMs / 1000));
  if (retry) return { outcome: 'retry', delaySeconds: Math.max(retryDelaySeconds(ctx.action, ctx.key.attempt), told) };
  return { outcome: 'failed', code: error?.code ?? 'failed', message: error?.message ?? 'the action failed' };
}

const nameOf = (ctx: AttemptContext): string => `${ctx.action.name ?? ctx.action.id}${ctx.forActionId ? ` (undoing ${ctx.forActionId})` : ''}`;

async function actionStart(event: StepEvent): Promise<StepResult> {
  const ctx = await attemptContext(event);
  const { record, doc, action, key } = ctx;
  const startedAt = new Date();
  const async = isAsyncType(action.type);
  const timeoutSeconds = async ? durationSeconds(action.timeout, DEFAULT_ASYNC_TIMEOUT_SECONDS) : Math.min(MAX_SYNC_TIMEOUT_SECONDS, durationSeconds(action.timeout, DEFAULT_SYNC_TIMEOUT_SECONDS));
  const fresh = await startAttempt(record.id, {
    ...key, run: ctx.run, name: action.name ?? action.id, type: action.type, status: 'running', startedAt: startedAt.toISOString(),
    deadline: new Date(startedAt.getTime() + timeoutSeconds * 1000).toISOString(), ...(ctx.forActionId ? { forActionId: ctx.forActionId } : {}),
  });
  if (!fresh) {
    // A step run again: what the record says stands.
    const existing = await readAttempt(record.id, key.index, key.actionId, key.attempt, key.phase);
    if (existing?.status === 'succeeded') return { outcome: 'succeeded' };
    if (existing?.status === 'waiting') return { outcome: 'waiting', pollSeconds: existing.pollSeconds ?? DEFAULT_POLL_SECONDS };
    if (existing?.status === 'failed') return afterFailure(ctx, existing.error, existing.error?.retryable === true);
  }
  const context = await runContext(record, doc, action, key.attempt, timeoutSeconds, ctx.phase === 'rollback' ? ctx.run : undefined);
  const name = nameOf(ctx);

  if (async) {
    const executor = asyncExecutor(action);
    if (!executor) {
      const waitingFor = `${action.type} actions have no executor configured here: this action waits, then fails at its timeout; nothing was called`;
      await updateAttempt(record.id, key, { status: 'waiting', waitingFor, pollSeconds: timeoutSeconds });
      await transition(record.id, {}, { message: `${name}: ${waitingFor}`, severity: 'warn', action: action.id, kind: 'action' });
      return { outcome: 'waiting', pollSeconds: timeoutSeconds };
    }
    const started = await executor.start({ ...context, action: action as AsyncAction });
    if (started.logs.length) await appendLog(record.id, started.logs.map((l) => ({ message: `${name}: ${l.message}`, severity: l.severity, action: action.id, kind: 'action' as const })));
    if (started.outcome === 'failed' || !started.ref) {
      await updateAttempt(record.id, key, {
        status: 'failed', input: started.input as Record<string, unknown>, endedAt: new Date().toISOString(), durationMs: started.durationMs,
        error: { ...(started.error ?? { code: 'not-started', message: 'it did not start' }), retryable: started.retryable },
      });
      await transition(record.id, {}, { message: `${name}: attempt ${key.attempt} did not start (${started.error?.message ?? 'no run'})`, severity: 'warn', action: action.id, kind: 'action' });
      return afterFailure(ctx, started.error, started.retryable, started.retryAfterMs);
    }
    const pollSeconds = started.pollSeconds ?? DEFAULT_POLL_SECONDS;
    await updateAttempt(record.id, key, { status: 'waiting', ref: started.ref, pollSeconds, input: started.input as Record<string, unknown>, waitingFor: `${started.ref.system} ${started.ref.id}` });
    await recordExternalRef(started.ref, { requestId: record.id, index: key.index, actionId: key.actionId, attempt: key.attempt, phase: key.phase ?? 'forward' });
    await transition(record.id, {}, { message: `${name}: started ${started.ref.system} ${started.ref.id}${started.ref.url ? ` (${started.ref.url})` : ''}`, action: action.id, kind: 'action' });
    // A JIRA ticket inside an automation (a change record) is done once it exists; manual fulfilment waits for its ticket instead.
    if (started.outcome === 'succeeded' || action.type === 'jira') return collectAsync(ctx, executor, started.ref);
    return { outcome: 'waiting', pollSeconds };
  }

  const result = await executeAction({ ...context, action: action as SynchronousAction }, executorDeps());
  const failed = result.outcome === 'failed';
  await updateAttempt(record.id, key, {
    status: failed ? 'failed' : 'succeeded',
    input: result.input as Record<string, unknown>,
    outputs: result.outputs as Record<string, unknown>,
    sensitive: [...result.sensitive],
    ...(result.status !== undefined ? { httpStatus: result.status } : {}),
    ...(result.error ? { error: { ...result.error, retryable: result.retryable } } : {}),
    endedAt: new Date().toISOString(),
    durationMs: result.durationMs,
    ...(typeof result.input.url === 'string' ? { target: targetOf(result.input.url) } : {}),
  });
  if (result.logs.length) await appendLog(record.id, result.logs.map((l) => ({ message: `${name}: ${l.message}`, severity: l.severity, action: action.id, kind: 'action' as const })));
  if (!failed) {
    await transition(record.id, {}, { message: `${name}: succeeded in ${result.durationMs} ms${result.status ? ` (HTTP ${result.status})` : ''}`, action: action.id, kind: 'action' });
    return { outcome: 'succeeded' };
  }
  const next = await afterFailure(ctx, result.error, result.retryable, result.retryAfterMs);
  await transition(record.id, {}, {
    message: `${name}: attempt ${key.attempt} failed${result.error ? ` (${result.error.message})` : ''}${next.outcome === 'retry' ? `; retrying in ${String(next.delaySeconds)} s` : result.retryable ? '; no attempts left' : '; not retryable'}`,
    severity: next.outcome === 'retry' ? 'warn' : 'error', action: action.id, kind: 'action',
  });
  return next;
}

function targetOf(url: string): string {
  try {
    return new URL(url.replace(/••••/g, 'x')).host;
  } catch {
    return '';
  }
}

/** Reads an outside run's outputs into its attempt; a missing declared output fails it. */
async function collectAsync(ctx: AttemptContext, executor: AsyncActionExecutor, ref: ExternalRef): Promise<StepResult> {
  const { record, doc, action, key } = ctx;
  const context = await runContext(record, doc, action, key.attempt, 60, ctx.phase === 'rollback' ? ctx.run : undefined);
  const collected = await executor.collect({ ...context, action: action as AsyncAction }, ref);
  const name = nameOf(ctx);
  if (collected.logs.length) await appendLog(record.id, collected.logs.map((l) => ({ message: `${name}: ${l.message}`, severity: l.severity, action: action.id, kind: 'action' as const })));
  const attempt = await readAttempt(record.id, key.index, key.actionId, key.attempt, key.phase);
  const durationMs = attempt ? Date.now() - Date.parse(attempt.startedAt) : undefined;
  if (collected.error) {
    await updateAttempt(record.id, key, { status: 'failed', endedAt: new Date().toISOString(), ...(durationMs !== undefined ? { durationMs } : {}), error: { ...collected.error, retryable: false } });
    await transition(record.id, {}, { message: `${name}: ${collected.error.message}`, severity: 'error', action: action.id, kind: 'action' });
    return afterFailure(ctx, collected.error, false);
  }
  await updateAttempt(record.id, key, {
    status: 'succeeded', outputs: collected.outputs as Record<string, unknown>, sensitive: [...collected.sensitive], endedAt: new Date().toISOString(), waitingFor: null as unknown as string,
    ...(durationMs !== undefined ? { durationMs } : {}),
  });
  await transition(record.id, {}, { message: `${name}: succeeded (${ref.system} ${ref.id})`, action: action.id, kind: 'action' });
  return { outcome: 'succeeded' };
}

async function actionWait(event: StepEvent): Promise<StepResult> {
  const ctx = await attemptContext(event);
  const taskToken = requiredString(event, 'taskToken');
  const attempt = await updateAttempt(ctx.record.id, ctx.key, { taskToken });
  await wakeIfPending(ctx.record.id, ctx.key, attempt, taskToken);
  return {};
}

/** A webhook that came between two waits ends this one at once (the check asks the system). */
async function wakeIfPending(requestId: string, key: Pick<AttemptRecord, 'index' | 'actionId' | 'attempt' | 'phase'>, attempt: AttemptRecord, taskToken: string): Promise<void> {
  if (!attempt.pendingWake) return;
  await updateAttempt(requestId, key, { pendingWake: false });
  try {
    await workflowEngine(FULFILLMENT).sendTaskSuccess(taskToken, { woken: true, pending: true });
  } catch (error) {
    if (!(error instanceof TaskTokenError)) throw error;
  }
}

async function actionCheck(event: StepEvent): Promise<StepResult> {
  const ctx = await attemptContext(event);
  const { record, action, key } = ctx;
  const attempt = await readAttempt(record.id, key.index, key.actionId, key.attempt, key.phase);
  if (!attempt) throw new ValidationError(`request ${record.id} has no attempt ${key.attempt} of ${key.actionId}`);
  if (attempt.status === 'succeeded') return { outcome: 'succeeded' };
  await updateAttempt(record.id, key, { taskToken: null as unknown as string });
  const executor = asyncExecutor(action);
  const name = nameOf(ctx);
  const asyncRun = async (): Promise<AsyncRun> => ({ ...(await runContext(record, ctx.doc, action, key.attempt, 60, ctx.phase === 'rollback' ? ctx.run : undefined)), action: action as AsyncAction });
  if (ctx.phase === 'forward' && record.cancel && !action.critical) {
    if (executor && attempt.ref) await executor.cancel(await asyncRun(), attempt.ref).catch(() => undefined);
    await updateAttempt(record.id, key, { status: 'cancelled', endedAt: new Date().toISOString(), waitingFor: null as unknown as string });
    await transition(record.id, {}, { message: `${name}: cancelled${attempt.ref ? ` (${attempt.ref.system} ${attempt.ref.id} asked to stop)` : ''}`, severity: 'warn', action: action.id, kind: 'action' });
    return { outcome: 'cancelled' };
  }
  const overdue = attempt.deadline !== undefined && Date.parse(attempt.deadline) <= Date.now();
  const timedOut = async (): Promise<StepResult> => {
    if (executor && attempt.ref) await executor.cancel(await asyncRun(), attempt.ref).catch(() => undefined);
    const error = { code: 'timeout', message: `it did not finish within ${action.timeout ?? `${DEFAULT_ASYNC_TIMEOUT_SECONDS / 60}m`}` };
    await updateAttempt(record.id, key, { status: 'failed', endedAt: new Date().toISOString(), error: { ...error, retryable: true }, waitingFor: null as unknown as string });
    await transition(record.id, {}, { message: `${name}: ${error.message}`, severity: 'error', action: action.id, kind: 'action' });
    return afterFailure(ctx, error, true);
  };
  if (!executor || !attempt.ref) return overdue ? timedOut() : { outcome: 'waiting', pollSeconds: Math.max(1, Math.ceil((Date.parse(attempt.deadline ?? new Date().toISOString()) - Date.now()) / 1000)) };
  // Past the deadline the system is still asked first (it is the truth): a run that has ended by the time a late
  // check comes (its webhook matched nothing, the poll fell after the deadline) is not failed, run again or undone.
  const check = await executor.check(await asyncRun(), attempt.ref);
  if (check.logs?.length) await appendLog(record.id, check.logs.map((l) => ({ message: `${name}: ${l.message}`, severity: l.severity, action: action.id, kind: 'action' as const })));
  if (check.ref) await updateAttempt(record.id, key, { ref: check.ref });
  if (check.state === 'running') {
    if (overdue) return timedOut();
    if (check.message && check.message !== attempt.waitingFor) await updateAttempt(record.id, key, { waitingFor: `${attempt.ref.system} ${attempt.ref.id}: ${check.message}` });
    return { outcome: 'waiting', pollSeconds: attempt.pollSeconds ?? DEFAULT_POLL_SECONDS };
  }
  if (check.state === 'succeeded') return collectAsync(ctx, executor, attempt.ref);
  const error = check.error ?? { code: 'failed', message: check.message ?? 'the run failed' };
  await updateAttempt(record.id, key, { status: 'failed', endedAt: new Date().toISOString(), durationMs: Date.now() - Date.parse(attempt.startedAt), error: { ...error, retryable: check.retryable === true }, waitingFor: null as unknown as string });
  const next = await afterFailure(ctx, error, check.retryable === true);
  await transition(record.id, {}, { message: `${name}: ${attempt.ref.system} ${attempt.ref.id} failed (${error.message})${next.outcome === 'retry' ? '; retrying' : ''}`, severity: next.outcome === 'retry' ? 'warn' : 'error', action: action.id, kind: 'action' });
  return next;
}

async function actionCollect(event: StepEvent): Promise<StepResult> {
  const ctx = await attemptContext(event);
  const { record } = ctx;
  const attempts = await readAttempts(record.id, ctx.phase);
  if (ctx.phase === 'rollback') {
    // The undone action's work is gone: its attempt says so (a retry runs it again).
    const forward = (await readAttempts(record.id)).filter((a) => a.actionId === ctx.forActionId && !a.rolledBack && (a.status === 'succeeded' || a.ref));
    for (const a of forward) await updateAttempt(record.id, a, { rolledBack: true });
    await transition(record.id, {}, { message: `${nameOf(ctx)}: done`, action: ctx.action.id, kind: 'action' });
    return {};
  }
  const succeeded = attempts.find((a) => a.actionId === ctx.action.id && a.status === 'succeeded' && !a.rolledBack);
  await transition(record.id, {
    outputs: { ...(record.outputs ?? {}), [ctx.action.id]: succeeded?.outputs ?? {} },
    sensitiveOutputs: { ...(record.sensitiveOutputs ?? {}), [ctx.action.id]: succeeded?.sensitive ?? [] },
    progress: progressOf(record.plan, attempts),
  }, { message: `${succeeded?.name ?? ctx.action.id}: outputs collected (${Object.keys(succeeded?.outputs ?? {}).join(', ') || 'none'})`, action: ctx.action.id, kind: 'action', severity: 'debug' });
  return {};
}

// ---------------------------------------------------------------- undoing

async function rollbackBegin(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  const doc = await readDocument(record.id);
  const failure = (event.failure ?? {}) as { kind?: string };
  const reason = failure.kind === 'cancelled' ? 'cancel' : failure.kind === 'deprovision' ? 'deprovision' : 'failure';
  if (doc.fulfillment.type !== 'automated') return { needed: false, reason };
  if (reason === 'failure' && doc.fulfillment.onFailure === 'keep') {
    await transition(record.id, {}, { message: 'what was done is kept for inspection (the offering says onFailure: keep); a retry continues from the failed action', severity: 'warn' });
    return { needed: false, reason };
  }
  const attempts = await readAttempts(record.id);
  const done = attempts.filter((a) => a.status === 'succeeded' && !a.rolledBack);
  // An outside run that started and then failed or was cancelled (a Terraform apply that errored half way)
  // may have made part of what it was for: its rollback runs too.
  for (const action of doc.fulfillment.actions) {
    const last = attempts.filter((a) => a.actionId === action.id).sort((a, b) => a.attempt - b.attempt).at(-1);
    if (last && !last.rolledBack && (last.status === 'failed' || last.status === 'cancelled') && last.ref) done.push(last);
  }
  const byId = new Map(doc.fulfillment.rollbackActions?.map((a) => [a.id, a]) ?? []);
  const plan: RollbackStep[] = [];
  for (const action of [...doc.fulfillment.actions].reverse()) {
    if (!done.some((a) => a.actionId === action.id) || !action.rollback) continue;
    const rollback = byId.get(action.rollback);
    if (rollback) plan.push({ forActionId: action.id, index: doc.fulfillment.actions.indexOf(action), id: rollback.id, name: rollback.name ?? rollback.id, type: rollback.type });
  }
  const withoutRollback = done.filter((a) => !plan.some((p) => p.forActionId === a.actionId)).map((a) => a.actionId);
  const status = reason === 'deprovision' ? 'deprovisioning' : 'rolling_back';
  if (plan.length === 0) {
    if (withoutRollback.length) await transition(record.id, {}, { message: `nothing to undo with a rollback (${withoutRollback.join(', ')} name none)`, severity: 'warn' });
    return { needed: false, reason };
  }
  await transition(record.id, { status, rollbackPlan: plan, undoReason: reason, currentAction: null }, {
    message: `${reason === 'deprovision' ? 'deprovisioning' : 'rolling back'}: ${plan.map((p) => `${p.name} (undoes ${p.forActionId})`).join(', then ')}${withoutRollback.length ? `; ${withoutRollback.join(', ')} name no rollback and stay` : ''}`,
    severity: 'warn',
  });
  return { needed: true, reason };
}

/** What the rollbacks of this run did, in words, for the final record. */
async function undoneSummary(record: RequestRecord): Promise<{ text: string; failed: string[] }> {
  const plan = record.rollbackPlan ?? [];
  if (!plan.length) return { text: '', failed: [] };
  const attempts = await readAttempts(record.id, 'rollback');
  const undone: string[] = [];
  const failed: string[] = [];
  for (const step of plan) {
    const last = attempts.filter((a) => a.forActionId === step.forActionId).sort((a, b) => a.attempt - b.attempt).at(-1);
    if (last?.status === 'succeeded') undone.push(step.forActionId);
    else failed.push(`${step.name}${last?.error ? ` (${last.error.message})` : ''}`);
  }
  return { text: `${undone.length ? `undone: ${undone.join(', ')}` : 'nothing undone'}${failed.length ? `; ROLLBACK FAILED: ${failed.join(', ')} — check by hand` : ''}`, failed };
}

// ---------------------------------------------------------------- the end

async function complete(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  // A retried step counts what the first did not (the count is kept once per run).
  if (record.status === 'completed') { await countEnded(record, 'completed', record.completedAt ?? record.updatedAt); return {}; }
  await release(record);
  if (record.quota) await consumeQuota(record.id, record.quota);
  const now = new Date();
  const updated = await transition(record.id, { status: 'completed', progress: 100, currentAction: null, completedAt: now.toISOString(), eta: null, taskToken: null, error: null }, {
    message: record.fulfillment === 'manual' ? `completed by ${record.manual?.completedBy ?? 'the owning team'}` : 'completed: every action succeeded',
  }, now);
  await recordDuration(record.offering.id, now.getTime() - Date.parse(record.startedAt ?? record.createdAt));
  await countEnded(updated, 'completed', now.toISOString());
  await notify([record.requester], { kind: 'request.completed', title: `Completed: ${record.offering.name}`, body: updated.message, link: link(record.id), resource: { type: 'request', id: record.id } }, now);
  return {};
}


async function fail(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  if (['failed', 'completed', 'cancelled', 'deprovisioned', 'interrupted'].includes(record.status)) {
    // A retried step counts what the first did not (the count is kept once per run).
    if (record.status === 'failed') await countEnded(record, 'failed', record.completedAt ?? record.updatedAt, { reason: record.error?.code, action: (record.error as { action?: string } | null)?.action ?? null });
    return {};
  }
  await release(record);
  if (record.quota) await releaseQuota(record.id, record.quota);
  const failure = (event.failure ?? {}) as { kind?: string; actionId?: string; code?: string; message?: string; error?: { Error?: string; Cause?: string } };
  const kind = failure.kind ?? 'internal';
  const cause = failure.message ?? failure.error?.Cause;
  const undone = await undoneSummary(record);
  // An internal error's cause stays in the logs; one that only says AWS was busy is worth telling (a retry will do).
  const transient = kind === 'internal' ? transientReason(failure.error?.Error) : undefined;
  const message = `${FAILURE_MESSAGES[kind] ?? kind}${cause && kind !== 'internal' ? `: ${cause.slice(0, 500)}` : ''}${transient ? ` (${transient}; retry the request)` : ''}${undone.text ? `; ${undone.text}` : ''}`;
  const now = new Date();
  await transition(record.id, {
    status: 'failed', progress: endedProgress(record.plan, await readAttempts(record.id)), completedAt: now.toISOString(), eta: null, taskToken: null, currentAction: null,
    error: { code: kind, message, ...(failure.actionId ? { action: failure.actionId } : record.currentAction ? { action: record.currentAction.id } : {}) },
  }, { message: `failed: ${message}`, severity: 'error' }, now);
  await countEnded(record, 'failed', now.toISOString(), { reason: kind, action: failure.actionId ?? record.currentAction?.id ?? null });
  await notify([record.requester], { kind: 'request.failed', title: `Failed: ${record.offering.name}`, body: message, link: link(record.id), resource: { type: 'request', id: record.id } }, now);
  return {};
}

async function cancelled(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  if (record.status === 'cancelled') { await countEnded(record, 'cancelled', record.completedAt ?? record.updatedAt); return {}; }
  await release(record);
  if (record.quota) await releaseQuota(record.id, record.quota);
  const approval = record.approvalId ? await readApproval(record.approvalId, true) : undefined;
  if (approval?.status === 'pending') await expireApproval(approval, new Date(), 'cancelled', `the request was cancelled by ${record.cancel?.by ?? 'someone'}${record.cancel?.reason ? ` (${record.cancel.reason})` : ''}`);
  const undone = await undoneSummary(record);
  const now = new Date();
  const message = `cancelled by ${record.cancel?.by ?? 'someone'}${record.cancel?.reason ? ` (${record.cancel.reason})` : ''}${undone.text ? `; ${undone.text}` : ''}`;
  await transition(record.id, {
    status: 'cancelled', progress: endedProgress(record.plan, await readAttempts(record.id)), completedAt: now.toISOString(), eta: null, taskToken: null, currentAction: null,
    ...(undone.failed.length ? { error: { code: 'rollback-failed', message: undone.text } } : {}),
  }, { message, severity: undone.failed.length ? 'error' : 'warn' }, now);
  await countEnded(record, 'cancelled', now.toISOString());
  if (record.cancel?.by !== record.requester) {
    await notify([record.requester], { kind: 'request.failed', title: `Cancelled: ${record.offering.name}`, body: message, link: link(record.id), resource: { type: 'request', id: record.id } }, now);
  }
  return {};
}

async function deprovisioned(event: StepEvent): Promise<StepResult> {
  const record = await requireRequest(requiredString(event, 'requestId'), true);
  if (record.status === 'deprovisioned') return {};
  await release(record);
  const undone = await undoneSummary(record);
  // What it provisioned is gone: its quota is free again (kept when the undo failed: it may still exist).
  if (record.quota && !undone.failed.length) await releaseQuota(record.id, record.quota, 'active');
  const now = new Date();
  await transition(record.id, {
    status: undone.failed.length ? 'completed' : 'deprovisioned', deprovisionedAt: undone.failed.length ? null : now.toISOString(), currentAction: null,
    ...(undone.failed.length ? { error: { code: 'deprovision-failed', message: undone.text } } : {}),
  }, { message: undone.failed.length ? `deprovisioning failed: ${undone.text}` : `deprovisioned: ${undone.text || 'nothing to undo'}`, severity: undone.failed.length ? 'error' : 'info' }, now);
  if (!undone.failed.length) await countDeprovisioned(record, now.toISOString());
  return {};
}

/**
 * EventBridge says an execution stopped, timed out or failed (AWS; locally local/workflows.ts tells the same, and a
 * restart marks the runs the runtime took with it). A record that still says work is under way for that run is
 * marked interrupted; a normal end has already ended the record, so nothing changes.
 */
async function executionEnded(event: StepEvent): Promise<StepResult> {
  const name = typeof event.execution === 'string' ? event.execution : '';
  const match = /^([0-9A-HJKMNP-TV-Z]{26})(?:-(r|d)(\d+))?$/.exec(name);
  if (!match) return { marked: false, reason: `not a request's execution: ${name}` };
  const [, requestId, kind, n] = match;
  const record = await readRequest(requestId!, true);
  if (!record) return { marked: false, reason: `no request ${requestId}` };
  const run = kind ? Number(n) : 1;
  if ((record.run ?? 1) !== run) return { marked: false, reason: `run ${run} is not the request's current run` };
  const marked = await markInterruptedRecord(record, `its execution ${name} ended ${String(event.status ?? '').toLowerCase() || 'early'}`);
  return { marked };
}

const STEPS: Record<string, (event: StepEvent) => Promise<StepResult>> = {
  validate,
  quota,
  queue,
  'approval-open': approvalOpen,
  'approval-expired': approvalExpired,
  'manual-open': manualOpen,
  'manual-wait': manualWait,
  'manual-check': manualCheck,
  'next-action': nextAction,
  'action-start': actionStart,
  'action-wait': actionWait,
  'action-check': actionCheck,
  'action-collect': actionCollect,
  'rollback-begin': rollbackBegin,
  complete,
  fail,
  cancelled,
  deprovisioned,
  'execution-ended': executionEnded,
};

export const STEP_NAMES = Object.keys(STEPS);

export async function runStep(event: StepEvent): Promise<StepResult> {
  const step = STEPS[event.step];
  if (!step) throw new ValidationError(`unknown step ${event.step} (known: ${STEP_NAMES.join(', ')})`);
  return step(event);
}

