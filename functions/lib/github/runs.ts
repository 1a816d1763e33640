/**
 * What every GitHub-backed run (a discovery sync, a catalog refresh) shares: its settings from the
 * environment (GitHub's API, the credentials secret, how long to wait out a rate limit, where runs are
 * handed over) and the dispatcher that hands a run to the jobs Lambda in AWS or runs it in-process on
 * a laptop. Each such run is optional: unconfigured, its routes answer 503 saying what to set.
 */
import { readBaseConfig, type RuntimeKind } from '../config.ts';
import { InProcessJobDispatcher, LambdaJobDispatcher, type JobDispatcher } from '../job-dispatch.ts';
import { configuredOr503, GitHubNotConfiguredError } from './errors.ts';

export interface GitHubRunSettings {
  /** APOLLO_GITHUB_API_URL: default https://api.github.com (GitHub Enterprise: https://<host>/api/v3). */
  readonly apiUrl: string;
  /** APOLLO_GITHUB_SECRET: the Secrets Manager secret (name or ARN) with the credentials (AWS). */
  readonly secretId: string | undefined;
  /** APOLLO_JOBS_FUNCTION: the jobs Lambda a run is handed to (AWS). */
  readonly jobsFunction: string | undefined;
  /** APOLLO_GITHUB_MAX_WAIT_SECONDS: the longest wait for a rate limit to reset before the run stops (default 60). */
  readonly maxWaitMs: number;
  readonly runtime: RuntimeKind;
}

/** The settings every GitHub-backed run reads; `what` names the run in the 503 ('discovery'). */
export function readGitHubRunSettings(env: NodeJS.ProcessEnv, what: string): GitHubRunSettings {
  const runtime = readBaseConfig(env).runtime;
  if (runtime === 'aws' && !env.APOLLO_GITHUB_SECRET) throw new GitHubNotConfiguredError(`${what} is not configured: set APOLLO_GITHUB_SECRET to the secret holding the GitHub credentials`);
  const wait = Number(env.APOLLO_GITHUB_MAX_WAIT_SECONDS ?? 60);
  return {
    apiUrl: env.APOLLO_GITHUB_API_URL || 'https://api.github.com',
    secretId: env.APOLLO_GITHUB_SECRET || undefined,
    jobsFunction: env.APOLLO_JOBS_FUNCTION || undefined,
    maxWaitMs: Number.isFinite(wait) && wait >= 0 ? wait * 1000 : 60_000,
    runtime,
  };
}

/**
 * Where a run started by a request goes: the jobs Lambda's `job` in AWS; in this process on a laptop,
 * when the local runtime gave the runner (`run`). The jobs Lambda itself runs them and hands none
 * over, so it has no jobs function and gets a dispatcher that says so.
 */
export function runDispatcher(settings: GitHubRunSettings, job: string, what: string, run?: (jobId: string) => Promise<unknown>): JobDispatcher {
  if (settings.runtime === 'local' && run) return new InProcessJobDispatcher(run, what);
  if (settings.jobsFunction) return new LambdaJobDispatcher(settings.jobsFunction, job);
  const missing = settings.runtime === 'local' ? 'the local runtime gave no in-process runner' : 'APOLLO_JOBS_FUNCTION names no jobs function';
  return { dispatch: () => Promise.reject(new GitHubNotConfiguredError(`${what} is not configured: ${missing}`)) };
}

/**
 * What a request that starts a run needs, and nothing a run needs: the settings and the dispatcher
 * (no GitHub client, no document parser), so the Lambdas that start runs stay small.
 */
export interface RunStarter<C extends GitHubRunSettings> {
  /** Throws GitHubNotConfiguredError when the run is not configured. */
  get(): { readonly config: C; readonly dispatcher: JobDispatcher };
  /** Like get(), but a missing configuration is a 503 that says what to set. */
  getOr503(): { readonly config: C; readonly dispatcher: JobDispatcher };
  /** Swaps the dispatcher (the local runtime runs runs in-process; tests); settings are read again. */
  configure(next: { readonly dispatcher?: JobDispatcher; readonly run?: (jobId: string) => Promise<unknown> }): void;
}

export function runStarter<C extends GitHubRunSettings>(read: () => C, job: string, what: string): RunStarter<C> {
  let made: { config: C; dispatcher: JobDispatcher } | undefined;
  let given: { readonly dispatcher?: JobDispatcher; readonly run?: (jobId: string) => Promise<unknown> } = {};
  const get = () => {
    if (!made) {
      const config = read();
      made = { config, dispatcher: given.dispatcher ?? runDispatcher(config, job, what, given.run) };
    }
    return made;
  };
  return {
    get,
    getOr503: () => configuredOr503(get),
    configure: (next) => { given = next; made = undefined; },
  };
}
