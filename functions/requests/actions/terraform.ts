/**
 * The Terraform action on the HCP Terraform / Terraform Enterprise API v2 (docs PROTOCOLS.md §1), as an
 * async action (ports.ts): start → wait → check → collect, and cancel.
 *
 * - start renders the config (secrets fetched first, the input recorded masked), finds the workspace by
 *   name in the organization (created when absent), makes sure the workspace notifies Apollo of its runs
 *   (terraform-notifications.ts: a notification configuration to Apollo's webhook, once per workspace per
 *   container; without one, or when it cannot be set up, the wait polls), then reuses the run whose message carries the
 *   idempotency key (`Apollo <key>`: a crash between "created" and "recorded" does not start a second
 *   one; a run of that key that failed is not reused, so a retry starts afresh) or creates one with the
 *   variables as run-level HCL literals;
 * - check reads the run's status (Terraform is the truth; its notifications only wake the wait, else a poll
 *   every TERRAFORM_POLL_SECONDS does);
 * - collect reads the workspace's current state outputs (retrying while Terraform still processes the new
 *   state: 503) and the declared outputs by JSON pointer into `{ <output name>: <value> }`; outputs
 *   Terraform marks sensitive are revealed one by one, returned, and listed as sensitive;
 * - cancel discards a run waiting for its confirmation or cancels one running (a 409 is ignored).
 *
 * Every call goes through the egress guard and the origin's circuit breaker (attempt.ts), with
 * `Authorization: Bearer <token>` (the action's `token`, default `{{secrets.tf_token}}`).
 */
import type { ActionOutput, TerraformAction, TerraformActionConfig } from '#schemas/index.ts';
import { ActionFailure, Attempt, type ExecutorDeps } from './attempt.ts';
import type { HttpResponse } from './http.ts';
import { logOutputs, pointerGet } from './outputs.ts';
import type { ActionLogLine, ActionRun, AsyncActionExecutor, AsyncRun, CheckResult, CollectResult, ExternalRef, StartResult } from './ports.ts';
import { ensureNotifications, PUBLIC_URL_ENV } from './terraform-notifications.ts';

/** Where Terraform runs when the action names no host (a Terraform Enterprise address, or the local fake). */
export const TERRAFORM_HOST_ENV = 'APOLLO_TERRAFORM_HOST';
export const DEFAULT_TERRAFORM_HOST = 'https://app.terraform.io';
/**
 * The OAuth token id (`ot-…`) of the organization's VCS connection: with it a workspace Apollo creates is
 * mapped to the action's repository; without it the workspace is created with no VCS (see createWorkspace).
 */
export const TERRAFORM_OAUTH_TOKEN_ENV = 'APOLLO_TERRAFORM_OAUTH_TOKEN_ID';
/** The integration secret used when the action names no token. */
export const TERRAFORM_TOKEN_SECRET = 'tf_token';
export const JSON_API = 'application/vnd.api+json';
/** Seconds between checks when no notification wakes the wait. */
export const TERRAFORM_POLL_SECONDS = 15;

/** A start is one Lambda task (under 60 s); a check, a collect or a cancel less. */
const START_BUDGET_MS = 45_000;
/** Setting up the workspace's notifications (Terraform verifies Apollo's webhook meanwhile) within the start's budget. */
const NOTIFICATIONS_BUDGET_MS = 15_000;
const CALL_BUDGET_MS = 25_000;
const WORKSPACE_NAME = /^[A-Za-z0-9_-]{1,90}$/;

const SUCCEEDED = new Set(['applied', 'planned_and_finished']);
const FAILED = new Set(['errored', 'canceled', 'force_canceled', 'discarded', 'policy_soft_failed']);
/** A plan waits here for a person (or `actions/apply`) when auto-apply is off. */
const AWAITING_CONFIRMATION = new Set(['planned', 'cost_estimated', 'policy_checked', 'policy_override', 'post_plan_completed']);

export interface TerraformExecutorOptions {
  /** Reads of the state's outputs while Terraform answers 503 (still processing the new state; default 5). */
  readonly outputAttempts?: number;
  /** The first wait between those reads, doubled each time, at most 4 s (default 1 s). */
  readonly outputBackoffMs?: number;
  /**
   * Apollo's public base URL, whose `/api/v1/webhooks/terraform` the workspaces' notifications go to; null:
   * none, the runs are polled (default: APOLLO_PUBLIC_URL when the start runs).
   */
  readonly publicUrl?: string | null;
  /** Names the notification configuration `Apollo (<stage>)` (default: APOLLO_STAGE). */
  readonly stage?: string;
}

interface RunAttributes {
  readonly status?: string;
  readonly message?: string;
  readonly 'auto-apply'?: boolean;
  readonly 'is-destroy'?: boolean;
  readonly actions?: Readonly<Record<string, boolean>>;
}

interface RunDoc {
  readonly id: string;
  readonly attributes: RunAttributes;
}

interface OutputDoc {
  readonly id: string;
  readonly attributes: { readonly name: string; readonly sensitive?: boolean; readonly value?: unknown };
}

export function terraformExecutor(deps: ExecutorDeps, options: TerraformExecutorOptions = {}): AsyncActionExecutor {
  return new TerraformExecutor(deps, options);
}

/** `Apollo <key>`: the run message that marks a run as this attempt's (and finds it again). */
export const runMessage = (idempotencyKey: string): string => `Apollo ${idempotencyKey}`;

class TerraformExecutor implements AsyncActionExecutor {
  constructor(private readonly deps: ExecutorDeps, private readonly options: TerraformExecutorOptions) {}

  async start(run: AsyncRun): Promise<StartResult> {
    const attempt = attemptFor(run, this.deps, START_BUDGET_MS);
    try {
      const action = terraformAction(run);
      const config = action.config;
      const host = hostOf(config);
      const operation = config.operation ?? 'apply';
      const autoApply = config.autoApply ?? true;
      const message = runMessage(run.idempotencyKey);
      const { preview, execute } = await attempt.render(withToken(config));
      attempt.input = {
        host,
        organization: config.organization,
        workspace: preview.workspace,
        operation,
        autoApply,
        message,
        variables: preview.variables ?? {},
        auth: 'bearer',
      };
      const rendered = execute();
      const workspaceName = String(rendered.workspace ?? '');
      if (!WORKSPACE_NAME.test(workspaceName)) throw new ActionFailure('template', `the workspace name '${workspaceName}' is not valid in Terraform (letters, digits, - and _, at most 90)`, false);
      const token = tokenOf(attempt, rendered.token);
      const api = new TerraformApi(attempt, host, token);
      const variables = runVariables(rendered.variables);

      const workspaceId = await findOrCreateWorkspace(api, attempt, config, workspaceName, autoApply);
      await this.notifications(run, attempt, host, token, { id: workspaceId, label: `${config.organization}/${workspaceName}` });
      let runDoc = await findRun(api, workspaceId, message);
      if (runDoc) {
        attempt.log('info', `reusing run ${runDoc.id} (${runDoc.attributes.status ?? 'unknown status'}), started earlier for this action (${message})`);
      } else {
        runDoc = await createRun(api, workspaceId, { message, isDestroy: operation === 'destroy', autoApply, variables });
        attempt.log('info', `started ${operation === 'destroy' ? 'a destroy run' : 'a run'} ${runDoc.id} in ${config.organization}/${workspaceName}${autoApply ? '' : ' (auto-apply off: it waits for a confirmation in Terraform)'}`);
      }
      const ref: ExternalRef = {
        system: 'terraform',
        id: runDoc.id,
        url: runUrl(host, config.organization, workspaceName, runDoc.id),
        details: { host, workspaceId, organization: config.organization, workspace: workspaceName, ...(runDoc.attributes.status ? { status: runDoc.attributes.status } : {}) },
      };
      const done = attempt.succeed({}, [], 201);
      return { outcome: 'started', retryable: false, ref, input: done.input, durationMs: done.durationMs, logs: done.logs, pollSeconds: TERRAFORM_POLL_SECONDS };
    } catch (error) {
      const failed = attempt.fail(error);
      return {
        outcome: 'failed', retryable: failed.retryable, input: failed.input, ...(failed.error ? { error: failed.error } : {}),
        ...(failed.retryAfterMs !== undefined ? { retryAfterMs: failed.retryAfterMs } : {}), durationMs: failed.durationMs, logs: failed.logs,
      };
    }
  }

  async check(run: AsyncRun, ref: ExternalRef): Promise<CheckResult> {
    const attempt = attemptFor(run, this.deps, CALL_BUDGET_MS);
    try {
      const api = await this.api(attempt, run, ref);
      const response = await api.call('GET', `/runs/${encodeURIComponent(ref.id)}`);
      if (response.status === 404) throw new ActionFailure('http-status', `Terraform has no run ${ref.id} (404): it was deleted, or the token can no longer see its workspace`, false, { status: 404 });
      if (response.status !== 200) throw api.failure(`reading run ${ref.id}`, response);
      const doc = readRun(response);
      const status = doc.attributes.status ?? 'unknown';
      const previous = ref.details?.status;
      const changed = previous !== status;
      const updated: ExternalRef | undefined = changed ? { ...ref, details: { ...ref.details, status } } : undefined;
      const logs: ActionLogLine[] = changed ? [{ severity: 'info', message: `Terraform run ${ref.id}: ${previous ? `${previous} → ` : ''}${status}` }] : [];
      const keep = updated ? { ref: updated } : {};

      if (SUCCEEDED.has(status)) return { state: 'succeeded', message: status, logs, ...keep };
      if (FAILED.has(status)) {
        const why = status === 'policy_soft_failed' ? ' (a soft-mandatory policy failed: override it in Terraform, or change the request)' : '';
        const text = `the Terraform run ended ${status}${why}: ${ref.url ?? ref.id}`;
        return { state: 'failed', retryable: false, message: status, error: { code: 'terraform-run', message: text }, logs: [...logs, { severity: 'error', message: text }], ...keep };
      }
      const confirmable = doc.attributes.actions?.['is-confirmable'] ?? (AWAITING_CONFIRMATION.has(status) && doc.attributes['auto-apply'] === false);
      if (confirmable) return { state: 'running', message: `${status}: waiting for a confirmation in Terraform (auto-apply is off)${ref.url ? ` at ${ref.url}` : ''}`, logs, ...keep };
      return { state: 'running', message: status, logs, ...keep };
    } catch (error) {
      const failure = asFailure(error);
      const message = attempt.scrub(failure.message);
      // A transient failure to ask is not the run failing: the next check asks again (the action's timeout bounds it).
      // Nor is an answer nobody can read (a proxy's error page): the run goes on in Terraform whatever its reader
      // saw, and failing the request would roll back (destroy) what it may be applying.
      if (failure.retryable || failure.code === 'invalid-response') return { state: 'running', message: `could not ask Terraform: ${message}`, logs: [{ severity: 'warn', message: `could not read run ${ref.id}: ${message}` }] };
      return { state: 'failed', retryable: false, error: { code: failure.code, message }, logs: [{ severity: 'error', message }] };
    }
  }

  async collect(run: AsyncRun, ref: ExternalRef): Promise<CollectResult> {
    const attempt = attemptFor(run, this.deps, CALL_BUDGET_MS);
    const declared = run.action.outputs ?? [];
    // A destroy leaves no outputs: none is required of it.
    const optional = run.action.type === 'terraform' && run.action.config.operation === 'destroy';
    try {
      if (declared.length === 0) return { outputs: {}, sensitive: [], logs: [] };
      const api = await this.api(attempt, run, ref);
      const workspaceId = String(ref.details?.workspaceId ?? '');
      if (!workspaceId) throw new ActionFailure('internal', `the run ${ref.id} was recorded without its workspace`, false);
      const state = await this.stateOutputs(api, attempt, workspaceId);
      const { outputs, sensitive, missing } = await readDeclared(api, declared, state);
      if (missing.length > 0 && !optional) {
        const has = state.length > 0 ? `; the state has ${state.map((o) => o.attributes.name).join(', ')}` : '; the workspace has no outputs';
        throw new ActionFailure('missing-output', `the Terraform state lacks the declared output${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${has}`, false);
      }
      logOutputs(attempt, outputs, sensitive);
      return { outputs, sensitive, logs: attempt.succeed({}, [], 200).logs };
    } catch (error) {
      const failed = attempt.fail(error);
      return { outputs: {}, sensitive: [], ...(failed.error ? { error: failed.error } : {}), logs: failed.logs };
    }
  }

  async cancel(run: AsyncRun, ref: ExternalRef): Promise<void> {
    const attempt = attemptFor(run, this.deps, CALL_BUDGET_MS);
    try {
      const api = await this.api(attempt, run, ref);
      const path = `/runs/${encodeURIComponent(ref.id)}`;
      const current = await api.call('GET', path);
      let first: 'discard' | 'cancel' = 'cancel';
      if (current.status === 200) {
        const { status, actions } = readRun(current).attributes;
        if (status && (SUCCEEDED.has(status) || FAILED.has(status))) return;
        if (actions?.['is-discardable'] ?? (status !== undefined && AWAITING_CONFIRMATION.has(status))) first = 'discard';
      }
      const body = { comment: `Cancelled in Apollo (request ${run.requestId})` };
      const answer = await api.call('POST', `${path}/actions/${first}`, body);
      // 409: not in a state for it (e.g. a pending run that can only be discarded): try the other once.
      if (answer.status === 409) await api.call('POST', `${path}/actions/${first === 'cancel' ? 'discard' : 'cancel'}`, body);
    } catch {
      // Best effort: the request is cancelled whatever Terraform answers.
    }
  }

  /**
   * The workspace's notifications to Apollo, on a budget of their own (a slow verification must not starve the
   * run's creation); whatever happens is a log line of the attempt, never its failure.
   */
  private async notifications(run: AsyncRun, attempt: Attempt, host: string, token: string, workspace: { id: string; label: string }): Promise<void> {
    const own = attemptFor(run, this.deps, NOTIFICATIONS_BUDGET_MS);
    own.addSecret(token);
    const publicUrl = this.options.publicUrl === undefined ? process.env[PUBLIC_URL_ENV] : (this.options.publicUrl ?? undefined);
    await ensureNotifications(new TerraformApi(own, host, token), own, workspace, { publicUrl, stage: this.options.stage ?? process.env.APOLLO_STAGE, pollSeconds: TERRAFORM_POLL_SECONDS });
    for (const line of own.logs) attempt.log(line.severity, own.scrub(line.message));
  }

  /** The API client for a run started earlier: its recorded host, the token rendered again. */
  private async api(attempt: Attempt, run: AsyncRun, ref: ExternalRef): Promise<TerraformApi> {
    const action = terraformAction(run);
    const host = typeof ref.details?.host === 'string' ? ref.details.host : hostOf(action.config);
    const { execute } = await attempt.render({ token: action.config.token ?? `{{secrets.${TERRAFORM_TOKEN_SECRET}}}` });
    return new TerraformApi(attempt, host, tokenOf(attempt, execute().token));
  }

  /** The workspace's current state outputs (empty when it has no state), waiting out 503 (still processing). */
  private async stateOutputs(api: TerraformApi, attempt: Attempt, workspaceId: string): Promise<OutputDoc[]> {
    const tries = Math.max(1, this.options.outputAttempts ?? 5);
    let wait = this.options.outputBackoffMs ?? 1_000;
    const out: OutputDoc[] = [];
    let path: string | undefined = `/workspaces/${encodeURIComponent(workspaceId)}/current-state-version-outputs?page%5Bsize%5D=100`;
    for (let page = 0; path && page < 20; page++) {
      let response: HttpResponse | undefined;
      for (let i = 1; ; i++) {
        response = await api.call('GET', path);
        if (response.status !== 503 || i >= tries) break;
        attempt.log('debug', `Terraform is still processing the state's outputs (503): reading again in ${wait} ms`);
        await sleep(wait, attempt.signal);
        wait = Math.min(wait * 2, 4_000);
      }
      if (response.status === 404 && page === 0) return [];
      if (response.status === 503) throw new ActionFailure('http-status', `Terraform was still processing the state's outputs after ${tries} reads (503)`, true, { status: 503 });
      if (response.status !== 200) throw api.failure('reading the state outputs', response);
      const doc = parseBody(response) as { data?: OutputDoc[]; links?: { next?: string | null } } | undefined;
      if (!Array.isArray(doc?.data)) throw new ActionFailure('invalid-response', 'the state outputs are not a JSON:API list', false, { status: 200 });
      out.push(...doc.data.filter((o) => typeof o?.attributes?.name === 'string'));
      path = api.relative(doc.links?.next);
    }
    return out;
  }
}

// ---------------------------------------------------------------- the API

class TerraformApi {
  readonly base: string;

  constructor(private readonly attempt: Attempt, readonly host: string, private readonly token: string) {
    this.base = `${host}/api/v2`;
  }

  /** One call; answers whatever status (a network failure, timeout or open circuit throws ActionFailure). */
  async call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<HttpResponse> {
    const target = await this.attempt.vet(`${this.base}${path}`);
    const headers = { Authorization: `Bearer ${this.token}`, 'Content-Type': JSON_API, Accept: JSON_API };
    return this.attempt.exchange(target, method, headers, body === undefined ? undefined : JSON.stringify(body));
  }

  /** A `links.next` as a path under the API (only on the same origin). */
  relative(next: string | null | undefined): string | undefined {
    if (!next) return undefined;
    const url = new URL(next, this.base);
    const base = new URL(this.base);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return undefined;
    return `${url.pathname.slice(base.pathname.length)}${url.search}`;
  }

  /** A status that is not what was expected, in words: 401/403/404/422 not retryable, 429 and 5xx retryable. */
  failure(doing: string, response: HttpResponse, notFound?: string): ActionFailure {
    const base = this.attempt.statusFailure(`Terraform (${doing})`, response);
    const details = jsonApiErrors(response);
    const said = details ? `: ${details}` : '';
    let message: string | undefined;
    switch (response.status) {
      case 401:
        message = `Terraform refused the token (401) when ${doing}${said}; check the action's token (default {{secrets.${TERRAFORM_TOKEN_SECRET}}})`;
        break;
      case 403:
        message = `the token may not do this (403) when ${doing}${said}; it needs the team permission for it`;
        break;
      case 404:
        message = `${notFound ?? `not found (404) when ${doing}`}${said}`;
        break;
      case 422:
        message = `Terraform refused the request (422) when ${doing}${said}`;
        break;
    }
    return message === undefined ? base : new ActionFailure('http-status', message, base.retryable, base.extra);
  }
}

async function findOrCreateWorkspace(api: TerraformApi, attempt: Attempt, config: TerraformActionConfig, name: string, autoApply: boolean): Promise<string> {
  const org = encodeURIComponent(config.organization);
  const path = `/organizations/${org}/workspaces/${encodeURIComponent(name)}`;
  const found = await api.call('GET', path);
  if (found.status === 200) return resourceId(found, 'workspace');
  if (found.status !== 404) throw api.failure(`reading workspace ${config.organization}/${name}`, found);

  const attributes: Record<string, unknown> = {
    name,
    'auto-apply': autoApply,
    description: `Created by Apollo for self-service requests${config.repository ? ` (module ${config.repository}${config.directory ? `/${config.directory}` : ''}${config.ref ? ` at ${config.ref}` : ''})` : ''}.`,
    ...(config.directory ? { 'working-directory': config.directory } : {}),
  };
  // A VCS repository mapping needs the organization's VCS connection (`oauth-token-id`, or a GitHub App
  // installation id), which an offering does not carry: without APOLLO_TERRAFORM_OAUTH_TOKEN_ID the
  // workspace is created with no VCS, and its runs use the configuration uploaded to it (until someone
  // connects the repository in Terraform, a run on it fails for want of a configuration).
  const oauthTokenId = process.env[TERRAFORM_OAUTH_TOKEN_ENV];
  if (config.repository && oauthTokenId) {
    attributes['vcs-repo'] = { identifier: config.repository, 'oauth-token-id': oauthTokenId, ...(config.ref ? { branch: config.ref } : {}) };
  }
  const created = await api.call('POST', `/organizations/${org}/workspaces`, { data: { type: 'workspaces', attributes } });
  if (created.status === 201 || created.status === 200) {
    const id = resourceId(created, 'workspace');
    attempt.log('info', `workspace ${config.organization}/${name} did not exist: created it (${id})`);
    if (config.repository && !oauthTokenId) {
      attempt.log('warn', `workspace ${name} was created without its repository ${config.repository}: connecting a VCS repository needs the organization's OAuth token id (${TERRAFORM_OAUTH_TOKEN_ENV}); connect it in Terraform`);
    }
    return id;
  }
  if (created.status === 422) {
    // Another attempt may have created it a moment ago (the name is then taken): read it again.
    const again = await api.call('GET', path);
    if (again.status === 200) return resourceId(again, 'workspace');
  }
  throw api.failure(`creating workspace ${config.organization}/${name}`, created, `organization ${config.organization} was not found, or the token may not create workspaces in it (404)`);
}

/**
 * The newest run of this attempt's message that has not failed (a failed one is not reused: a retry starts
 * afresh). Asked with `search[basic]` (which searches run messages), then, in case that search does not
 * match within a message, among the workspace's 20 newest runs.
 */
async function findRun(api: TerraformApi, workspaceId: string, message: string): Promise<RunDoc | undefined> {
  const queries: Array<Record<string, string>> = [{ 'search[basic]': message.slice('Apollo '.length), 'page[size]': '20' }, { 'page[size]': '20' }];
  for (const query of queries) {
    const response = await api.call('GET', `/workspaces/${encodeURIComponent(workspaceId)}/runs?${new URLSearchParams(query).toString()}`);
    if (response.status !== 200) throw api.failure('listing the workspace\'s runs', response);
    // A list nobody can read is not "no run": taken for one, a second run would start.
    const doc = jsonBody(response, 'the workspace\'s runs') as { data?: RunDoc[] } | null;
    if (!Array.isArray(doc?.data)) throw new ActionFailure('invalid-response', 'Terraform answered the workspace\'s runs with something other than a JSON:API list', false, { status: response.status });
    for (const run of doc.data) {
      const text = run?.attributes?.message;
      if (typeof text !== 'string' || typeof run.id !== 'string') continue;
      const ours = text === message || (text.startsWith(message) && /\s/.test(text.charAt(message.length)));
      if (ours && !FAILED.has(run.attributes.status ?? '')) return run;
    }
  }
  return undefined;
}

async function createRun(api: TerraformApi, workspaceId: string, run: { message: string; isDestroy: boolean; autoApply: boolean; variables: Array<{ key: string; value: string }> }): Promise<RunDoc> {
  const body = {
    data: {
      type: 'runs',
      attributes: { message: run.message, 'is-destroy': run.isDestroy, 'auto-apply': run.autoApply, ...(run.variables.length > 0 ? { variables: run.variables } : {}) },
      relationships: { workspace: { data: { type: 'workspaces', id: workspaceId } } },
    },
  };
  const response = await api.call('POST', '/runs', body);
  if (response.status !== 201 && response.status !== 200) throw api.failure('creating the run', response, `the workspace ${workspaceId} was not found, or the token may not queue runs in it (404)`);
  return readRun(response);
}

/** Declared outputs by pointer into `{ name: value }`; a sensitive Terraform output is revealed only when a declared one reads it. */
async function readDeclared(api: TerraformApi, declared: readonly ActionOutput[], state: readonly OutputDoc[]): Promise<{ outputs: Record<string, unknown>; sensitive: string[]; missing: string[] }> {
  const doc: Record<string, unknown> = {};
  const byName = new Map(state.map((o) => [o.attributes.name, o]));
  for (const o of state) doc[o.attributes.name] = o.attributes.value;
  const outputs: Record<string, unknown> = {};
  const sensitive: string[] = [];
  const missing: string[] = [];
  for (const output of declared) {
    const pointer = output.from ?? `/${output.name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const top = pointer.split('/')[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
    const source = top === undefined ? undefined : byName.get(top);
    if (top !== undefined && source?.attributes.sensitive && doc[top] == null) doc[top] = await reveal(api, source);
    const found = pointerGet(doc, pointer);
    if (!found.found) {
      missing.push(`'${output.name}' (nothing at ${pointer || '(the whole state)'})`);
      continue;
    }
    outputs[output.name] = found.value;
    const secret = output.sensitive === true || (pointer === '' ? state.some((o) => o.attributes.sensitive) : source?.attributes.sensitive === true);
    if (secret) sensitive.push(output.name);
  }
  return { outputs, sensitive, missing };
}

async function reveal(api: TerraformApi, output: OutputDoc): Promise<unknown> {
  const response = await api.call('GET', `/state-version-outputs/${encodeURIComponent(output.id)}`);
  if (response.status !== 200) throw api.failure(`reading the sensitive output ${output.attributes.name}`, response);
  const doc = parseBody(response) as { data?: OutputDoc } | undefined;
  return doc?.data?.attributes?.value;
}

// ---------------------------------------------------------------- values

/** The run's variables as Terraform takes them: `{key, value}` with the value an HCL literal. */
export function runVariables(variables: unknown): Array<{ key: string; value: string }> {
  if (variables === undefined || variables === null) return [];
  if (typeof variables !== 'object' || Array.isArray(variables)) throw new ActionFailure('template', 'the Terraform variables must be an object of name → value', false);
  return Object.entries(variables as Record<string, unknown>)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ key, value: hclLiteral(value, key) }));
}

/**
 * A value as an HCL literal: strings quoted (with `${` and `%{` escaped, so a value is never a template),
 * numbers and booleans as they are, null, and lists and objects built of those.
 */
export function hclLiteral(value: unknown, where = 'value', depth = 0): string {
  if (depth > 32) throw new ActionFailure('template', `the Terraform variable ${where} nests too deep`, false);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return hclString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new ActionFailure('template', `the Terraform variable ${where} is not a finite number`, false);
      return String(value);
    case 'boolean':
      return String(value);
    case 'object':
      if (value instanceof Date) return hclString(value.toISOString());
      if (Array.isArray(value)) return `[${value.map((v, i) => hclLiteral(v ?? null, `${where}[${i}]`, depth + 1)).join(', ')}]`;
      return `{${Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).map(([k, v]) => `${hclString(k)} = ${hclLiteral(v, `${where}.${k}`, depth + 1)}`).join(', ')}}`;
    default:
      throw new ActionFailure('template', `the Terraform variable ${where} is a ${typeof value}, not a value Terraform takes`, false);
  }
}

function hclString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if ((ch === '$' || ch === '%') && next === '{') out += ch + ch;
    else if (ch < ' ' || ch === '\u007f') out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

// ---------------------------------------------------------------- helpers

/** The host: the action's, else APOLLO_TERRAFORM_HOST, else HCP Terraform; without a trailing slash. */
function hostOf(config: TerraformActionConfig): string {
  return (config.host ?? process.env[TERRAFORM_HOST_ENV] ?? DEFAULT_TERRAFORM_HOST).replace(/\/+$/, '');
}

const runUrl = (host: string, organization: string, workspace: string, runId: string): string =>
  `${host}/app/${encodeURIComponent(organization)}/workspaces/${encodeURIComponent(workspace)}/runs/${encodeURIComponent(runId)}`;

const withToken = (config: TerraformActionConfig): TerraformActionConfig => ({ ...config, token: config.token ?? `{{secrets.${TERRAFORM_TOKEN_SECRET}}}` });

function tokenOf(attempt: Attempt, token: unknown): string {
  const text = typeof token === 'string' ? token.trim() : '';
  if (!text) throw new ActionFailure('template', `the Terraform token rendered empty (set the action's token, e.g. {{secrets.${TERRAFORM_TOKEN_SECRET}}})`, false);
  if (/[\r\n\0]/.test(text)) throw new ActionFailure('template', 'the Terraform token would contain a line break', false);
  attempt.addSecret(text);
  return text;
}

function terraformAction(run: AsyncRun): TerraformAction {
  if (run.action.type !== 'terraform') throw new ActionFailure('internal', `the Terraform executor cannot run a ${run.action.type} action`, false);
  return run.action;
}

/** Attempt reads the run's variables, secret fields and time limit, never its action: an async run fits. */
function attemptFor(run: AsyncRun, deps: ExecutorDeps, budgetMs: number): Attempt {
  const timeoutMs = Math.min(run.timeoutMs > 0 ? run.timeoutMs : budgetMs, budgetMs);
  return new Attempt({ ...run, timeoutMs } as unknown as ActionRun, deps);
}

function asFailure(error: unknown): ActionFailure {
  return error instanceof ActionFailure ? error : new ActionFailure('internal', 'Terraform could not be asked (internal error)', true);
}

function parseBody(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The body as JSON; one that is not (a gateway's error page, a cut answer) fails, not retryable, saying so. */
function jsonBody(response: HttpResponse, expected: string): unknown {
  const doc = parseBody(response);
  if (doc === undefined) throw new ActionFailure('invalid-response', `Terraform answered ${response.status} with a body that is not JSON (expected: ${expected})`, false, { status: response.status });
  return doc;
}

function readRun(response: HttpResponse): RunDoc {
  const doc = jsonBody(response, 'a run') as { data?: RunDoc } | null;
  if (typeof doc?.data?.id !== 'string' || !doc.data.attributes) throw new ActionFailure('invalid-response', 'Terraform answered a run that is not a JSON:API run', false, { status: response.status });
  return doc.data;
}

function resourceId(response: HttpResponse, what: string): string {
  const doc = jsonBody(response, `a ${what}`) as { data?: { id?: unknown } } | null;
  if (typeof doc?.data?.id !== 'string') throw new ActionFailure('invalid-response', `Terraform answered a ${what} without an id`, false, { status: response.status });
  return doc.data.id;
}

/** JSON:API `errors[]` as one line: `title: detail; …`. */
function jsonApiErrors(response: HttpResponse): string {
  const doc = parseBody(response) as { errors?: Array<{ title?: unknown; detail?: unknown }> } | undefined;
  if (!Array.isArray(doc?.errors)) return '';
  return doc.errors.slice(0, 3).map((e) => [e?.title, e?.detail].filter((v) => typeof v === 'string' && v).join(': ')).filter(Boolean).join('; ');
}

/** Waits `ms`, or less when the attempt's time runs out (the next call then says so). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
