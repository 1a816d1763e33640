/**
 * What people do to a request after submitting it: cancel it, retry it, deprovision it, end a manual one.
 * Each writes its intent to the request's record first, then starts or wakes its execution; the steps do
 * the rest (our records are the truth, the execution is the runner).
 */
import type { Request, RequestCancel, RequestComplete, RequestDeprovision, RequestRetry, RequestRetryResult } from '#schemas/index.ts';
import { ConflictError, ForbiddenError, ServiceUnavailableError, ValidationError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { MASK } from '#shared/variables/index';
import { checkValues } from '#functions/offerings/public';
import { logger } from '#lib/observability';
import { putItem } from '#lib/table';
import { workflowEngine } from '#lib/workflows/index';
import { TaskTokenError } from '#lib/workflows/ports';
import { readApproval } from './approvals.ts';
import { CANCELLED_ERROR } from './cancel-error.ts';
import { requireReadable, type RequestCaller } from './access.ts';
import { needsApproval, planOf } from './plan.ts';
import { toRequest } from './read.ts';
import { appendLog, readAttempts, readDocument, readRequest, readSecretFields, requestPartition, transition, updateRequest, type RequestRecord } from './records.ts';
import { FULFILLMENT, startFulfillment } from './workflow.ts';

export { CANCELLED_ERROR };

/** Retries one request may have (APOLLO_REQUEST_RETRY_LIMIT, default 3). */
export function retryLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.APOLLO_REQUEST_RETRY_LIMIT;
  const limit = raw === undefined || raw === '' ? 3 : Number(raw);
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`APOLLO_REQUEST_RETRY_LIMIT must be a whole number ≥ 0, not ${raw}`);
  return limit;
}

/** Requests are acted on by their requester, or anyone with requests:manage. */
function requireOwnerOrManager(record: RequestRecord, caller: RequestCaller, what: string): void {
  if (record.requester.toLowerCase() === caller.principal.toLowerCase() || roleHas(caller.role, 'requests:manage')) return;
  throw new ForbiddenError(`only ${record.requester} (or requests:manage) may ${what} request ${record.id}`);
}

/** Ends the wait the execution is in (an approval, a manual ticket, an outside run) so its next step reads the record. */
async function wakeWaiting(record: RequestRecord, error: string, cause: string): Promise<void> {
  const engine = workflowEngine(FULFILLMENT);
  const tokens: string[] = [];
  if (record.status === 'awaiting_approval' && record.approvalId) {
    const approval = await readApproval(record.approvalId, true);
    if (approval?.taskToken && approval.status === 'pending') tokens.push(approval.taskToken);
  }
  if (record.taskToken) tokens.push(record.taskToken);
  for (const attempt of await readAttempts(record.id)) if (attempt.status === 'waiting' && attempt.taskToken) tokens.push(attempt.taskToken);
  for (const token of tokens) {
    try {
      await engine.sendTaskFailure(token, error, cause);
    } catch (e) {
      // Not waiting there any more: the step after it reads the record anyway.
      if (!(e instanceof TaskTokenError)) throw e;
    }
  }
}

async function start(record: RequestRecord, run: number, deprovision: boolean, generation: number): Promise<void> {
  try {
    await startFulfillment({ requestId: record.id, generation, run, deprovision });
  } catch (error) {
    logger.error('fulfilment run did not start', { requestId: record.id, run, error: error as Error });
    throw new ServiceUnavailableError('the workflow engine is unavailable; try again', { cause: error, retryAfterSeconds: 5 });
  }
}

// ---------------------------------------------------------------- cancel

function requireReason(reason: string): void {
  if (!reason.trim()) throw new ValidationError('say why, in words', { details: [{ path: '/body/reason', message: 'must not be blank' }] });
}

export async function cancelRequest(id: string, body: RequestCancel, caller: RequestCaller): Promise<Request> {
  requireReason(body.reason);
  const record = await requireReadable(id, caller, true);
  requireOwnerOrManager(record, caller, 'cancel');
  if (record.cancel) return toRequest(id, caller);
  if (['completed', 'failed', 'cancelled', 'deprovisioned'].includes(record.status)) throw new ConflictError(`request ${id} is ${record.status}: there is nothing to cancel${record.status === 'completed' ? ' (deprovision it to remove what it made)' : ''}`);
  if (record.status === 'rolling_back' || record.status === 'deprovisioning') throw new ConflictError(`request ${id} is ${record.status.replace('_', ' ')} already`);
  const running = (await readAttempts(id)).filter((a) => a.status === 'running' || a.status === 'waiting');
  if (record.status === 'in_progress' && running.length) {
    const doc = await readDocument(id);
    const critical = doc.fulfillment.type === 'automated' && running.find((a) => doc.fulfillment.type === 'automated' && doc.fulfillment.actions.find((x) => x.id === a.actionId)?.critical);
    if (critical) throw new ConflictError(`${critical.name} is running and is critical: request ${id} cannot be cancelled until it ends`);
  }
  const cancel = { by: caller.principal, at: new Date().toISOString(), reason: body.reason };
  // The request as it is once the cancel is on it: an approval opened meanwhile is woken too.
  const asked = await transition(id, { cancel }, { message: `cancel asked by ${caller.principal}: ${body.reason}`, severity: 'warn' });
  if (record.status === 'interrupted') {
    // No execution holds it: a new run rolls back what it did, then ends it cancelled.
    const run = (record.run ?? 1) + 1;
    await updateRequest(id, { run });
    await start(record, run, false, record.generation);
  } else {
    await wakeWaiting(asked, CANCELLED_ERROR, `cancelled by ${caller.principal}`);
  }
  return toRequest(id, caller);
}

// ---------------------------------------------------------------- retry

export async function retryRequest(id: string, body: RequestRetry, caller: RequestCaller): Promise<RequestRetryResult> {
  const record = await requireReadable(id, caller, true);
  requireOwnerOrManager(record, caller, 'retry');
  if (!['failed', 'interrupted', 'cancelled'].includes(record.status)) throw new ConflictError(`request ${id} is ${record.status}: only a failed, interrupted or cancelled request is retried`);
  const limit = retryLimit();
  const retries = record.retries ?? 0;
  if (retries >= limit) throw new ConflictError(`request ${id} was retried ${retries} times, the most a request may be (APOLLO_REQUEST_RETRY_LIMIT=${limit}); submit a new request`);
  const doc = await readDocument(id);
  const given = (body.fields ?? {}) as Record<string, unknown>;
  const secretIds = new Set(record.secretFieldIds);
  const secrets = await readSecretFields(id);
  const current = { ...record.fields, ...secrets };
  const changedFields = Object.keys(given).filter((k) => JSON.stringify(given[k]) !== JSON.stringify(current[k]));
  const values = { ...current, ...given };
  if (changedFields.length) {
    const issues = await checkValues(doc, values, caller);
    if (issues.length) {
      throw new ValidationError(`the changed fields do not pass the offering's form: ${issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`, {
        details: issues.map((i) => ({ path: `/body/fields${i.path}`, message: i.message })),
      });
    }
  }
  const attempts = await readAttempts(id);
  const done = new Set(attempts.filter((a) => a.status === 'succeeded' && !a.rolledBack).map((a) => a.actionId));
  const plan = changedFields.length ? planOf(doc, values).map((p) => (done.has(p.id) ? { ...p, skipped: false } : p)) : (record.plan ?? []);
  const rerun = plan.filter((p) => !(p as { skipped?: boolean }).skipped && !done.has(p.id)).map((p) => {
    const rolledBack = attempts.some((a) => a.actionId === p.id && a.rolledBack);
    const failed = attempts.some((a) => a.actionId === p.id && (a.status === 'failed' || a.status === 'cancelled'));
    return { id: p.id, name: p.name, why: rolledBack ? 'it was rolled back' : failed ? 'it failed' : 'it has not run' };
  });
  const keep = plan.filter((p) => done.has(p.id)).map((p) => ({ id: p.id, name: p.name }));
  const approved = record.approvalId ? (await readApproval(record.approvalId))?.status === 'approved' : false;
  const approval = needsApproval(doc, values) && (changedFields.length > 0 || !approved);
  const generation = changedFields.length ? record.generation + 1 : record.generation;
  const run = (record.run ?? 1) + 1;
  const result = { rerun, keep, approval, generation, retry: retries + 1, retriesLeft: limit - retries - 1, ...(changedFields.length ? { changedFields } : {}) };
  if (!body.confirm) return { confirmed: false, plan: result, request: await toRequest(id, caller) };

  if (changedFields.some((k) => secretIds.has(k))) {
    await putItem({ PK: requestPartition(id), SK: 'SECRETFIELDS', values: Object.fromEntries([...secretIds].filter((k) => k in values).map((k) => [k, values[k]])) });
  }
  const masked = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secretIds.has(k) ? MASK : v]));
  await transition(id, {
    status: 'validating', progress: 5, fields: masked, plan, generation, run, retries: retries + 1, runApproval: approval,
    error: null, completedAt: null, cancel: null, rollbackPlan: null, undoReason: null, currentAction: null,
    eta: new Date(Date.now() + record.expectedMs).toISOString(),
  }, {
    message: `retry ${retries + 1} by ${caller.principal}: ${rerun.map((r) => r.name).join(', ') || 'nothing'} to run${keep.length ? `, ${keep.map((k) => k.name).join(', ')} kept` : ''}${changedFields.length ? `; changed ${changedFields.join(', ')} (generation ${generation})` : ''}${approval ? '; asks approval again' : ''}`,
  });
  await start(record, run, false, generation);
  return { confirmed: true, plan: result, request: await toRequest(id, caller) };
}

// ---------------------------------------------------------------- deprovision

export async function deprovisionRequest(id: string, body: RequestDeprovision, caller: RequestCaller): Promise<Request> {
  requireReason(body.reason);
  const record = await requireReadable(id, caller, true);
  requireOwnerOrManager(record, caller, 'deprovision');
  if (record.status === 'deprovisioning') return toRequest(id, caller);
  if (record.status !== 'completed') throw new ConflictError(`request ${id} is ${record.status}: only a completed request is deprovisioned`);
  if (record.fulfillment !== 'automated') throw new ConflictError(`request ${id} was fulfilled by hand: ask the ${record.offering.owner ?? 'owning'} team to remove what they made`);
  const doc = await readDocument(id);
  const values = { ...record.fields, ...(await readSecretFields(id)) };
  const run = (record.run ?? 1) + 1;
  await transition(id, { status: 'deprovisioning', run, runApproval: needsApproval(doc, values), error: null, rollbackPlan: null, currentAction: null, deprovision: { by: caller.principal, at: new Date().toISOString(), reason: body.reason } }, {
    message: `deprovision asked by ${caller.principal}: ${body.reason}`, severity: 'warn',
  });
  await start(record, run, true, record.generation);
  return toRequest(id, caller);
}

// ---------------------------------------------------------------- manual completion

/**
 * A manually fulfilled request is ended by a person (the offering's owning team, or requests:manage) as
 * completed or failed, or by its JIRA ticket being done. The decision is recorded, then the wait is woken.
 */
export async function completeManual(id: string, body: RequestComplete, caller: RequestCaller): Promise<Request> {
  const record = await requireReadable(id, caller, true);
  const owner = record.offering.owner;
  if (!roleHas(caller.role, 'requests:manage') && !(owner && caller.teams.includes(owner))) {
    throw new ForbiddenError(`only the ${owner ?? 'owning'} team (or requests:manage) ends a manual request`);
  }
  if (record.fulfillment !== 'manual') throw new ConflictError(`request ${id} is fulfilled automatically: it ends by itself`);
  if (record.manualDecision && record.manualDecision.outcome === body.outcome) return toRequest(id, caller);
  if (record.status !== 'in_progress') throw new ConflictError(`request ${id} is ${record.status}: it can be ended while its fulfilment is in progress`);
  // Its own attribute: the steps rewrite `manual` (the ticket's status) and must not lose a person's decision.
  await updateRequest(id, { manualDecision: { by: caller.principal, outcome: body.outcome, ...(body.note ? { note: body.note } : {}) } });
  await appendLog(id, [{ message: `${body.outcome === 'completed' ? 'marked completed' : 'marked failed'} by ${caller.principal}${body.note ? `: ${body.note}` : ''}`, severity: body.outcome === 'completed' ? 'info' : 'warn' }]);
  await wakeManual(id, { endedBy: caller.principal });
  return toRequest(id, caller);
}

/**
 * Wakes a manual request's wait. Its token changes each time the wait begins again (a JIRA event woke it, a
 * check found the ticket still open): a used one is retried with the next, briefly; past that, the next
 * check reads the decision anyway.
 */
async function wakeManual(id: string, output: object): Promise<void> {
  let tried: string | undefined;
  for (let i = 0; i < 10; i += 1) {
    const token = (await readRequest(id, true))?.taskToken;
    if (token && token !== tried) {
      tried = token;
      try {
        await workflowEngine(FULFILLMENT).sendTaskSuccess(token, output);
        return;
      } catch (error) {
        if (!(error instanceof TaskTokenError)) throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
