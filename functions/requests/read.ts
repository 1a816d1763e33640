/**
 * Reading requests: the detail (META + its attempts + the newest log lines: three reads), the status (one
 * GetItem), the log, and the lists (one Query on the index the scope names).
 */
import type { Request, RequestList, RequestListQuery, RequestLogList, RequestLogsQuery, RequestStatus } from '#schemas/index.ts';
import { ForbiddenError, ValidationError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { MASK } from '#shared/variables/index';
import { readApproval, toApproval } from './approvals.ts';
import { requireReadable, type RequestCaller } from './access.ts';
import { readAttempts, readLogs, statusOf, listRequests, type AttemptRecord, type RequestRecord } from './records.ts';

type RequestAction = Request['actions'][number];

function maskOutputs(outputs: Record<string, unknown> | undefined, sensitive: readonly string[] | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs ?? {}).map(([k, v]) => [k, sensitive?.includes(k) ? MASK : v]));
}

type AttemptBody = RequestAction['attempts'][number];

const attemptBody = (a: AttemptRecord): AttemptBody => ({
  attempt: a.attempt, status: a.status, startedAt: a.startedAt,
  ...(a.input ? { input: a.input } : {}),
  ...(a.outputs ? { outputs: maskOutputs(a.outputs, a.sensitive) } : {}),
  ...(a.httpStatus !== undefined ? { httpStatus: a.httpStatus } : {}),
  ...(a.error ? { error: a.error } : {}),
  ...(a.endedAt ? { endedAt: a.endedAt } : {}),
  ...(a.durationMs !== undefined ? { durationMs: a.durationMs } : {}),
  ...(a.waitingFor ? { waitingFor: a.waitingFor } : {}),
  ...(a.ref ? { external: { system: a.ref.system, id: a.ref.id, ...(a.ref.url ? { url: a.ref.url } : {}) } } : {}),
});

function actionsOf(record: RequestRecord, attempts: readonly AttemptRecord[], rollbacks: readonly AttemptRecord[]): RequestAction[] {
  return (record.plan ?? []).map((planned) => {
    const mine = attempts.filter((a) => a.actionId === planned.id).sort((a, b) => a.attempt - b.attempt);
    const last = mine.at(-1);
    const skipped = (planned as { skipped?: boolean }).skipped === true;
    const undo = rollbacks.filter((a) => a.forActionId === planned.id).sort((a, b) => a.attempt - b.attempt);
    // The rollback that undid its latest attempt (a retry that did it again makes an earlier undo history).
    const lastUndo = last && (last.rolledBack || last.status !== 'succeeded') ? undo.at(-1) : undefined;
    const status: RequestAction['status'] = skipped ? 'skipped' : !last ? 'pending' : last.rolledBack ? 'rolled_back' : last.status === 'cancelled' ? 'failed' : last.status;
    return {
      id: planned.id,
      name: planned.name,
      type: planned.type as RequestAction['type'],
      status,
      ...(last?.target ? { target: last.target } : last?.ref ? { target: `${last.ref.system} ${last.ref.id}` } : {}),
      attempts: mine.map(attemptBody),
      ...(lastUndo ? { rollback: { id: lastUndo.actionId, name: lastUndo.name, status: lastUndo.status === 'cancelled' ? 'failed' : lastUndo.status, attempts: undo.map(attemptBody) } } : {}),
    };
  });
}

function nextStepsOf(record: RequestRecord, actions: readonly RequestAction[]): string[] {
  switch (record.status) {
    case 'submitted':
    case 'validating':
      return ['Apollo is checking the request; it starts in a moment.'];
    case 'awaiting_approval':
      return ['It waits for an approver (they see it in their Approvals inbox); you are notified when it is decided.'];
    case 'queued':
      return [`It is queued (priority ${record.priority}); fulfilment starts as soon as a slot is free.`];
    case 'in_progress': {
      if (record.fulfillment === 'manual') return [`The ${record.offering.owner ?? 'owning'} team fulfils it by hand and marks it completed here.`];
      const waiting = actions.find((a) => a.status === 'waiting');
      if (waiting) return [waiting.attempts.at(-1)?.waitingFor ?? `Waiting for ${waiting.name}.`];
      const current = record.currentAction ? `Running ${record.currentAction.name}` : 'Running';
      return [`${current}; this page updates as each action ends.`];
    }
    case 'completed':
      return Object.keys(record.outputs ?? {}).length ? ['Done: its outputs are below.'] : ['Done.'];
    case 'failed':
      if (record.error?.code === 'approval-rejected' || record.error?.code === 'approval-expired') {
        return [record.error.message ? `It failed: ${record.error.message}` : 'It failed.', 'Retry asks for approval again (change the fields the approver asked about, if any).'];
      }
      return [
        record.error?.message ? `It failed: ${record.error.message}` : 'It failed.',
        'Fix what the log says, then Retry: the actions done (and not rolled back) are kept; the failed one and any rolled back run again.',
      ];
    case 'rolling_back':
      return ['It is undoing what it did, newest first; the log says what each rollback did.'];
    case 'cancelled':
      return [record.error?.message ? `Cancelled, but: ${record.error.message}` : 'Cancelled. Retry runs it again from where it stopped.'];
    case 'interrupted':
      return ['Its run was lost (Apollo restarted while it ran). Retry resumes it from the first action not done; nothing done is repeated.'];
    case 'deprovisioning':
      return record.rollbackPlan?.length
        ? ['Its resources are being removed (the rollbacks of its actions, newest first).']
        : ['Deprovisioning waits to start (for an approver, when the offering\'s rule asks, then a fulfilment slot).'];
    case 'deprovisioned':
      return ['Its resources were removed.'];
  }
}

export async function toRequest(id: string, caller: RequestCaller): Promise<Request> {
  const record = await requireReadable(id, caller);
  const [attempts, rollbacks, logs, approval] = await Promise.all([
    readAttempts(id),
    readAttempts(id, 'rollback'),
    readLogs(id, { limit: 100, newestFirst: true }),
    record.approvalId ? readApproval(record.approvalId) : Promise.resolve(undefined),
  ]);
  const actions = actionsOf(record, attempts, rollbacks);
  // What a rollback undid produces nothing any more: its outputs are not shown as if they still held.
  const undone = new Set(actions.filter((a) => a.status === 'rolled_back').map((a) => a.id));
  const outputs = Object.fromEntries(Object.entries(record.outputs ?? {}).filter(([actionId]) => !undone.has(actionId)).map(([actionId, values]) => [actionId, maskOutputs(values, record.sensitiveOutputs?.[actionId])]));
  return {
    id: record.id, offering: record.offering, requester: record.requester, team: record.team ?? null, priority: record.priority,
    status: record.status, progress: record.progress, fulfillment: record.fulfillment, currentAction: record.currentAction ?? null,
    approvalId: record.approvalId ?? null, createdAt: record.createdAt, updatedAt: record.updatedAt, completedAt: record.completedAt ?? null,
    eta: record.eta ?? null, error: record.error ?? null,
    fields: record.fields, note: record.note ?? null, message: record.message,
    actions, outputs,
    timeline: [...logs.items].reverse(),
    nextSteps: nextStepsOf(record, actions),
    approval: approval ? toApproval(approval, caller) : null,
    ...(record.manual ? { manual: { instructions: record.manual.instructions, ...(record.manual.completedBy ? { completedBy: record.manual.completedBy } : {}), ...(record.manual.ticket ? { ticket: record.manual.ticket } : {}) } } : {}),
    retries: record.retries ?? 0,
    generation: record.generation,
    ...(record.cancel ? { cancel: record.cancel } : {}),
    deprovisionedAt: record.deprovisionedAt ?? null,
    rating: record.rating ?? null,
  };
}

export async function getStatus(id: string, caller: RequestCaller): Promise<RequestStatus> {
  return statusOf(await requireReadable(id, caller));
}

export async function getLogs(id: string, query: RequestLogsQuery, caller: RequestCaller): Promise<RequestLogList> {
  await requireReadable(id, caller);
  return readLogs(id, { limit: query.limit ?? 100, cursor: query.cursor, action: query.action, minSeverity: query.severity });
}

export async function list(query: RequestListQuery, caller: RequestCaller): Promise<RequestList> {
  const scope = query.scope ?? (query.team ? 'team' : 'mine');
  const options = { limit: query.limit ?? 50, cursor: query.cursor, status: query.status, offering: query.offering, from: query.from, to: query.to };
  if (query.from && query.to && query.from >= query.to) throw new ValidationError('from must be before to', { details: [{ path: '/query/from', message: 'must be before to' }] });
  switch (scope) {
    case 'mine':
      return listRequests({ kind: 'user', principal: caller.principal }, options);
    case 'team': {
      if (!query.team) throw new ValidationError('scope team needs team', { details: [{ path: '/query/team', message: 'required with scope=team' }] });
      if (!caller.teams.includes(query.team) && !roleHas(caller.role, 'requests:manage')) {
        throw new ForbiddenError(`you are not a member of team ${query.team} (requests:manage reads any team's requests)`, { details: [{ path: '/query/team', message: 'not one of your teams' }] });
      }
      return listRequests({ kind: 'team', team: query.team }, options);
    }
    case 'all':
      if (!roleHas(caller.role, 'requests:manage')) {
        throw new ForbiddenError("everyone's requests need requests:manage (operator); use scope=mine or scope=team", { details: [{ path: '/query/scope', message: 'needs requests:manage' }] });
      }
      return query.offering ? listRequests({ kind: 'offering', offering: query.offering }, options) : listRequests({ kind: 'all' }, options);
  }
}
