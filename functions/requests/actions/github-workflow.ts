/**
 * The GitHub workflow executor: dispatches a GitHub Actions workflow (`workflow_dispatch`) with Apollo's
 * own GitHub credentials (the GitHub App or token discovery uses, functions/lib/github), then follows the
 * run it started until it completes.
 *
 * - start renders the repository, ref and inputs (GitHub takes strings only: anything else is sent as
 *   JSON text), adds the input `apollo_request` = the idempotency key, and dispatches with
 *   `return_run_details`, so GitHub answers the run's id (200). An older GitHub Enterprise answers 204
 *   and says nothing: Apollo then lists the workflow's recent dispatch runs until one whose
 *   `display_title` carries the key appears. **A workflow should declare the input `apollo_request` and
 *   put it in its `run-name`** (`run-name: "Create ${{ inputs.name }} (${{ inputs.apollo_request }})"`):
 *   that is also how a start repeated after a crash (dispatched, not yet recorded) finds the run it
 *   already started instead of starting a second one. A workflow that does not declare it is dispatched
 *   without it (GitHub refuses undeclared inputs), with a warning.
 * - check asks GitHub for the run (a `workflow_run` webhook only wakes the wait); collect reads the
 *   declared outputs by JSON pointer from the run (`/html_url`, `/conclusion`, `/id`, …); cancel asks
 *   GitHub to cancel it.
 *
 * Not through the egress guard: every call goes to GitHub's API at APOLLO_GITHUB_API_URL, which is the
 * deployment's configuration, never an offering's template. A template only names the owner/repo and
 * the ref, checked here and sent as path segments Octokit encodes, so an offering cannot aim Apollo's
 * GitHub credentials at another host.
 */
import type { Octokit } from '@octokit/rest';
import type { GithubWorkflowActionConfig } from '#schemas/index.ts';
import { GitHubNotConfiguredError } from '#lib/github/errors';
import { logger } from '#lib/observability';
import { MASK } from '#shared/variables/index';
import { ActionFailure, Attempt, retryableStatus, type ExecutorDeps } from './attempt.ts';
import { pointerGet } from './outputs.ts';
import type { ActionLogLine, ActionRun, AsyncActionExecutor, AsyncRun, CheckResult, CollectResult, ExternalRef, StartResult } from './ports.ts';

/** The input that carries the idempotency key into the run's name. */
export const REQUEST_INPUT = 'apollo_request';
/** Seconds between checks when no webhook wakes the wait. */
export const GITHUB_POLL_SECONDS = 20;
/** GitHub's cap on a dispatch's inputs. */
export const MAX_WORKFLOW_INPUTS = 25;
/** What one start may take (it runs in a Lambda of at most 60 s). */
const START_BUDGET_MS = 45_000;
/** One call's limit in check, collect and cancel. */
const CALL_MS = 20_000;
/** How many pages of runs (100 each) are looked through for the key. */
const MAX_RUN_PAGES = 3;
/** How far back the runs are looked through when the request's creation time is unknown. */
const DEFAULT_LOOKBACK_MS = 24 * 3600_000;

/** Conclusions another attempt could change; any other but success (failure, cancelled, action_required, stale, neutral, skipped) stays failed. */
const RETRYABLE_CONCLUSIONS = new Set(['timed_out', 'startup_failure']);

export interface GithubWorkflowDeps extends ExecutorDeps {
  /** GitHub's API with Apollo's credentials (default: the GitHub client of functions/lib/github, as discovery uses it). */
  readonly octokit?: () => Promise<Octokit>;
  /** How the run of a dispatch GitHub answered 204 to is looked for. @default 5 tries, 2 s apart */
  readonly findRun?: { readonly tries?: number; readonly delayMs?: number };
}

/** The fields of a workflow run Apollo reads (GET /repos/{o}/{r}/actions/runs/{id}). */
interface RunLike {
  readonly id: number;
  readonly name?: string | null;
  readonly display_title?: string;
  readonly status: string | null;
  readonly conclusion: string | null;
  readonly html_url: string;
  readonly created_at?: string;
}

interface Target {
  readonly owner: string;
  readonly repo: string;
  readonly workflow: string;
}

export function githubWorkflowExecutor(deps: GithubWorkflowDeps): AsyncActionExecutor {
  const octokit = deps.octokit ?? defaultOctokit;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return {
    async start(run) {
      const attempt = attemptFor(run, deps);
      const signal = AbortSignal.timeout(Math.max(1, Math.min(run.timeoutMs, START_BUDGET_MS)));
      const request = { signal };
      let input: Record<string, unknown> = {};
      try {
        if (run.action.type !== 'github-workflow') throw new ActionFailure('internal', `the GitHub workflow executor cannot run a ${run.action.type} action`, false);
        const config = run.action.config;
        const wait = config.waitForCompletion ?? true;
        const { preview, execute } = await attempt.render(config);
        const key = run.idempotencyKey;
        const previewInputs = stringInputs(preview.inputs);
        const addKey = Object.keys(previewInputs).filter((name) => name !== REQUEST_INPUT).length < MAX_WORKFLOW_INPUTS;
        input = {
          repository: preview.repository, workflow: config.workflow, ref: preview.ref ?? '(the default branch)',
          inputs: addKey ? { ...previewInputs, [REQUEST_INPUT]: key } : previewInputs, waitForCompletion: wait,
        };
        const rendered = execute();
        const target = targetOf(rendered);
        const github = await octokit();
        const what = `${target.workflow} in ${target.owner}/${target.repo}`;

        let ref = typeof rendered.ref === 'string' ? rendered.ref.trim() : '';
        if (!ref) {
          try {
            ref = (await github.request('GET /repos/{owner}/{repo}', { owner: target.owner, repo: target.repo, request })).data.default_branch;
          } catch (error) {
            throw await explained(github, target, ref, error, request, `reading ${target.owner}/${target.repo}`);
          }
          attempt.log('debug', `no ref given: the default branch ${ref}`);
        }
        input = { ...input, ref };
        const inputs = stringInputs(rendered.inputs);
        delete inputs[REQUEST_INPUT];
        if (Object.keys(inputs).length > MAX_WORKFLOW_INPUTS) {
          throw new ActionFailure('template', `GitHub takes at most ${MAX_WORKFLOW_INPUTS} workflow inputs; the action gives ${Object.keys(inputs).length}`, false);
        }
        if (!addKey) attempt.log('warn', `${MAX_WORKFLOW_INPUTS} inputs leave no room for ${REQUEST_INPUT}: a start repeated after a crash cannot find the run it started`);

        const done = (found: RunLike | { id: number; html_url: string }): StartResult => {
          const external: ExternalRef = { system: 'github', id: String(found.id), url: found.html_url, details: { owner: target.owner, repo: target.repo } };
          return startResult(attempt, input, wait ? 'started' : 'succeeded', external);
        };

        // A run an earlier start of this attempt already dispatched (it crashed before recording it).
        if (addKey) {
          const since = earliest(run, attempt.now());
          const earlier = (await listRunsWithKey(github, target, ref, key, since, request))[0];
          if (earlier && !(earlier.status === 'completed' && earlier.conclusion !== 'success')) {
            attempt.log('info', `run ${earlier.id} of ${what} already carries ${key} (${earlier.status}${earlier.conclusion ? `/${earlier.conclusion}` : ''}): following it, not dispatching again ${earlier.html_url}`);
            return done(earlier);
          }
          if (earlier) attempt.log('info', `the earlier run ${earlier.id} carrying ${key} ended ${earlier.conclusion}: dispatching a new one`);
        }

        const dispatchedAt = attempt.now();
        const dispatched = await dispatch(github, attempt, target, ref, inputs, addKey ? key : undefined, request);
        if (dispatched.runId !== undefined) {
          attempt.log('info', `dispatched ${what} on ${ref}: run ${dispatched.runId} ${dispatched.htmlUrl}`);
          return done({ id: dispatched.runId, html_url: dispatched.htmlUrl });
        }
        // 204: GitHub did not say which run; find it by the key in its name.
        if (!dispatched.keyed) {
          throw new ActionFailure('run-not-found', `GitHub dispatched ${what} but did not say which run it started (204: a GitHub Enterprise without return_run_details), and the workflow does not declare the input ${REQUEST_INPUT} Apollo would find it by: declare it and put it in the workflow's run-name`, false);
        }
        attempt.log('info', `dispatched ${what} on ${ref}; GitHub answered 204 without the run: looking for the run named with ${key}`);
        const tries = deps.findRun?.tries ?? 5;
        for (let i = 0; i < tries; i++) {
          if (i > 0) await sleep(deps.findRun?.delayMs ?? 2000);
          const found = (await listRunsWithKey(github, target, ref, key, dispatchedAt - 60_000, request))[0];
          if (found) {
            attempt.log('info', `found run ${found.id} by its name "${found.display_title ?? ''}" ${found.html_url}`);
            return done(found);
          }
        }
        throw new ActionFailure('run-not-found', `GitHub accepted the dispatch of ${what}, but no run whose name carries ${key} appeared (${tries} looks); the workflow's run-name should include \${{ inputs.${REQUEST_INPUT} }}`, true);
      } catch (error) {
        return failedStart(attempt, input, error);
      }
    },

    async check(run, ref) {
      const attempt = attemptFor(run, deps);
      let found: RunLike;
      try {
        found = await readRun(await octokit(), ref);
      } catch (error) {
        const failure = toFailure(error, `reading run ${ref.id}`);
        if (failure.extra.status === 404) {
          return { state: 'failed', retryable: false, error: { code: 'run-not-found', message: attempt.scrub(`GitHub no longer has run ${ref.id} (404): it was deleted, or Apollo's credentials lost access to the repository`) } };
        }
        if (!failure.retryable) return { state: 'failed', retryable: false, error: { code: failure.code, message: attempt.scrub(failure.message) } };
        // The wait goes on (its timeout bounds it): the next wake or poll asks again.
        return { state: 'running', message: 'GitHub could not be asked', logs: [{ severity: 'warn', message: attempt.scrub(`${failure.message}; looking again at the next check`) }] };
      }
      const where = found.status ?? 'unknown';
      const seen = ref.details?.status;
      const logs: ActionLogLine[] = [];
      const next = seen === where ? undefined : { ...ref, details: { ...ref.details, status: where } };
      if (found.status !== 'completed' || !found.conclusion) {
        if (next) logs.push({ severity: 'info', message: attempt.scrub(`run ${found.id} is ${where}`) });
        return { state: 'running', message: where, ...(logs.length ? { logs } : {}), ...(next ? { ref: next } : {}) };
      }
      if (found.conclusion === 'success') {
        return { state: 'succeeded', message: 'completed/success', logs: [{ severity: 'info', message: attempt.scrub(`run ${found.id} completed: success ${found.html_url}`) }] };
      }
      const message = attempt.scrub(`the workflow run ${found.id} ended ${found.conclusion} ${found.html_url}`);
      const failed: CheckResult = {
        state: 'failed', message: `completed/${found.conclusion}`, retryable: RETRYABLE_CONCLUSIONS.has(found.conclusion),
        error: { code: 'run-failed', message }, logs: [{ severity: 'error', message }],
      };
      return failed;
    },

    async collect(run, ref) {
      const attempt = attemptFor(run, deps);
      const declared = run.action.outputs ?? [];
      if (declared.length === 0) return { outputs: {}, sensitive: [], logs: [] };
      let found: RunLike | undefined;
      let lastError: ActionFailure | undefined;
      for (let i = 0; i < 3 && !found; i++) {
        if (i > 0) await sleep(1000);
        try {
          found = await readRun(await octokit(), ref);
        } catch (error) {
          lastError = toFailure(error, `reading run ${ref.id}`);
          if (!lastError.retryable) break;
        }
      }
      if (!found) {
        const message = attempt.scrub(`the outputs could not be read: ${lastError?.message ?? 'no answer'}`);
        return { outputs: {}, sensitive: [], error: { code: lastError?.code ?? 'internal', message }, logs: [{ severity: 'error', message }] };
      }
      return readOutputs(attempt, declared, found);
    },

    async cancel(run, ref) {
      try {
        const { owner, repo } = detailsOf(ref);
        await (await octokit()).request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel', { owner, repo, run_id: Number(ref.id), request: { signal: AbortSignal.timeout(CALL_MS) } });
      } catch (error) {
        // 409: it completed already. Anything else: best effort, the request's record says it was cancelled.
        if ((error as { status?: number }).status !== 409) logger.warn('github workflow run not cancelled', { runId: ref.id, requestId: run.requestId, error: (error as Error).message });
      }
    },
  };
}

// ---------------------------------------------------------------- GitHub calls

async function dispatch(
  github: Octokit, attempt: Attempt, target: Target, ref: string, inputs: Record<string, string>, key: string | undefined, request: { signal: AbortSignal },
): Promise<{ runId: number; htmlUrl: string; keyed: boolean } | { runId?: undefined; keyed: boolean }> {
  let keyed = key !== undefined;
  let details = true;
  for (;;) {
    const params = {
      owner: target.owner, repo: target.repo, workflow_id: target.workflow, ref,
      inputs: keyed ? { ...inputs, [REQUEST_INPUT]: key! } : inputs,
      ...(details ? { return_run_details: true } : {}),
      request,
    };
    try {
      const answer = await github.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', params);
      const data = answer.status === 200 ? (answer.data as { workflow_run_id?: number; html_url?: string } | undefined) : undefined;
      if (data?.workflow_run_id !== undefined) return { runId: Number(data.workflow_run_id), htmlUrl: data.html_url ?? '', keyed };
      return { keyed };
    } catch (error) {
      const status = statusOf(error);
      const said = githubMessage(error);
      // Refused, so nothing started: dispatch again without what GitHub refused.
      if (status === 422 && keyed && said.includes(REQUEST_INPUT)) {
        keyed = false;
        attempt.log('warn', `${target.workflow} does not declare the input ${REQUEST_INPUT}: dispatching without it (declare it and put it in run-name, so a start repeated after a crash finds its run instead of starting another)`);
        continue;
      }
      if ((status === 422 || status === 400) && details && said.includes('return_run_details')) {
        details = false;
        attempt.log('info', 'this GitHub does not take return_run_details: dispatching without it (the run is then found by its name)');
        continue;
      }
      throw await explained(github, target, ref, error, request, `dispatching ${target.workflow} in ${target.owner}/${target.repo}`);
    }
  }
}

/** The runs of the workflow whose name carries `key`, newest first (dispatch runs created since `since`). */
async function listRunsWithKey(github: Octokit, target: Target, ref: string, key: string, since: number, request: { signal: AbortSignal }): Promise<RunLike[]> {
  const carries = keyMatcher(key);
  const found: RunLike[] = [];
  const created = `>=${new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  for (let page = 1; page <= MAX_RUN_PAGES; page++) {
    let data: { workflow_runs: unknown[] };
    try {
      ({ data } = await github.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', {
        owner: target.owner, repo: target.repo, workflow_id: target.workflow, event: 'workflow_dispatch', created, per_page: 100, page, request,
      }));
    } catch (error) {
      throw await explained(github, target, ref, error, request, `listing the runs of ${target.workflow} in ${target.owner}/${target.repo}`);
    }
    const runs = data.workflow_runs as unknown as RunLike[];
    found.push(...runs.filter((r) => carries(r.display_title ?? '')));
    if (runs.length < 100) break;
  }
  return found.sort((a, b) => Date.parse(b.created_at ?? '') - Date.parse(a.created_at ?? '') || Number(b.id) - Number(a.id));
}

async function readRun(github: Octokit, ref: ExternalRef): Promise<RunLike> {
  const { owner, repo } = detailsOf(ref);
  const { data } = await github.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner, repo, run_id: Number(ref.id), request: { signal: AbortSignal.timeout(CALL_MS) } });
  return data as unknown as RunLike;
}

/** A refused call in words: which of repository and workflow is missing (404), what GitHub said of the dispatch (422). */
async function explained(github: Octokit, target: Target, ref: string, error: unknown, request: { signal: AbortSignal }, what: string): Promise<ActionFailure> {
  const status = statusOf(error);
  const said = githubMessage(error);
  const repo = `${target.owner}/${target.repo}`;
  if (status === 404) {
    let repoExists = false;
    try {
      await github.request('GET /repos/{owner}/{repo}', { owner: target.owner, repo: target.repo, request });
      repoExists = true;
    } catch {
      // Not there, or not visible: said below.
    }
    const message = repoExists
      ? `GitHub has no workflow ${target.workflow} in ${repo} (404): check the workflow's file name or id`
      : `GitHub has no repository ${repo} that Apollo's GitHub credentials can see (404): check the name, and that Apollo's GitHub App is installed on it (or its token can read it)`;
    return new ActionFailure('http-status', message, false, { status });
  }
  if (status === 422) {
    const hint = /workflow_dispatch/i.test(said) ? ': add `workflow_dispatch:` to the workflow\'s `on:`'
      : /no ref found/i.test(said) ? `: the ref ${ref} does not exist in ${repo}`
        : /unexpected inputs/i.test(said) ? ': the workflow does not declare these inputs'
          : /required input/i.test(said) ? ': the action does not give an input the workflow requires' : '';
    return new ActionFailure('http-status', `GitHub refused to dispatch ${target.workflow} in ${repo} (422): ${said}${hint}`, false, { status });
  }
  return toFailure(error, what);
}

/**
 * An Octokit error (or anything thrown) as an ActionFailure: retryable for no answer, rate limits,
 * 408/425/429/5xx; a failure that is no HTTP exchange's is internal (retryable, as Attempt.fail says).
 */
function toFailure(error: unknown, what: string): ActionFailure {
  if (error instanceof ActionFailure) return error;
  if (error instanceof GitHubNotConfiguredError) return new ActionFailure('not-configured', error.message, false);
  const e = error as { name?: string; message?: string; status?: number; response?: unknown; cause?: { name?: string } } | undefined;
  const timedOut = [e?.name, e?.cause?.name].some((name) => name === 'AbortError' || name === 'TimeoutError');
  if (timedOut) return new ActionFailure('timeout', `GitHub did not answer in time (${what})`, true);
  // Octokit's RequestError is an HttpError; without a response nothing answered.
  if (e?.name !== 'HttpError') return new ActionFailure('internal', `${what} failed (internal error): ${e?.message ?? String(error)}`, true);
  if (e.response === undefined) return new ActionFailure('network', `GitHub could not be reached (${what}): ${e.message ?? ''}`, true);
  const status = e.status;
  const reset = rateLimit(error);
  if (reset) return new ActionFailure('rate-limited', `GitHub's rate limit stopped ${what}; it resets at ${reset.toISOString()}`, true, { status, retryAfterMs: Math.max(0, reset.getTime() - Date.now()) });
  const said = githubMessage(error);
  if (status === 401) return new ActionFailure('http-status', `GitHub refused Apollo's credentials (401 ${said}) ${what}: check the GitHub App or token Apollo uses`, false, { status });
  if (status === 403) return new ActionFailure('http-status', `GitHub forbade ${what} (403 ${said}): Apollo's GitHub App needs the Actions (write) permission on the repository`, false, { status });
  return new ActionFailure('http-status', `GitHub answered ${status} ${what}${said ? `: ${said}` : ''}`, retryableStatus(status!), { status });
}

/**
 * When a 403/429 is a rate limit, when it resets: read as rateLimitReset in functions/lib/github/client.ts
 * does (not imported from there: that would load Octokit with every request's steps), and a 403 that says
 * "secondary rate limit" without retry-after is one too (GitHub asks to wait a minute).
 */
function rateLimit(error: unknown): Date | undefined {
  const { status, response } = error as { status?: number; response?: { headers?: Record<string, string | number | undefined> } };
  if (status !== 403 && status !== 429) return undefined;
  const headers = response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter))) return new Date(Date.now() + Number(retryAfter) * 1000);
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const resetAt = Number(headers['x-ratelimit-reset']);
    return new Date(Number.isFinite(resetAt) ? resetAt * 1000 : Date.now() + 60_000);
  }
  if (status === 429 || /secondary rate limit/i.test(githubMessage(error))) return new Date(Date.now() + 60_000);
  return undefined;
}

const statusOf = (error: unknown): number | undefined => (error as { status?: number } | undefined)?.status;

/** GitHub's own words (its `message`), without Octokit's documentation link. */
function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: unknown } } | undefined)?.response?.data;
  const message = data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string' ? (data as { message: string }).message : (error as Error | undefined)?.message ?? '';
  return message.replace(/\s+/g, ' ').trim().slice(0, 300);
}

let shared: { apiUrl: string; octokit: Promise<Octokit> } | undefined;

/**
 * Apollo's GitHub client, as discovery makes it: APOLLO_GITHUB_API_URL, the credentials of
 * functions/lib/github/credentials (Secrets Manager in AWS, the local settings on a laptop, re-read
 * whenever they are reconfigured). Loaded on first use: a request without a GitHub action never loads it.
 */
function defaultOctokit(): Promise<Octokit> {
  const apiUrl = process.env.APOLLO_GITHUB_API_URL || 'https://api.github.com';
  if (shared?.apiUrl !== apiUrl) {
    const octokit = (async () => {
      const [{ GitHubClient }, { githubCredentials }, { readGitHubRunSettings }] = await Promise.all([
        import('#lib/github/client'), import('#lib/github/credentials'), import('#lib/github/runs'),
      ]);
      const settings = readGitHubRunSettings(process.env, 'the GitHub workflow action');
      return new GitHubClient({ baseUrl: settings.apiUrl, credentials: { credentials: (options) => githubCredentials().credentials(options) }, userAgent: 'apollo-requests' }).octokit;
    })();
    shared = { apiUrl, octokit };
    // A failed setup (not configured) is tried again next time.
    octokit.catch(() => { if (shared?.octokit === octokit) shared = undefined; });
  }
  return shared!.octokit;
}

// ---------------------------------------------------------------- shapes

/** The Attempt reads a run's variables, time limit and sensitive outputs (for rendering and masking), never its action. */
const attemptFor = (run: AsyncRun, deps: ExecutorDeps): Attempt => new Attempt(run as unknown as ActionRun, deps);

const SEGMENT = /^[A-Za-z0-9_.-]{1,100}$/;

function targetOf(config: GithubWorkflowActionConfig): Target {
  const repository = String(config.repository ?? '').trim();
  const [owner, repo, extra] = repository.split('/');
  const ok = (s: string | undefined): s is string => s !== undefined && SEGMENT.test(s) && s !== '.' && s !== '..';
  if (extra !== undefined || !ok(owner) || !ok(repo)) throw new ActionFailure('template', `repository must be owner/name; it rendered as "${repository}"`, false);
  return { owner, repo: repo.replace(/\.git$/, ''), workflow: String(config.workflow) };
}

/** Workflow inputs as GitHub takes them: strings (anything else as JSON text; null and absent left out). */
function stringInputs(map: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!map || typeof map !== 'object') return out;
  for (const [name, value] of Object.entries(map as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    out[name] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

/** Whether a run's name carries the key as a whole token (`req/a/1` is not in `req/a/10` nor in `req/a/1.2`). */
function keyMatcher(key: string): (title: string) => boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<![A-Za-z0-9_./-])${escaped}(?![A-Za-z0-9_/-]|\\.[0-9])`);
  return (title) => pattern.test(title);
}

/** Since when an earlier start's run could exist: the request's creation (a minute early for clocks), else a day back. */
function earliest(run: AsyncRun, now: number): number {
  const created = Date.parse(run.variables.request?.createdAt ?? '');
  return Number.isFinite(created) ? Math.min(created, now) - 60_000 : now - DEFAULT_LOOKBACK_MS;
}

function detailsOf(ref: ExternalRef): { owner: string; repo: string } {
  const owner = ref.details?.owner;
  const repo = ref.details?.repo;
  if (typeof owner !== 'string' || typeof repo !== 'string' || !/^\d+$/.test(ref.id)) throw new ActionFailure('internal', `the run's record lacks its repository or id (${ref.id})`, false);
  return { owner, repo };
}

function readOutputs(attempt: Attempt, declared: NonNullable<AsyncRun['action']['outputs']>, found: RunLike): CollectResult {
  const outputs: Record<string, unknown> = {};
  const sensitive: string[] = [];
  const missing: string[] = [];
  for (const output of declared) {
    const pointer = output.from ?? `/${output.name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const value = pointerGet(found, pointer);
    if (!value.found) {
      missing.push(`'${output.name}' (nothing at ${pointer || '(the whole run)'})`);
      continue;
    }
    outputs[output.name] = value.value;
    if (output.sensitive) {
      sensitive.push(output.name);
      attempt.addSecret(value.value);
    }
  }
  if (missing.length > 0) {
    const message = attempt.scrub(`the workflow run ${found.id} lacks the declared output${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (outputs are read from the run: /html_url, /conclusion, /id, …)`);
    return { outputs: {}, sensitive: [], error: { code: 'missing-output', message }, logs: [{ severity: 'error', message }] };
  }
  const shown = Object.keys(outputs).map((name) => `${name}=${sensitive.includes(name) ? MASK : short(outputs[name])}`);
  return { outputs, sensitive, logs: [{ severity: 'info', message: attempt.scrub(`outputs: ${shown.join(', ')}`) }] };
}

const short = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
};

function startResult(attempt: Attempt, input: Record<string, unknown>, outcome: 'started' | 'succeeded', ref: ExternalRef): StartResult {
  return {
    outcome, retryable: false, ref, input: scrubbed(attempt, input) as Record<string, unknown>,
    durationMs: Math.round(performance.now() - attempt.started), logs: scrubbedLogs(attempt), pollSeconds: GITHUB_POLL_SECONDS,
  };
}

function failedStart(attempt: Attempt, input: Record<string, unknown>, error: unknown): StartResult {
  const failure = toFailure(error, 'starting the workflow');
  const message = attempt.scrub(failure.message);
  attempt.log('error', message);
  return {
    outcome: 'failed', retryable: failure.retryable, input: scrubbed(attempt, input) as Record<string, unknown>,
    error: { code: failure.code, message }, durationMs: Math.round(performance.now() - attempt.started), logs: scrubbedLogs(attempt),
    // GitHub's Retry-After or rate-limit reset: the step's retry waits that long (up to the action's maxInterval).
    ...(failure.extra.retryAfterMs !== undefined ? { retryAfterMs: failure.extra.retryAfterMs } : {}),
  };
}

const scrubbedLogs = (attempt: Attempt): ActionLogLine[] => attempt.logs.map((line) => ({ severity: line.severity, message: attempt.scrub(line.message) }));

function scrubbed(attempt: Attempt, value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return attempt.scrub(value);
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubbed(attempt, v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubbed(attempt, v, depth + 1)]));
}
