/**
 * POST /api/v1/simulate/fulfillment: a dry run of the fulfilment of one request, for a saved offering or a
 * document from the studio, with sample values. The real state machine runs in this process
 * (./simulate-engine.ts) with every step simulated here: the approval and quota decisions are the ones the
 * requests context would make (read, never written), each action is rendered by its own executor and stopped
 * before its first outside call (./simulate-actions.ts), and the scenario decides what fails. Nothing is called,
 * stored or audited.
 */
import type { CatalogAction, CatalogItemV2, SimulationRequest, SimulationResult } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { MASK } from '#shared/variables/index';
import { config } from '#lib/config';
import type { StepEvent } from '#lib/workflows/ports';
import { teamProfile } from '#functions/identity/public';
import { approvalRule, durationSeconds, isAsyncType, needsApproval, planOf, typicalDurationMs, type Resolve } from '#functions/requests/public';
import { checkSource } from './studio.ts';
import { previewAction, type ActionPreview, type SimulationProblem } from './simulate-actions.ts';
import {
  checkScenario, DEFAULT_APPROVAL_SECONDS, failureOf, POLL_SECONDS, quotaDecision, retryOf, simulatedOutputs, templateEnv, timeoutOf, valuesOf, type Scenario,
} from './simulate-decisions.ts';
import { runSimulated, type SimulatedStep } from './simulate-engine.ts';
import { secretFieldsOf, type Caller } from './shapes.ts';
import { requireVisibleOffering } from './visible.ts';

type PathEntry = SimulationResult['path'][number];
type ActionEntry = SimulationResult['actions'][number];
type Phase = 'forward' | 'rollback';

/** Simulated time of a call that starts or is the whole action. */
const CALL_SECONDS = 1;
const REQUEST_ID = 'simulation';
/** The manual fulfilment's ticket, as the fulfilment's steps name it. */
const TICKET = 'ticket';

export interface SimulationDeps {
  /** DNS for the egress guard (tests stub it). @default the system resolver */
  readonly resolve?: Resolve;
  /** The simulated clock's start. @default now */
  readonly now?: Date;
}

interface Loaded {
  readonly doc: CatalogItemV2;
  readonly version: string;
  readonly from: 'saved' | 'document';
}

async function load(body: SimulationRequest, caller: Caller): Promise<Loaded> {
  if (body.offeringId !== undefined) {
    const { record } = await requireVisibleOffering(body.offeringId, caller);
    return { doc: record.document, version: record.version, from: 'saved' };
  }
  const check = checkSource(body);
  if (!check.document || check.errors.length) {
    const where = body.yaml !== undefined ? '/body/yaml' : '/body/document';
    throw new ValidationError(`the document does not pass the catalog schema: ${check.errors.length} error(s)`, {
      details: check.errors.map((e) => ({ path: body.yaml !== undefined ? where : `${where}${e.path}`, message: `${body.yaml !== undefined ? `${e.path || '/'}${e.line ? ` (line ${e.line})` : ''}: ` : ''}${e.message}` })),
    });
  }
  return { doc: check.document, version: check.document.metadata.version, from: 'document' };
}

export async function simulateFulfillment(body: SimulationRequest, caller: Caller, deps: SimulationDeps = {}): Promise<SimulationResult> {
  const { doc, version, from } = await load(body, caller);
  const scenario: Scenario = body.scenario ?? { kind: 'none' };
  checkScenario(doc, scenario);
  if (body.team !== undefined && !(await teamProfile(body.team))) {
    throw new ValidationError(`there is no team ${body.team}`, { details: [{ path: '/body/team', message: `there is no team ${body.team}` }] });
  }
  const problems: SimulationProblem[] = [];
  const values = valuesOf(doc, body, problems);
  // Values the form refuses are refused at submit: no request exists, so nothing runs.
  const refusals = problems.filter((p) => p.code === 'field');
  const secretFields = secretFieldsOf(doc);
  const team = body.team ?? caller.teams[0] ?? null;
  const environment = typeof values.environment === 'string' ? values.environment : null;
  const start = deps.now ?? new Date();

  if (body.environment !== undefined && !doc.presentation.fields.some((f) => f.id === 'environment')) {
    problems.push({ severity: 'info', code: 'environment', message: 'the form has no environment field: the environment given decides nothing' });
  }

  // ---------------------------------------------------------------- decisions the steps read
  const approvalRequired = needsApproval(doc, values);
  const approvalSeconds = durationSeconds(doc.approval?.timeout, DEFAULT_APPROVAL_SECONDS);
  const rejected = scenario.kind === 'approval-rejected';
  if (rejected && !approvalRequired) problems.push({ severity: 'info', code: 'scenario', message: 'these values need no approval: nothing can reject it' });
  const approval: SimulationResult['approval'] = {
    required: approvalRequired,
    decision: approvalRequired ? (rejected ? 'rejected' : 'approved') : 'not-needed',
    ...(doc.approval ? { rule: approvalRule(doc.approval), timeoutSeconds: approvalSeconds } : {}),
    ...(approvalRequired && doc.approval?.approvers.principals?.some((p) => p.toLowerCase() === caller.principal.toLowerCase())
      ? { note: `${caller.principal} is a named approver, but never of their own request: someone else decides` } : {}),
  };
  const quota = await quotaDecision(doc, team, values, problems);

  const automated = doc.fulfillment.type === 'automated' ? doc.fulfillment : undefined;
  const forward = automated?.actions ?? [];
  const rollbacks = new Map((automated?.rollbackActions ?? []).map((a) => [a.id, a]));
  const plan = planOf(doc, values);
  const skipped = new Set(plan.filter((p) => p.skipped).map((p) => p.id));
  for (const action of forward) {
    if (!action.rollback) problems.push({ severity: 'warning', code: 'no-rollback', actionId: action.id, message: `${action.name ?? action.id} names no rollback: when a later action fails or the request is cancelled, what it made stays` });
  }
  const named = scenario.kind === 'action-fails' ? scenario.actionId : scenario.kind === 'cancel' ? scenario.afterAction : undefined;
  if (named && skipped.has(named)) problems.push({ severity: 'info', code: 'scenario', actionId: named, message: `${named} is skipped for these values (its when does not hold): the scenario changes nothing` });

  // ---------------------------------------------------------------- each action rendered as it would be sent
  const cfg = config();
  const profile = team ? ((await teamProfile(team)) ?? { id: team }) : {};
  const variablesWith = (output: Record<string, Record<string, unknown>>) => ({
    fields: values,
    metadata: doc.metadata as unknown as Record<string, unknown>,
    request: { id: REQUEST_ID, requester: caller.principal, ...(team ? { team } : {}), createdAt: start.toISOString() },
    user: { email: caller.principal, principal: caller.principal, role: caller.role ?? 'none' },
    team: profile,
    system: { region: cfg.region, stage: cfg.stage, now: start, uuid: () => '00000000-0000-4000-8000-000000000000' },
    env: templateEnv(),
    output,
    ...(approvalRequired ? { approval: { id: REQUEST_ID } } : {}),
    secretFields,
  });
  const previews = new Map<string, ActionPreview>();
  const outputsBefore: Record<string, Record<string, unknown>> = {};
  for (const action of forward) {
    if (skipped.has(action.id)) continue;
    const preview = await previewAction(action, variablesWith({ ...outputsBefore }), { requestId: REQUEST_ID, timeoutMs: timeoutOf(action) * 1000, ...(deps.resolve ? { resolve: deps.resolve } : {}) });
    previews.set(`forward:${action.id}`, preview);
    outputsBefore[action.id] = simulatedOutputs(action);
  }
  for (const action of forward) {
    const rollback = action.rollback ? rollbacks.get(action.rollback) : undefined;
    if (!rollback || skipped.has(action.id) || previews.has(`rollback:${rollback.id}`)) continue;
    const preview = await previewAction(rollback, variablesWith(outputsBefore), { requestId: REQUEST_ID, timeoutMs: timeoutOf(rollback) * 1000, ...(deps.resolve ? { resolve: deps.resolve } : {}) });
    previews.set(`rollback:${rollback.id}`, preview);
  }
  // A manual offering's ticket, opened as the fulfilment opens it (when JIRA is configured; its failure is not fatal:
  // a person then ends the request from its page).
  const ticket = doc.fulfillment.type === 'manual'
    ? ({ id: TICKET, name: 'JIRA ticket for the owning team', type: 'jira', config: doc.fulfillment.jira } as CatalogAction) : undefined;
  if (ticket && process.env.APOLLO_JIRA_URL) {
    const preview = await previewAction(ticket, variablesWith({}), { requestId: REQUEST_ID, timeoutMs: 60_000, ...(deps.resolve ? { resolve: deps.resolve } : {}) });
    previews.set(`forward:${TICKET}`, { ...preview, problems: preview.problems.map((p) => ({ ...p, severity: p.severity === 'error' ? 'warning' : p.severity, message: `${p.message}: no ticket would be opened; the owning team ends the request from its page` })) });
  } else if (ticket) {
    problems.push({ severity: 'info', code: 'not-configured', actionId: TICKET, message: 'JIRA is not configured (APOLLO_JIRA_URL): no ticket is opened; the owning team ends the request from its page' });
  }
  for (const preview of previews.values()) problems.push(...preview.problems);

  // ---------------------------------------------------------------- the run
  interface Mark { seconds: number; upToSeconds?: number; actionId?: string; attempt?: number; note?: string }
  const marks: Mark[] = [];
  const waits: number[] = [];
  const attempts = new Map<string, ActionEntry['attempts'][number][]>();
  const succeeded: string[] = [];
  const startedThenFailed = new Set<string>();
  const rollbackPlan: SimulationResult['rollback'] = [];
  const rolledBack = new Set<string>();
  // Set by the run's last step (a closure: TypeScript cannot follow it, hence the object).
  const end: { outcome: SimulationResult['outcome']; ticketOpened: boolean } = { outcome: 'failed', ticketOpened: false };
  let failure: SimulationResult['failure'];
  let reachedApproval = false;

  const actionOf = (phase: Phase, id: string): CatalogAction => (phase === 'rollback' ? rollbacks.get(id)! : forward.find((a) => a.id === id)!);
  const attemptsOf = (phase: Phase, id: string) => {
    const key = `${phase}:${id}`;
    if (!attempts.has(key)) attempts.set(key, []);
    return attempts.get(key)!;
  };
  const failsNow = (phase: Phase, action: CatalogAction, attempt: number): boolean =>
    phase === 'forward' && scenario.kind === 'action-fails' && scenario.actionId === action.id && attempt <= (scenario.attempt ?? retryOf(action).maxAttempts);

  /** An attempt that failed: a retry after the policy's backoff while attempts are left, else the action fails. */
  const failAttempt = (phase: Phase, action: CatalogAction, attempt: number, code: string, message: string, retryable: boolean): Record<string, unknown> => {
    const list = attemptsOf(phase, action.id);
    const retry = retryOf(action);
    const failed = list.filter((a) => a.outcome !== 'succeeded').length + 1;
    if (retryable && failed < retry.maxAttempts) {
      list.push({ attempt, outcome: 'retry', message });
      waits.push(retry.delaysSeconds[failed - 1] ?? retry.intervalSeconds);
      return { outcome: 'retry', delaySeconds: 0 };
    }
    list.push({ attempt, outcome: 'failed', message });
    return { outcome: 'failed', code, message };
  };
  const scenarioFailure = (action: CatalogAction, attempt: number) => {
    const message = action.type === 'terraform' ? `the Terraform run errored (simulated, attempt ${attempt})` : `attempt ${attempt} failed (simulated)`;
    return failAttempt('forward', action, attempt, 'simulated', message, scenario.kind === 'action-fails' && scenario.retryable !== false);
  };
  const cancelNow = () => scenario.kind === 'cancel' && (!scenario.afterAction || succeeded.includes(scenario.afterAction) || skipped.has(scenario.afterAction));

  const steps: Record<string, (event: StepEvent, phase: Phase) => SimulatedStep> = {
    validate: () => {
      marks.push({ seconds: 0, note: `${approvalRequired ? 'needs approval' : 'needs no approval'}; fulfilled ${doc.fulfillment.type === 'manual' ? 'by hand (a ticket for the owning team)' : `by ${forward.length - skipped.size} action(s)`}` });
      return { result: { valid: true, cancelled: false, approval: approvalRequired, approvalTimeoutSeconds: approvalSeconds, fulfillment: doc.fulfillment.type } };
    },
    quota: () => {
      marks.push({ seconds: 0, note: quota.message });
      return { result: quota.decision === 'over' ? { passed: false, message: quota.message } : { passed: true } };
    },
    'approval-open': () => {
      reachedApproval = true;
      const rule = approval.rule;
      const who = [...(rule?.approvers.roles ?? []).map((r) => `the ${r} role`), ...(rule?.approvers.teams ?? []).map((t) => `team ${t}`), ...(rule?.approvers.principals ?? [])].join(rule?.mode === 'all' ? ' and ' : ' or ');
      marks.push({ seconds: 0, upToSeconds: approvalSeconds, note: `waits for ${who}: ${rejected ? 'rejected' : 'approved'} (simulated)` });
      return rejected ? { fail: { error: 'Apollo.ApprovalRejected', cause: 'rejected (simulated)' } } : { resume: { approved: true } };
    },
    queue: () => {
      marks.push({ seconds: 0, note: 'a fulfilment slot is free (simulated)' });
      return { result: { admitted: true } };
    },
    'manual-open': () => {
      const preview = previews.get(`forward:${TICKET}`);
      end.ticketOpened = preview !== undefined;
      marks.push({
        seconds: 0, ...(preview ? { actionId: TICKET } : {}),
        note: `the ${doc.metadata.owner} team is asked to fulfil it by hand${preview ? `: a JIRA ticket${preview.wouldCall ? ` (${preview.wouldCall}, not called)` : ''}` : ' (no JIRA ticket: JIRA is not configured)'}`,
      });
      return { result: { outcome: 'waiting', pollSeconds: 60 } };
    },
    'manual-wait': () => {
      marks.push({ seconds: 0, note: 'waits for the owning team' });
      return { resume: { woken: true } };
    },
    'manual-check': () => {
      const cancel = scenario.kind === 'cancel';
      marks.push({ seconds: 0, note: cancel ? 'cancelled while the owning team works on it (simulated)' : 'the owning team marked it done (simulated)' });
      return { result: { outcome: cancel ? 'cancelled' : 'succeeded' } };
    },
    'next-action': (_event, phase) => {
      if (phase === 'rollback') {
        const step = rollbackPlan.find((s) => !rolledBack.has(s.id));
        marks.push({ seconds: 0, ...(step ? { actionId: step.id, note: `next: ${step.name} (undoes ${step.forActionId})` } : { note: 'nothing left to undo' }) });
        return { result: step ? { done: false, cancel: false, actionId: step.id, index: forward.findIndex((a) => a.id === step.forActionId), attempt: 1 } : { done: true, cancel: false } };
      }
      if (cancelNow()) {
        marks.push({ seconds: 0, note: 'a cancellation is noticed (simulated)' });
        return { result: { done: false, cancel: true } };
      }
      const next = plan.find((p) => !p.skipped && !succeeded.includes(p.id));
      if (!next) {
        marks.push({ seconds: 0, note: 'every action has succeeded' });
        return { result: { done: true, cancel: false } };
      }
      const attempt = attemptsOf('forward', next.id).length + 1;
      marks.push({ seconds: 0, actionId: next.id, attempt, note: `next: ${next.name}, attempt ${attempt}` });
      return { result: { done: false, cancel: false, actionId: next.id, index: next.index, attempt } };
    },
    'action-start': (event, phase) => {
      const action = actionOf(phase, String(event.actionId));
      const attempt = Number(event.attempt);
      const preview = previews.get(`${phase}:${action.id}`);
      const mark: Mark = { seconds: CALL_SECONDS, actionId: action.id, attempt, upToSeconds: isAsyncType(action.type) ? undefined : timeoutOf(action) };
      marks.push(mark);
      if (preview?.fails) {
        mark.note = `would fail: ${preview.fails.message}`;
        return { result: failAttempt(phase, action, attempt, preview.fails.code, preview.fails.message, false) };
      }
      if (isAsyncType(action.type)) {
        mark.note = `starts ${action.type === 'terraform' ? 'a Terraform run' : action.type === 'jira' ? 'a JIRA ticket' : 'a GitHub workflow run'}${preview?.wouldCall ? ` (${preview.wouldCall}, not called)` : ''}`;
        return { result: { outcome: 'waiting', pollSeconds: 1 } };
      }
      if (failsNow(phase, action, attempt)) {
        const result = scenarioFailure(action, attempt);
        mark.note = `${String(result.outcome === 'retry' ? `fails, retried after ${waits.at(-1)} s` : 'fails for good')} (simulated)`;
        return { result };
      }
      attemptsOf(phase, action.id).push({ attempt, outcome: 'succeeded' });
      mark.note = `${preview?.wouldCall ?? 'calls'} (not called): succeeds (simulated)`;
      return { result: { outcome: 'succeeded' } };
    },
    'action-wait': (event, phase) => {
      const action = actionOf(phase, String(event.actionId));
      const poll = POLL_SECONDS[action.type] ?? 30;
      marks.push({ seconds: poll, upToSeconds: timeoutOf(action), actionId: action.id, attempt: Number(event.attempt), note: `waits for the run: its webhook wakes the wait, else a check every ${poll} s` });
      return { resume: { woken: true } };
    },
    'action-check': (event, phase) => {
      const action = actionOf(phase, String(event.actionId));
      const attempt = Number(event.attempt);
      const mark: Mark = { seconds: 0, actionId: action.id, attempt };
      marks.push(mark);
      if (failsNow(phase, action, attempt)) {
        startedThenFailed.add(action.id);
        const result = scenarioFailure(action, attempt);
        mark.note = `${result.outcome === 'retry' ? `the run failed: retried after ${waits.at(-1)} s` : 'the run failed for good'} (simulated)`;
        return { result };
      }
      attemptsOf(phase, action.id).push({ attempt, outcome: 'succeeded' });
      mark.note = 'the run succeeded (simulated)';
      return { result: { outcome: 'succeeded' } };
    },
    'action-collect': (event, phase) => {
      const action = actionOf(phase, String(event.actionId));
      if (phase === 'rollback') {
        rolledBack.add(action.id);
        marks.push({ seconds: 0, actionId: action.id, note: 'undone' });
      } else {
        succeeded.push(action.id);
        startedThenFailed.delete(action.id);
        marks.push({ seconds: 0, actionId: action.id, note: `outputs collected: ${(action.outputs ?? []).map((o) => o.name).join(', ') || 'none'}` });
      }
      return { result: {} };
    },
    'rollback-begin': (event) => {
      const kind = (event.failure as { kind?: string } | undefined)?.kind;
      const reason = kind === 'cancelled' ? 'cancel' : kind === 'deprovision' ? 'deprovision' : 'failure';
      if (!automated || (reason === 'failure' && automated.onFailure === 'keep')) {
        marks.push({ seconds: 0, note: automated ? 'what was done is kept for inspection (onFailure: keep)' : 'nothing to undo' });
        return { result: { needed: false, reason } };
      }
      const done = new Set([...succeeded, ...startedThenFailed]);
      const stays: string[] = [];
      for (const action of [...forward].reverse()) {
        if (!done.has(action.id)) continue;
        const rollback = action.rollback ? rollbacks.get(action.rollback) : undefined;
        if (rollback) rollbackPlan.push({ id: rollback.id, name: rollback.name ?? rollback.id, forActionId: action.id });
        else stays.push(action.id);
      }
      marks.push({ seconds: 0, note: `${rollbackPlan.length ? `rolls back: ${rollbackPlan.map((p) => `${p.name} (undoes ${p.forActionId})`).join(', then ')}` : 'nothing to undo with a rollback'}${stays.length ? `; ${stays.join(', ')} name no rollback and stay` : ''}` });
      return { result: { needed: rollbackPlan.length > 0, reason } };
    },
    complete: () => {
      end.outcome = 'completed';
      marks.push({ seconds: 0, note: 'completed: every action succeeded' });
      return { result: {} };
    },
    cancelled: () => {
      end.outcome = 'cancelled';
      marks.push({ seconds: 0, note: `cancelled${rolledBack.size ? `; undone: ${rollbackPlan.map((p) => p.forActionId).join(', ')}` : ''}` });
      return { result: {} };
    },
    fail: (event) => {
      end.outcome = 'failed';
      failure = failureOf(event.failure as Record<string, unknown> | undefined, attempts);
      marks.push({ seconds: 0, note: `failed: ${failure.message}` });
      return { result: {} };
    },
  };

  const run = refusals.length ? { entered: [] } : await runSimulated((event) => {
    const phase: Phase = event.phase === 'rollback' ? 'rollback' : 'forward';
    const step = steps[event.step];
    if (!step) {
      marks.push({ seconds: 0, note: `step ${event.step} is not simulated` });
      return { result: {} };
    }
    return step(event, phase);
  });
  if (refusals.length) {
    end.outcome = 'refused';
    failure = { kind: 'refused', message: `a request with these values is refused at submit, so nothing would run: ${refusals.map((p) => p.message.replace(/: a request with these values is refused at submit$/, '')).join('; ')}` };
  }

  // ---------------------------------------------------------------- the answer
  const path: PathEntry[] = [];
  let clock = start.getTime();
  let phase: Phase = 'forward';
  for (const { state, type } of run.entered) {
    if (state === 'RollbackPhase') phase = 'rollback';
    const mark = type === 'Task' ? marks.shift() : type === 'Wait' ? { seconds: waits.shift() ?? 0, note: 'the retry policy\'s backoff (plus up to 20 % jitter)' } : undefined;
    const entry: PathEntry = {
      state, type, phase, at: new Date(clock).toISOString(), seconds: mark?.seconds ?? 0,
      ...(mark?.upToSeconds !== undefined ? { upToSeconds: mark.upToSeconds } : {}),
      ...(mark?.actionId ? { actionId: mark.actionId } : {}),
      ...(mark?.attempt ? { attempt: mark.attempt } : {}),
      ...(mark?.note ? { note: mark.note } : {}),
    };
    path.push(entry);
    clock += entry.seconds * 1000;
  }

  const actions: ActionEntry[] = [];
  for (const action of forward) {
    const list = attemptsOf('forward', action.id);
    const last = list.at(-1);
    const state: ActionEntry['outcome'] = skipped.has(action.id) ? 'skipped' : succeeded.includes(action.id) ? 'succeeded' : last?.outcome === 'failed' ? 'failed' : 'not-reached';
    actions.push(entryOf(action, 'forward', state === 'not-reached' && end.outcome === 'cancelled' ? 'cancelled' : state, list, previews.get(`forward:${action.id}`), { rollback: action.rollback ?? null, ...(succeeded.includes(action.id) ? { outputs: simulatedOutputs(action) } : {}) }));
  }
  if (ticket && previews.has(`forward:${TICKET}`)) {
    actions.push(entryOf(ticket, 'forward', end.ticketOpened ? 'succeeded' : 'not-reached', [], previews.get(`forward:${TICKET}`), { rollback: null }));
  }
  for (const step of rollbackPlan) {
    const action = rollbacks.get(step.id)!;
    actions.push(entryOf(action, 'rollback', rolledBack.has(step.id) ? 'succeeded' : 'not-reached', attemptsOf('rollback', step.id), previews.get(`rollback:${step.id}`), { forActionId: step.forActionId }));
  }

  const simulatedSeconds = Math.round((clock - start.getTime()) / 1000);
  const slaSeconds = doc.metadata.sla ? durationSeconds(doc.metadata.sla.fulfillmentTime, 0) : 0;
  const typical = await typicalDurationMs(doc.metadata.id);
  const expectedDuration: SimulationResult['expectedDuration'] = typical !== undefined
    ? { source: 'past-runs', seconds: Math.round(typical / 1000), simulatedSeconds, ...(slaSeconds ? { slaSeconds } : {}) }
    : slaSeconds ? { source: 'sla', seconds: slaSeconds, slaSeconds, simulatedSeconds } : { source: 'none', simulatedSeconds };

  return {
    offering: { id: doc.metadata.id, name: doc.metadata.name, version, fulfillment: doc.fulfillment.type, from },
    requester: { principal: caller.principal, team, environment },
    fields: Object.fromEntries(Object.entries(values).map(([id, v]) => [id, secretFields.includes(id) && v !== undefined && v !== '' ? MASK : v])),
    scenario: scenario as Record<string, unknown>,
    outcome: end.outcome,
    ...(failure ? { failure } : {}),
    path,
    actions,
    rollback: rollbackPlan,
    // Asked for but never reached: the run ended before (over quota) or never started (refused at submit).
    approval: approvalRequired && !reachedApproval ? { ...approval, decision: 'not-reached' } : approval,
    quota,
    expectedDuration,
    problems,
    engine: { definition: 'state-machines/fulfillment.asl.json', runtime: 'aws-local-stepfunctions (in process)', outsideCalls: 0 },
  };
}

function entryOf(action: CatalogAction, phase: Phase, outcome: ActionEntry['outcome'], attempts: ActionEntry['attempts'], preview: ActionPreview | undefined, extra: Partial<ActionEntry>): ActionEntry {
  return {
    id: action.id, name: action.name ?? action.id, type: action.type, phase, outcome, retry: retryOf(action), timeoutSeconds: timeoutOf(action),
    ...(isAsyncType(action.type) ? { pollSeconds: POLL_SECONDS[action.type] ?? 30 } : {}),
    attempts: [...attempts],
    ...(preview?.input ? { input: preview.input } : {}),
    ...(preview?.wouldCall ? { wouldCall: preview.wouldCall } : {}),
    ...extra,
  };
}
