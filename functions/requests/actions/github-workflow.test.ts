/** The GitHub workflow executor against the fake GitHub over real HTTP on loopback. */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Octokit } from '@octokit/rest';
import type { ActionOutputs, GithubWorkflowAction, GithubWorkflowActionConfig } from '#schemas/index.ts';
import { GitHubClient } from '#lib/github/client';
import { FakeGitHub } from '../../../local/fakes/github-server.ts';
import { InMemoryIntegrationSecrets } from '../adapters/local-secrets.ts';
import { githubWorkflowExecutor, type GithubWorkflowDeps } from './github-workflow.ts';
import type { AsyncRun, ExternalRef, StartResult } from './ports.ts';

const TOKEN = 'ghs-test-token-0123';
const CREATE_SERVICE = `name: Create service
run-name: "Create \${{ inputs.name }} (\${{ inputs.apollo_request }})"
on:
  workflow_dispatch:
    inputs:
      name: { required: true, type: string }
      replicas: { required: false, type: string }
      settings: { required: false, type: string }
      password: { required: false, type: string }
      apollo_request: { required: false, type: string }
jobs:
  create: { runs-on: ubuntu-latest, steps: [{ run: echo }] }
`;
/** Dispatchable, but without apollo_request: its runs cannot be found by name. */
const PLAIN = `name: Plain
on:
  workflow_dispatch:
    inputs:
      name: { required: true }
jobs: {}
`;
const CI = 'name: CI\non: [push]\njobs: {}\n';

let fake: FakeGitHub;
let octokit: Octokit;
let n = 0;

beforeAll(async () => {
  fake = await FakeGitHub.start({
    org: 'acme',
    tokens: [TOKEN],
    repos: [{ name: 'service-templates', files: { '.github/workflows/create-service.yml': CREATE_SERVICE, '.github/workflows/plain.yml': PLAIN, '.github/workflows/ci.yml': CI } }],
  });
  // Apollo's own client, with a token as the GitHub settings give it.
  octokit = new GitHubClient({ baseUrl: fake.url, credentials: { credentials: () => Promise.resolve({ token: TOKEN }) } }).octokit;
});
afterAll(async () => { await fake.close(); });
beforeEach(() => {
  fake.runTiming = 'manual';
  fake.dispatchMode = 'run-details';
  fake.listingLagMs = 0;
  fake.limit(undefined);
  n += 1;
});

const deps = (over: Partial<GithubWorkflowDeps> = {}): GithubWorkflowDeps => ({
  secrets: new InMemoryIntegrationSecrets({}),
  octokit: () => Promise.resolve(octokit),
  findRun: { tries: 5, delayMs: 60 },
  ...over,
});

function action(config: Partial<GithubWorkflowActionConfig> = {}, outputs?: ActionOutputs): GithubWorkflowAction {
  return {
    id: 'create_repo',
    type: 'github-workflow',
    config: {
      repository: 'acme/{{fields.repo}}',
      workflow: 'create-service.yml',
      inputs: { name: '{{fields.name}}', replicas: '{{fields.replicas}}', settings: '{{fields.settings}}', password: '{{fields.db_password}}' },
      ...config,
    },
    ...(outputs ? { outputs } : {}),
  };
}

/** A run of the action with this test's own idempotency key. */
function run(a: GithubWorkflowAction, over: Partial<AsyncRun> = {}): AsyncRun {
  return {
    requestId: `req-${n}`,
    action: a,
    attempt: 1,
    idempotencyKey: `req-${n}/create_repo/1`,
    variables: {
      fields: { repo: 'service-templates', name: 'payments-api', replicas: 3, settings: { size: 'm' }, db_password: 'field-SECRET-pw' },
      secretFields: ['db_password'],
      request: { id: `req-${n}`, requester: 'ada', createdAt: new Date(Date.now() - 5_000).toISOString() },
    },
    timeoutMs: 600_000,
    ...over,
  };
}

const key = () => `req-${n}/create_repo/1`;
const newRequests = (from: number) => fake.requests.slice(from);
const started = (result: StartResult): ExternalRef => {
  expect(result.outcome, JSON.stringify(result.error)).not.toBe('failed');
  return result.ref!;
};

describe('start', () => {
  it('dispatches on the default branch with string inputs and apollo_request, and gets the run from return_run_details', async () => {
    // Prepare
    const executor = githubWorkflowExecutor(deps());
    const before = fake.requests.length;

    // Act
    const result = await executor.start(run(action()));

    // Assess: the run GitHub named, followed every 20 s when no webhook comes.
    const dispatched = fake.dispatches.at(-1)!;
    expect(dispatched).toEqual({
      repo: 'service-templates', workflow: 'create-service.yml', ref: 'main', runId: expect.any(Number), status: 200,
      inputs: { name: 'payments-api', replicas: '3', settings: '{"size":"m"}', password: 'field-SECRET-pw', apollo_request: key() },
    });
    const { durationMs, ...rest } = result;
    expect(durationMs).toBeGreaterThanOrEqual(0);
    expect(rest).toEqual({
      outcome: 'started',
      retryable: false,
      pollSeconds: 20,
      ref: { system: 'github', id: String(dispatched.runId), url: `${fake.url}/acme/service-templates/actions/runs/${dispatched.runId}`, details: { owner: 'acme', repo: 'service-templates' } },
      // What was sent, the secret field as its placeholder.
      input: {
        repository: 'acme/service-templates', workflow: 'create-service.yml', ref: 'main', waitForCompletion: true,
        inputs: { name: 'payments-api', replicas: '3', settings: '{"size":"m"}', password: '‹secret field:db_password›', apollo_request: key() },
      },
      logs: [
        { severity: 'debug', message: 'no ref given: the default branch main' },
        { severity: 'info', message: `dispatched create-service.yml in acme/service-templates on main: run ${dispatched.runId} ${fake.url}/acme/service-templates/actions/runs/${dispatched.runId}` },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('field-SECRET-pw');
    expect(newRequests(before)).toEqual([
      'GET /repos/acme/service-templates',
      expect.stringMatching(/^GET \/repos\/acme\/service-templates\/actions\/workflows\/create-service\.yml\/runs\?event=workflow_dispatch&created=%3E%3D\d{4}-\d\d-\d\dT\d\d%3A\d\d%3A\d\dZ&per_page=100&page=1$/),
      'POST /repos/acme/service-templates/actions/workflows/create-service.yml/dispatches',
    ]);
    expect(fake.workflowRun(dispatched.runId)).toMatchObject({ display_title: `Create payments-api (${key()})`, status: 'queued', head_branch: 'main' });
  });

  it('finds the run by its name when GitHub answers 204 (an older GitHub Enterprise), even when the listing lags', async () => {
    // Prepare
    fake.dispatchMode = 'no-content';
    fake.listingLagMs = 100;
    const executor = githubWorkflowExecutor(deps());

    // Act
    const result = await executor.start(run(action({ ref: 'main' })));

    // Assess
    const dispatched = fake.dispatches.at(-1)!;
    expect(dispatched.status).toBe(204);
    expect(started(result)).toEqual({ system: 'github', id: String(dispatched.runId), url: expect.stringContaining(`/runs/${dispatched.runId}`), details: { owner: 'acme', repo: 'service-templates' } });
    expect(result.logs.map((l) => l.message)).toEqual([
      `dispatched create-service.yml in acme/service-templates on main; GitHub answered 204 without the run: looking for the run named with ${key()}`,
      `found run ${dispatched.runId} by its name "Create payments-api (${key()})" ${fake.url}/acme/service-templates/actions/runs/${dispatched.runId}`,
    ]);
  });

  it('dispatches again without return_run_details when GitHub refuses the parameter', async () => {
    fake.dispatchMode = 'reject-run-details';
    const before = fake.dispatches.length;

    const result = await githubWorkflowExecutor(deps()).start(run(action({ ref: 'main' })));

    expect(started(result).id).toBe(String(fake.dispatches.at(-1)!.runId));
    expect(fake.dispatches.length - before).toBe(1);
    expect(result.logs[0]).toEqual({ severity: 'info', message: 'this GitHub does not take return_run_details: dispatching without it (the run is then found by its name)' });
  });

  it('fails retryable when no run carrying the key appears', async () => {
    // A run that is listed only long after the dispatch: every look misses it.
    fake.dispatchMode = 'no-content';
    fake.listingLagMs = 60_000;

    const result = await githubWorkflowExecutor(deps({ findRun: { tries: 2, delayMs: 10 } })).start(run(action({ ref: 'main' })));

    expect(result).toMatchObject({
      outcome: 'failed', retryable: true,
      error: { code: 'run-not-found', message: `GitHub accepted the dispatch of create-service.yml in acme/service-templates, but no run whose name carries ${key()} appeared (2 looks); the workflow's run-name should include \${{ inputs.apollo_request }}` },
    });
  });

  it('is idempotent: a repeated start follows the run already dispatched with its key, and only a failed one is dispatched again', async () => {
    // Prepare: the first start dispatched, then (say) the Lambda died before recording it.
    const executor = githubWorkflowExecutor(deps());
    const before = fake.dispatches.length;
    const first = started(await executor.start(run(action())));

    // Act
    const again = await executor.start(run(action()));

    // Assess: one dispatch, the same run.
    expect(fake.dispatches.length - before).toBe(1);
    expect(started(again)).toEqual(first);
    expect(again.logs.at(-1)).toEqual({ severity: 'info', message: `run ${first.id} of create-service.yml in acme/service-templates already carries ${key()} (queued): following it, not dispatching again ${first.url}` });

    // A retry after that run failed dispatches a new one.
    fake.advanceRun(Number(first.id), 'failure');
    const retry = await executor.start(run(action(), { attempt: 2 }));
    expect(fake.dispatches.length - before).toBe(2);
    expect(started(retry).id).not.toBe(first.id);
    expect(retry.logs.map((l) => l.message)).toContain(`the earlier run ${first.id} carrying ${key()} ended failure: dispatching a new one`);
  });

  it('tells keys apart: a run named for …/1.1 or …/10 is not the run of …/1', async () => {
    const executor = githubWorkflowExecutor(deps());
    const before = fake.dispatches.length;
    const others = [await executor.start(run(action(), { idempotencyKey: `${key()}.1` })), await executor.start(run(action(), { idempotencyKey: `${key()}0` }))];

    const mine = await executor.start(run(action()));

    expect(fake.dispatches.length - before).toBe(3);
    expect(others.map((r) => started(r).id)).not.toContain(started(mine).id);
  });

  it('dispatches a workflow that does not declare apollo_request without it, and says why that matters', async () => {
    const result = await githubWorkflowExecutor(deps()).start(run(action({ workflow: 'plain.yml', ref: 'main', inputs: { name: 'x' } })));

    expect(started(result).id).toBe(String(fake.dispatches.at(-1)!.runId));
    expect(fake.dispatches.at(-1)!.inputs).toEqual({ name: 'x' });
    expect(result.logs[0]).toEqual({ severity: 'warn', message: 'plain.yml does not declare the input apollo_request: dispatching without it (declare it and put it in run-name, so a start repeated after a crash finds its run instead of starting another)' });
  });

  it('cannot find the run of such a workflow when GitHub answers 204: not retryable (it may have started)', async () => {
    fake.dispatchMode = 'no-content';

    const result = await githubWorkflowExecutor(deps()).start(run(action({ workflow: 'plain.yml', ref: 'main', inputs: { name: 'x' } })));

    expect(result).toMatchObject({
      outcome: 'failed', retryable: false,
      error: { code: 'run-not-found', message: 'GitHub dispatched plain.yml in acme/service-templates but did not say which run it started (204: a GitHub Enterprise without return_run_details), and the workflow does not declare the input apollo_request Apollo would find it by: declare it and put it in the workflow\'s run-name' },
    });
  });

  it('with waitForCompletion false, succeeds once dispatched (collect reads the run)', async () => {
    const a = action({ ref: 'main', waitForCompletion: false }, [{ name: 'url', from: '/html_url' }, { name: 'status', from: '/status' }]);
    const executor = githubWorkflowExecutor(deps());

    const result = await executor.start(run(a));
    const collected = await executor.collect(run(a), result.ref!);

    expect(result.outcome).toBe('succeeded');
    expect(collected).toEqual({ outputs: { url: result.ref!.url, status: 'queued' }, sensitive: [], logs: [{ severity: 'info', message: `outputs: url=${result.ref!.url}, status=queued` }] });
  });

  describe('says what is wrong, not retryable', () => {
    const failure = async (config: Partial<GithubWorkflowActionConfig>) => {
      const result = await githubWorkflowExecutor(deps()).start(run(action({ ref: 'main', ...config })));
      expect(result.outcome).toBe('failed');
      return { retryable: result.retryable, ...result.error };
    };

    it('a repository Apollo cannot see (404)', async () => {
      // No ref: its default branch is asked first.
      expect(await failure({ repository: 'acme/nope', ref: '' })).toEqual({
        retryable: false, code: 'http-status',
        message: 'GitHub has no repository acme/nope that Apollo\'s GitHub credentials can see (404): check the name, and that Apollo\'s GitHub App is installed on it (or its token can read it)',
      });
    });

    it('a workflow the repository does not have (404)', async () => {
      expect(await failure({ workflow: 'nope.yml' })).toEqual({ retryable: false, code: 'http-status', message: 'GitHub has no workflow nope.yml in acme/service-templates (404): check the workflow\'s file name or id' });
    });

    it('a workflow without workflow_dispatch, a ref that does not exist, a required input not given (422)', async () => {
      expect(await failure({ workflow: 'ci.yml', inputs: {} })).toEqual({
        retryable: false, code: 'http-status',
        message: 'GitHub refused to dispatch ci.yml in acme/service-templates (422): Workflow does not have \'workflow_dispatch\' trigger: add `workflow_dispatch:` to the workflow\'s `on:`',
      });
      expect(await failure({ ref: 'release/9' })).toEqual({
        retryable: false, code: 'http-status', message: 'GitHub refused to dispatch create-service.yml in acme/service-templates (422): No ref found for: release/9: the ref release/9 does not exist in acme/service-templates',
      });
      expect(await failure({ inputs: { replicas: '2' } })).toEqual({
        retryable: false, code: 'http-status',
        message: 'GitHub refused to dispatch create-service.yml in acme/service-templates (422): Required input \'name\' not provided: the action does not give an input the workflow requires',
      });
    });

    it('inputs the workflow does not declare (422)', async () => {
      expect(await failure({ inputs: { name: 'a', colour: 'red' } })).toEqual({
        retryable: false, code: 'http-status',
        message: 'GitHub refused to dispatch create-service.yml in acme/service-templates (422): Unexpected inputs provided: ["colour"]: the workflow does not declare these inputs',
      });
    });

    it('a repository that is not owner/name', async () => {
      expect(await failure({ repository: 'acme/../etc' })).toEqual({ retryable: false, code: 'template', message: 'repository must be owner/name; it rendered as "acme/../etc"' });
    });
  });

  it('a rate limit or no answer is retryable', async () => {
    fake.limit({ kind: 'secondary', resetInSeconds: 30, times: 1 });
    const limited = await githubWorkflowExecutor(deps()).start(run(action({ ref: 'main' })));
    const unreachable = await githubWorkflowExecutor(deps({
      octokit: () => Promise.resolve(new GitHubClient({ baseUrl: 'http://127.0.0.1:9', credentials: { credentials: () => Promise.resolve({ token: TOKEN }) } }).octokit),
    })).start(run(action({ ref: 'main' })));

    expect(limited).toMatchObject({ outcome: 'failed', retryable: true, error: { code: 'rate-limited', message: expect.stringMatching(/^GitHub's rate limit stopped listing the runs of create-service.yml in acme\/service-templates; it resets at /) } });
    // The step's retry waits for the reset GitHub named, not its own backoff.
    expect(limited.retryAfterMs).toBeGreaterThan(25_000);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(unreachable).toMatchObject({ outcome: 'failed', retryable: true, error: { code: 'network', message: expect.stringContaining('GitHub could not be reached (listing the runs of create-service.yml in acme/service-templates)') } });
  });
});

describe('check, collect, cancel', () => {
  const outputs: ActionOutputs = [{ name: 'url', from: '/html_url' }, { name: 'conclusion', from: '/conclusion' }, { name: 'run_id', from: '/id' }];

  it('follows the run queued → in_progress → completed and reads the outputs from it', async () => {
    // Prepare
    const executor = githubWorkflowExecutor(deps());
    const a = action({ ref: 'main' }, outputs);
    let ref = started(await executor.start(run(a)));
    const id = Number(ref.id);

    // Act + Assess: each check asks GitHub; a change of status is logged once.
    const queued = await executor.check(run(a), ref);
    expect(queued).toEqual({ state: 'running', message: 'queued', logs: [{ severity: 'info', message: `run ${id} is queued` }], ref: { ...ref, details: { ...ref.details, status: 'queued' } } });
    ref = queued.ref!;
    expect(await executor.check(run(a), ref)).toEqual({ state: 'running', message: 'queued' });
    fake.advanceRun(id);
    const running = await executor.check(run(a), ref);
    expect(running).toMatchObject({ state: 'running', message: 'in_progress', logs: [{ severity: 'info', message: `run ${id} is in_progress` }] });
    fake.advanceRun(id);
    expect(await executor.check(run(a), running.ref!)).toEqual({ state: 'succeeded', message: 'completed/success', logs: [{ severity: 'info', message: `run ${id} completed: success ${ref.url}` }] });

    const collected = await executor.collect(run(a), ref);
    expect(collected).toEqual({ outputs: { url: ref.url, conclusion: 'success', run_id: id }, sensitive: [], logs: [{ severity: 'info', message: `outputs: url=${ref.url}, conclusion=success, run_id=${id}` }] });
  });

  it('a failed run fails the action; timed_out and startup_failure may be retried', async () => {
    const executor = githubWorkflowExecutor(deps());
    fake.failRuns({ workflow: 'create-service.yml' });
    const failedRef = started(await executor.start(run(action({ ref: 'main' }))));
    n += 1;
    fake.failRuns({ workflow: 'Create service', conclusion: 'timed_out' });
    const timedOutRef = started(await executor.start(run(action({ ref: 'main' }))));
    for (const ref of [failedRef, timedOutRef]) { fake.advanceRun(Number(ref.id)); fake.advanceRun(Number(ref.id)); }

    const failed = await executor.check(run(action()), failedRef);
    const timedOut = await executor.check(run(action()), timedOutRef);

    const message = (ref: ExternalRef, conclusion: string) => `the workflow run ${ref.id} ended ${conclusion} ${ref.url}`;
    expect(failed).toEqual({ state: 'failed', message: 'completed/failure', retryable: false, error: { code: 'run-failed', message: message(failedRef, 'failure') }, logs: [{ severity: 'error', message: message(failedRef, 'failure') }] });
    expect(timedOut).toMatchObject({ state: 'failed', message: 'completed/timed_out', retryable: true, error: { code: 'run-failed', message: message(timedOutRef, 'timed_out') } });
  });

  it('cancel cancels the run on GitHub (and a second cancel of the completed run is quiet)', async () => {
    const executor = githubWorkflowExecutor(deps());
    const ref = started(await executor.start(run(action({ ref: 'main' }))));
    const before = fake.requests.length;

    await executor.cancel(run(action()), ref);
    await executor.cancel(run(action()), ref);

    expect(fake.workflowRun(Number(ref.id))).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(newRequests(before)).toEqual([`POST /repos/acme/service-templates/actions/runs/${ref.id}/cancel`, `POST /repos/acme/service-templates/actions/runs/${ref.id}/cancel`]);
    expect(await executor.check(run(action()), ref)).toMatchObject({ state: 'failed', message: 'completed/cancelled', retryable: false });
  });

  it('a run GitHub no longer has fails the check; a declared output the run lacks fails the collect', async () => {
    const executor = githubWorkflowExecutor(deps());
    const gone: ExternalRef = { system: 'github', id: '12345', details: { owner: 'acme', repo: 'service-templates' } };
    const ref = started(await executor.start(run(action({ ref: 'main' }))));

    expect(await executor.check(run(action()), gone)).toEqual({
      state: 'failed', retryable: false,
      error: { code: 'run-not-found', message: 'GitHub no longer has run 12345 (404): it was deleted, or Apollo\'s credentials lost access to the repository' },
    });
    const collected = await executor.collect(run(action({}, [{ name: 'repository_url', from: '/outputs/repository_url' }])), ref);
    expect(collected).toMatchObject({
      outputs: {}, sensitive: [],
      error: { code: 'missing-output', message: `the workflow run ${ref.id} lacks the declared output 'repository_url' (nothing at /outputs/repository_url) (outputs are read from the run: /html_url, /conclusion, /id, …)` },
    });
  });

  it('keeps waiting when GitHub cannot be asked (a rate limit, no answer)', async () => {
    const executor = githubWorkflowExecutor(deps());
    const ref = started(await executor.start(run(action({ ref: 'main' }))));
    fake.limit({ kind: 'primary', resetInSeconds: 600, times: 1 });

    const result = await executor.check(run(action()), ref);

    expect(result).toEqual({ state: 'running', message: 'GitHub could not be asked', logs: [{ severity: 'warn', message: expect.stringMatching(new RegExp(`^GitHub's rate limit stopped reading run ${ref.id}; it resets at .*; looking again at the next check$`)) }] });
  });
});

describe('Apollo\'s GitHub settings', () => {
  it('are what the executor uses by default (APOLLO_GITHUB_API_URL and the local credentials)', async () => {
    // Prepare: the environment the local runtime gives discovery.
    vi.stubEnv('APOLLO_RUNTIME', 'local');
    vi.stubEnv('TABLE_NAME', 'apollo-test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('APOLLO_GITHUB_API_URL', fake.url);
    vi.stubEnv('APOLLO_GITHUB_TOKEN', TOKEN);
    try {
      const { configureGitHubCredentials } = await import('#lib/github/credentials');
      configureGitHubCredentials(undefined);
      const executor = githubWorkflowExecutor({ secrets: new InMemoryIntegrationSecrets({}) });

      // Act
      const result = await executor.start(run(action({ ref: 'main' })));

      // Assess
      expect(started(result).id).toBe(String(fake.dispatches.at(-1)!.runId));
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
