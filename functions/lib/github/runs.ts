/**
 * What every GitHub-backed run (a discovery sync, a catalog refresh) shares: its settings from the
 * environment (GitHub's API, the credentials secret, how long to wait out a rate limit, where runs are
 * handed over) and the dispatcher that hands a run to the jobs Lambda in AWS or runs it in-process on
 * a laptop. Each such run is optional: unconfigured, its routes answer 503 saying what to set.
 */
import { readBaseConfig, type RuntimeKind } from '../config.ts';
import { InProcessJobDispatcher, LambdaJobDispatcher, type JobDispatcher } from '../job-dispatch.ts';
import { GitHubNotConfiguredError } from './errors.ts';

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
 * Where a run started by a request goes: in-process on a laptop; the jobs Lambda's `job` in AWS. The
 * jobs Lambda itself runs them and hands none over, so it has no jobs function and gets a dispatcher
 * that says so.
 */
export function runDispatcher(settings: GitHubRunSettings, job: string, what: string, run: (jobId: string) => Promise<unknown>): JobDispatcher {
  if (settings.runtime === 'local') return new InProcessJobDispatcher(run, what);
  if (settings.jobsFunction) return new LambdaJobDispatcher(settings.jobsFunction, job);
  return { dispatch: () => Promise.reject(new GitHubNotConfiguredError(`${what} is not configured: APOLLO_JOBS_FUNCTION names no jobs function`)) };
}
