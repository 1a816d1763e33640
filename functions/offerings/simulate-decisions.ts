/**
 * The dry run's decisions that need no engine: the sample values, the scenario's check, each action's retry and
 * timeout settings as the fulfilment's steps read them, the quota decision (the team's use against its limits,
 * read only), the failure in words. ./simulate.ts runs the state machine with them.
 */
import type { CatalogAction, CatalogItemV2, SimulationRequest, SimulationResult } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { checkFormValues } from '#shared/offerings/form';
import { MASK } from '#shared/variables/index';
import { checkQuota, durationSeconds, FAILURE_MESSAGES, isAsyncType } from '#functions/requests/public';
import type { SimulationProblem } from './simulate-actions.ts';

export type Scenario = NonNullable<SimulationRequest['scenario']>;
type ActionEntry = SimulationResult['actions'][number];

// As the fulfilment's steps (functions/requests/step-runner.ts) decide them.
export const DEFAULT_APPROVAL_SECONDS = 7 * 86400;
const DEFAULT_SYNC_TIMEOUT_SECONDS = 30;
const MAX_SYNC_TIMEOUT_SECONDS = 50;
const DEFAULT_ASYNC_TIMEOUT_SECONDS = 3600;
export const POLL_SECONDS: Record<string, number> = { terraform: 15, 'github-workflow': 30, jira: 30 };
/** Simulated time of a call that starts or is the whole action. */

/**
 * The sample values: each field's literal default, then the body's values, then the environment asked for; a
 * required field still empty gets a stand-in (its placeholder, first option, minimum…), said in an info problem.
 */
export function valuesOf(doc: CatalogItemV2, body: SimulationRequest, problems: SimulationProblem[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of doc.presentation.fields) {
    if (field.default !== undefined && !(typeof field.default === 'string' && field.default.includes('{{'))) values[field.id] = field.default;
  }
  Object.assign(values, body.fields ?? {});
  const hasEnvironment = doc.presentation.fields.some((f) => f.id === 'environment');
  if (body.environment !== undefined && hasEnvironment) values.environment = body.environment;
  for (const issue of checkFormValues(doc, values)) {
    const field = doc.presentation.fields.find((f) => `/${f.id}` === issue.path);
    if (issue.code === 'not-an-option' && field?.dataSource) continue; // its options are the requester's (a service, a team)
    if (issue.code === 'required' && field) {
      values[field.id] = sampleValue(field);
      problems.push({ severity: 'info', code: 'sample-value', message: `field ${field.id} has no value: simulated with ${field.type === 'secret' ? MASK : JSON.stringify(values[field.id])}` });
      continue;
    }
    problems.push({ severity: 'error', code: 'field', message: `field ${issue.path.slice(1) || '(values)'} ${issue.message}: a request with these values is refused at submit` });
  }
  return values;
}

/** A value a required field could have, for the dry run only. */
export function sampleValue(field: CatalogItemV2['presentation']['fields'][number]): unknown {
  const option = field.options?.[0];
  if (option !== undefined) return typeof option === 'object' && option !== null ? option.value : option;
  const v = field.validation ?? {};
  switch (field.type) {
    case 'boolean': return false;
    case 'number': case 'integer': return v.min ?? 1;
    case 'multiselect': return [];
    case 'email': return 'someone@example.com';
    case 'url': return 'https://example.com';
    case 'date': return '2030-01-01';
    case 'secret': return 'simulated-secret-field';
    default: {
      const text = field.placeholder ?? `sample-${field.id}`.replace(/_/g, '-');
      return v.minLength && text.length < v.minLength ? text.padEnd(v.minLength, 'x') : text;
    }
  }
}

export function checkScenario(doc: CatalogItemV2, scenario: Scenario): void {
  const forward = doc.fulfillment.type === 'automated' ? doc.fulfillment.actions.map((a) => a.id) : [];
  const named = scenario.kind === 'action-fails' ? { id: scenario.actionId, path: '/body/scenario/actionId' } : scenario.kind === 'cancel' && scenario.afterAction ? { id: scenario.afterAction, path: '/body/scenario/afterAction' } : undefined;
  if (named && !forward.includes(named.id)) {
    throw new ValidationError(`the scenario names ${named.id}, which is not an action of ${doc.metadata.id}`, { details: [{ path: named.path, message: `not one of its actions (${forward.join(', ') || 'it has none'})` }] });
  }
}

export function retryOf(action: CatalogAction): ActionEntry['retry'] {
  const policy = action.retry;
  const maxAttempts = policy?.maxAttempts ?? 1;
  const interval = durationSeconds(policy?.interval, 5);
  const max = durationSeconds(policy?.maxInterval, 3600);
  const backoff = policy?.backoff === 'fixed' ? 'fixed' : 'exponential';
  const delaysSeconds = Array.from({ length: maxAttempts - 1 }, (_, i) => Math.max(1, Math.min(max, backoff === 'fixed' ? interval : interval * 2 ** i)));
  return { maxAttempts, backoff, intervalSeconds: interval, maxIntervalSeconds: max, delaysSeconds };
}

export const timeoutOf = (action: CatalogAction): number => (isAsyncType(action.type)
  ? durationSeconds(action.timeout, DEFAULT_ASYNC_TIMEOUT_SECONDS)
  : Math.min(MAX_SYNC_TIMEOUT_SECONDS, durationSeconds(action.timeout, DEFAULT_SYNC_TIMEOUT_SECONDS)));

/** The outputs a later template reads: a recognisable stand-in for each declared output. */
export const simulatedOutputs = (action: CatalogAction): Record<string, unknown> =>
  Object.fromEntries((action.outputs ?? []).map((o) => [o.name, `simulated-${action.id}-${o.name}`.toLowerCase().replace(/[^a-z0-9-]/g, '-')]));

/**
 * The quota decision submit would make, read only: the requests context's own check (every quota the offering
 * declares, counts and sums from the sample values, each in the request's environment and across environments), so
 * the dry run and submit never disagree. Shown: the quota that would refuse it, else the first.
 */
export async function quotaDecision(doc: CatalogItemV2, team: string | null, values: Readonly<Record<string, unknown>>, problems: SimulationProblem[]): Promise<SimulationResult['quota']> {
  const check = await checkQuota(doc, values, team);
  const shown = check.claims.find((c) => !c.fits) ?? check.claims[0];
  if (check.decision === 'over') problems.push({ severity: 'error', code: 'over-quota', message: `refused at submit: ${check.message}` });
  if (!shown) return { decision: check.decision, ...(doc.quota ? { resource: doc.quota.resource, amount: doc.quota.amount ?? 0, unit: doc.quota.unit ?? null } : {}), message: check.message };
  return {
    decision: check.decision, resource: shown.resource, amount: shown.amount, unit: shown.unit,
    scopes: shown.scopes.map(({ environment, limit, used, reserved }) => ({ environment, limit, used, reserved })),
    message: check.message,
  };
}

export function failureOf(raw: Record<string, unknown> | undefined, attempts: ReadonlyMap<string, ActionEntry['attempts']>): NonNullable<SimulationResult['failure']> {
  const kind = typeof raw?.kind === 'string' ? raw.kind : 'internal';
  const actionId = typeof raw?.actionId === 'string' ? raw.actionId : undefined;
  const cause = typeof raw?.message === 'string' ? raw.message : kind === 'internal' ? JSON.stringify(raw?.error ?? {}) : undefined;
  const tries = actionId ? (attempts.get(`forward:${actionId}`)?.length ?? 0) : 0;
  const message = `${FAILURE_MESSAGES[kind] ?? kind}${actionId ? ` (${actionId}${tries > 1 ? `, after ${tries} attempts` : ''})` : ''}${cause ? `: ${cause}` : ''}`;
  return { kind, ...(actionId ? { actionId } : {}), message };
}

/** The environment variables templates may read (APOLLO_TEMPLATE_ENV), as the fulfilment's steps read them. */
export function templateEnv(): Record<string, string> {
  const names = (process.env.APOLLO_TEMPLATE_ENV ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  return Object.fromEntries(names.flatMap((name) => (process.env[name] !== undefined ? [[name, process.env[name]!]] : [])));
}
